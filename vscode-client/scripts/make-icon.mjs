// Makes media/icon.png, the extension's icon (package.json "icon": VS Code wants a PNG
// there, no SVG), from media/four-eyes.svg, the activity bar's glyph: the same four
// eyes, light on a dark rounded square, 256 px. Needs rsvg-convert (Debian's
// librsvg2-bin). Run from vscode-client/: node scripts/make-icon.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SIZE = 256;
const BACKGROUND = '#1f2937';
const EYES = '#f9fafb';
const PUPILS = '#f0883e'; // the orange of an unreviewed region's gutter mark

const glyph = readFileSync('media/four-eyes.svg', 'utf8');
const viewBox = /viewBox="([^"]+)"/.exec(glyph)?.[1];
const inner = /<svg[^>]*>([\s\S]*)<\/svg>/.exec(glyph)?.[1];
if (!viewBox || !inner) {
  throw new Error('media/four-eyes.svg: no viewBox or no content');
}
const [, , width] = viewBox.split(/\s+/).map(Number);
// The glyph's filled circles are the pupils; its outlines are the eyes, drawn a little
// thinner than the glyph's 1.5 so that at this size the eyes do not run together.
const eyes = inner
  .replace(/fill="currentColor"/g, `fill="${PUPILS}" stroke="${PUPILS}"`)
  .replace(/currentColor/g, EYES);
const margin = SIZE * 0.08;
const scale = (SIZE - 2 * margin) / width;
const icon = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <rect width="${SIZE}" height="${SIZE}" rx="${SIZE * 0.18}" fill="${BACKGROUND}"/>
  <g transform="translate(${margin} ${margin}) scale(${scale})" fill="none" stroke="${EYES}" stroke-width="1.1">${eyes}</g>
</svg>
`;
const work = mkdtempSync(path.join(os.tmpdir(), 'foureyes-icon-'));
try {
  const source = path.join(work, 'icon.svg');
  writeFileSync(source, icon);
  execFileSync('rsvg-convert', ['-w', String(SIZE), '-h', String(SIZE), '-o', 'media/icon.png', source], { stdio: 'inherit' });
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`wrote media/icon.png (${SIZE}x${SIZE}) from media/four-eyes.svg`);
