// End to end in a real VS Code: code-server (from npm) runs the packaged .vsix against a
// fixture git repository whose AI lines were recorded with `foureyes mark`, and Debian's
// chromium, driven by playwright-core, does what a person would: open the file, see the
// diagnostic and the gutter mark, request senior review from the code action menu, and
// see the region move to "Review requested" in the Four Eyes view.
//
//   node e2e/run.mjs            (after `npm run package` and e2e/install-code-server.sh)
//
// Environment (all optional): FOUREYES_E2E_CODE_SERVER (the code-server executable),
// FOUREYES_E2E_CHROMIUM (/usr/bin/chromium), FOUREYES_E2E_VSIX (foureyes.vsix),
// FOUREYES_E2E_PYTHON (a Python with foureyes installed; default ../.venv/bin/python),
// FOUREYES_E2E_ARTIFACTS (screenshots and logs; default e2e/artifacts),
// FOUREYES_E2E_WAIT_MS (longest wait for one UI step; default 60000),
// FOUREYES_E2E_KEEP=1 (keep the temporary workspace), FOUREYES_E2E_DOCS_SCREENSHOT=1
// (also copy the README screenshot to docs/images/).
//
// Prints one JSON line starting with {"e2e": on success; exits 1 naming the failed step.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const client = path.resolve(here, '..');
const repoRoot = path.resolve(client, '..');
const env = process.env;
const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
const CODE_SERVER =
  env.FOUREYES_E2E_CODE_SERVER ||
  path.join(cacheHome, 'foureyes-vscode', 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
const CHROMIUM = env.FOUREYES_E2E_CHROMIUM || '/usr/bin/chromium';
const VSIX = env.FOUREYES_E2E_VSIX || path.join(client, 'foureyes.vsix');
const PYTHON = env.FOUREYES_E2E_PYTHON || path.join(repoRoot, '.venv', 'bin', 'python');
const ARTIFACTS = env.FOUREYES_E2E_ARTIFACTS || path.join(here, 'artifacts');
const WAIT = Number(env.FOUREYES_E2E_WAIT_MS || 60_000);
const FOUREYES = path.join(path.dirname(PYTHON), 'foureyes');

const started = Date.now();
const timings = {};
const screenshots = [];
let page;
let browser;
let codeServer;
let work;

function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[e2e ${seconds}s] ${message}\n`);
}

class StepFailure extends Error {}

async function step(name, run) {
  const t0 = Date.now();
  log(`step: ${name}`);
  try {
    const result = await run();
    timings[name] = Number(((Date.now() - t0) / 1000).toFixed(2));
    return result;
  } catch (error) {
    throw new StepFailure(`step "${name}" failed: ${error instanceof Error ? error.stack || error.message : error}`);
  }
}

/** Run a flaky UI action up to `attempts` times, undoing half-open menus between tries. */
async function retry(what, attempts, run) {
  let last;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      return await run(attempt);
    } catch (error) {
      last = error;
      log(`  ${what}: attempt ${attempt}/${attempts} failed: ${String(error).split('\n')[0]}`);
      if (page) {
        await page.keyboard.press('Escape').catch(() => {});
        await page.waitForTimeout(500 * attempt);
      }
    }
  }
  throw last;
}

async function shoot(name) {
  if (!page) {
    return undefined;
  }
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  screenshots.push(file);
  log(`  screenshot ${file}`);
  return file;
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The foureyes servers that code-server (our child) started, found by walking its process tree. */
function serverProcesses() {
  const children = new Map();
  const args = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces and parens.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const pid = Number(entry);
      args.set(pid, readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim());
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // the process ended meanwhile
    }
  }
  const found = [];
  const queue = [codeServer.pid];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const child of children.get(pid) ?? []) {
      queue.push(child);
      if (/foureyes\.cli\.main serve|foureyes serve/.test(args.get(child) ?? '')) {
        found.push({ pid: child, args: args.get(child) });
      }
    }
  }
  return found;
}

function checkPrerequisites() {
  const missing = [];
  for (const [what, file] of [
    ['code-server (run e2e/install-code-server.sh)', CODE_SERVER],
    ['chromium (apt install chromium)', CHROMIUM],
    ['the packaged extension (npm run package)', VSIX],
    ['a Python with foureyes (./scripts/setup)', PYTHON],
    ['the foureyes command', FOUREYES],
  ]) {
    if (!existsSync(file)) {
      missing.push(`${what}: ${file} not found`);
    }
  }
  if (missing.length > 0) {
    throw new Error(`missing prerequisites:\n  ${missing.join('\n  ')}`);
  }
}

// --- the fixture ----------------------------------------------------------------------

// The AI region runs a command through a shell: high risk, so with default settings it
// is a warning in every editor (the policy's [severity] table: high = "warning"). The
// Neovim test (tests/test_nvim.py) and the JetBrains template's test
// (tests/test_jetbrains_template.py) check the same file and lines; tests/test_vscode.py
// checks that this copy still matches theirs.
const APP = `"""Retry helpers."""

import subprocess
import time


def retry(cmd, times=3, delay=0.1):
    """Run cmd in a shell until it succeeds, at most \`times\` times."""
    for attempt in range(times):
        try:
            return subprocess.run(cmd, shell=True, check=True)
        except subprocess.CalledProcessError:
            if attempt == times - 1:
                raise
            time.sleep(delay * 2**attempt)
    return None


def main():
    print(retry("true"))
`;
const REGION = { start: 7, end: 16 }; // the function an agent wrote

function makeFixture() {
  const repo = path.join(work, 'shop');
  mkdirSync(path.join(repo, 'src'), { recursive: true });
  const git = (...args) => run('git', args, { cwd: repo });
  git('-c', 'init.defaultBranch=main', 'init', '-q');
  git('config', 'user.email', 'dana@example.com');
  git('config', 'user.name', 'Dana');
  git('config', 'commit.gpgsign', 'false');
  writeFileSync(path.join(repo, 'src', 'retry.py'), APP);
  git('add', '-A');
  git('commit', '-q', '-m', 'retry helper');
  run(FOUREYES, ['mark', '--ai', `src/retry.py:${REGION.start}-${REGION.end}`, '--agent', 'claude-code', '--model', 'claude-opus-4-6'], { cwd: repo });
  const status = JSON.parse(run(FOUREYES, ['status', '--json'], { cwd: repo }));
  if (status.regions.length !== 1 || status.regions[0].review.state !== 'unreviewed'
    || status.regions[0].risk.level !== 'high' || status.regions[0].review.approvals_required !== 2) {
    throw new Error(`unexpected fixture status: ${JSON.stringify(status)}`);
  }
  return repo;
}

function writeUserSettings(userData) {
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  const settings = {
    'foureyes.interpreter': [PYTHON],
    // No foureyes.severity.* here: the defaults follow the policy, as for every user.
    'foureyes.reviewers': ['lee@example.com', 'kim@example.com'],
    'foureyes.trace.server': 'messages',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.colorTheme': 'Default Light Modern',
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'git.enabled': false,
    'editor.minimap.enabled': false,
    'editor.lightbulb.enabled': 'on',
    'chat.commandCenter.enabled': false,
    'window.commandCenter': false,
  };
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

// --- code-server ----------------------------------------------------------------------

async function startCodeServer(repo) {
  const userData = path.join(work, 'user-data');
  const extensions = path.join(work, 'extensions');
  writeUserSettings(userData);
  // foureyes on PATH too, as most users have it. The first window finds the server
  // through foureyes.interpreter (it comes first); after "Reload Window", code-server at
  // times starts the new extension host without the user settings at all (its log then
  // shows foureyes.interpreter with only its default, and no change event follows), and
  // the reload step is about the gutter toggle being remembered, not about settings.
  const csEnv = {
    ...env,
    PATH: `${path.dirname(PYTHON)}${path.delimiter}${env.PATH ?? ''}`,
    XDG_CONFIG_HOME: path.join(work, 'config'),
    XDG_DATA_HOME: path.join(work, 'data'),
  };
  const common = ['--config', path.join(work, 'code-server.yaml'), '--user-data-dir', userData, '--extensions-dir', extensions];
  writeFileSync(path.join(work, 'code-server.yaml'), 'auth: none\n');
  const installed = run(CODE_SERVER, [...common, '--install-extension', VSIX], { env: csEnv });
  if (!/successfully installed/i.test(installed)) {
    throw new Error(`installing ${VSIX} said:\n${installed}`);
  }
  const port = await freePort();
  const logFile = path.join(ARTIFACTS, 'code-server.log');
  const out = [];
  codeServer = spawn(
    CODE_SERVER,
    [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', repo],
    { env: csEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  codeServer.stdout.on('data', (d) => out.push(d));
  codeServer.stderr.on('data', (d) => out.push(d));
  codeServer.on('exit', () => writeFileSync(logFile, Buffer.concat(out)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    if (codeServer.exitCode !== null) {
      throw new Error(`code-server exited with ${codeServer.exitCode}:\n${Buffer.concat(out).toString()}`);
    }
    try {
      const answer = await fetch(`${url}/healthz`);
      if (answer.ok) {
        return { url };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer /healthz within ${WAIT} ms`);
}

// --- the workbench --------------------------------------------------------------------

const editorSel = '.editor-group-container.active .monaco-editor';

async function openFile(name) {
  await retry(`open ${name} with Quick Open`, 4, async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 5, y: 300 }, force: true }).catch(() => {});
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(name) }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: path.basename(name) }).waitFor({ timeout: 15_000 });
  });
  await page.locator(`${editorSel} .view-lines`).waitFor({ timeout: WAIT });
}

/** The gutter icons on screen, with the review state their image shows. */
async function gutterMarks() {
  return page.evaluate((selector) => {
    const editor = document.querySelector(selector);
    if (!editor) {
      return [];
    }
    return [...editor.querySelectorAll('.glyph-margin-widgets .cgmr, .margin-view-overlays .cgmr')].map((el) => {
      const image = decodeURIComponent(getComputedStyle(el).backgroundImage || '');
      const match = /gutter-([a-z-]+)\.svg/.exec(image);
      return { state: match ? match[1] : null, top: parseFloat(el.style.top || '0') };
    }).filter((m) => m.state !== null);
  }, editorSel);
}

async function waitForGutter(state, lines) {
  const deadline = Date.now() + WAIT;
  let marks = [];
  while (Date.now() < deadline) {
    marks = await gutterMarks();
    if (marks.length === lines && marks.every((m) => m.state === state)) {
      return marks;
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`expected ${lines} gutter marks "${state}", saw ${JSON.stringify(marks.map((m) => m.state))}`);
}

async function waitForGutterCount(count) {
  const deadline = Date.now() + WAIT;
  let marks = [];
  while (Date.now() < deadline) {
    marks = await gutterMarks();
    if (marks.length === count) {
      return;
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`expected ${count} gutter marks, saw ${marks.length}`);
}

/** Run a command by its title from the Command Palette (Ctrl+Shift+P). */
async function runCommand(title) {
  await retry(`run "${title}"`, 4, async () => {
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
  });
}

/** Put the cursor on a 1-based line with Go to Line (Ctrl+G). */
async function gotoLine(line) {
  await retry(`go to line ${line}`, 4, async () => {
    await page.locator(`${editorSel} .view-lines`).click({ position: { x: 200, y: 5 } });
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`:${line}`);
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: `Ln ${line},` }).first().waitFor({ timeout: 10_000 });
  });
}

// With one view in its container, VS Code shows no pane header: the side bar's title
// says "FOUR EYES: REVIEW QUEUE" and the tree fills the side bar.
const sideBarTitle = () => page.locator('.part.sidebar .composite.title', { hasText: /Four Eyes/i });

async function showFourEyesView() {
  await retry('open the Four Eyes view', 4, async () => {
    if (!(await sideBarTitle().isVisible().catch(() => false))) {
      await page.locator('.activitybar .action-item a[aria-label^="Four Eyes"], .activitybar .action-item[aria-label^="Four Eyes"] a, .activitybar a.action-label[aria-label^="Four Eyes"]').first().click({ timeout: 10_000 });
    }
    await sideBarTitle().waitFor({ state: 'visible', timeout: 10_000 });
  });
}

/** Drag the side bar's edge so the tree's descriptions fit (for the screenshots only). */
async function widenSideBar(width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) {
    return;
  }
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(x - 1, y);
  await page.mouse.down();
  await page.mouse.move(x + 60, y, { steps: 4 });
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
  const after = await page.locator('.part.sidebar').boundingBox();
  log(`  side bar ${Math.round(box.width)} -> ${Math.round(after?.width ?? 0)} px wide`);
}

function treeRows() {
  return page.locator('.part.sidebar .monaco-list-row');
}

async function waitForTree(expected, forbidden = []) {
  const deadline = Date.now() + WAIT;
  let texts = [];
  while (Date.now() < deadline) {
    texts = (await treeRows().allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' ').trim());
    const ok = expected.every((re) => texts.some((t) => re.test(t))) && !forbidden.some((re) => texts.some((t) => re.test(t)));
    if (ok) {
      return texts;
    }
    await page.waitForTimeout(400);
  }
  throw new Error(`the Four Eyes view shows ${JSON.stringify(texts)}; wanted ${expected} without ${forbidden}`);
}

/** The foureyes diagnostic's severity is `severity` and no other: its squiggle in the
 * editor (VS Code draws hints as dots, `squiggly-hint`) and its icon in the Problems panel. */
async function expectSeverity(severity) {
  const squiggles = { error: 'squiggly-error', warning: 'squiggly-warning', information: 'squiggly-info', hint: 'squiggly-hint' };
  const deadline = Date.now() + WAIT;
  let seen = {};
  while (Date.now() < deadline) {
    seen = {};
    for (const [name, cls] of Object.entries(squiggles)) {
      seen[name] = await page.locator(`${editorSel} .${cls}`).count();
    }
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'AI-written by claude-code' }).first();
    // The row's icon: `marker-icon warning` around `codicon codicon-warning` (info for information).
    const icon = await row.evaluate((el) => [...el.querySelectorAll('.marker-icon, .codicon')].map((e) => e.className).join(' '), undefined, { timeout: 2_000 })
      .catch(() => '');
    seen.problemsIcon = icon;
    const others = Object.keys(squiggles).filter((name) => name !== severity && seen[name] > 0);
    const word = severity === 'information' ? 'info' : severity;
    if (seen[severity] > 0 && others.length === 0 && new RegExp(`codicon-${word}\\b`).test(icon)) {
      return;
    }
    await page.waitForTimeout(300);
  }
  throw new Error(`expected the diagnostic to be a ${severity}; saw ${JSON.stringify(seen)}`);
}

// The region's row in the Four Eyes view: its label is the file name and lines.
const ROW_LABEL = `retry.py:${REGION.start}-${REGION.end}`;
const regionRow = () => treeRows().filter({ hasText: ROW_LABEL }).first();

/** The labels of the inline buttons the region's row shows under the mouse. */
async function inlineActions() {
  const row = regionRow();
  await row.hover();
  await page.waitForTimeout(300);
  return row.locator('.action-label').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') || ''));
}

/**
 * Refresh the view (the git identity just changed, as when someone else sits down at
 * the editor: the window regaining focus refreshes it too), hover the region's row and
 * click its inline Approve button, which is there once the server says this person
 * may approve; then wait for the server's message saying what is left.
 */
async function approveFromView(expected, forbidden, toast) {
  await retry('the inline Approve button', 4, async () => {
    await page.locator('.part.sidebar .title-actions .action-label[aria-label^="Refresh"]').first().click();
    const row = regionRow();
    await row.hover();
    await row.locator('.action-label[aria-label^="Approve AI-Written Code"]').click({ timeout: 5_000 });
    await waitForTree(expected, forbidden);
  });
  await page.locator('.notification-toast', { hasText: toast }).first().waitFor({ state: 'visible', timeout: WAIT });
}

/**
 * What of the region's row the side bar cuts off: whether the whole label shows, and
 * whether the start of the description (`prefix`) does, measured in the row's font.
 */
async function rowFits(prefix) {
  return regionRow().evaluate((row, wanted) => {
    const container = row.querySelector('.monaco-icon-label-container')?.getBoundingClientRect();
    const name = row.querySelector('.label-name')?.getBoundingClientRect();
    const description = row.querySelector('.label-description');
    if (!container || !name || !description) {
      return { found: false };
    }
    const context = document.createElement('canvas').getContext('2d');
    context.font = getComputedStyle(description).font;
    const left = description.getBoundingClientRect().left;
    return {
      rowWidth: Math.round(row.getBoundingClientRect().width),
      description: description.textContent,
      label: name.right <= container.right + 0.5,
      prefix: left + context.measureText(wanted).width <= container.right + 0.5,
    };
  }, prefix);
}

// --- the test -------------------------------------------------------------------------

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const old of readdirSync(ARTIFACTS)) {
    if (old.endsWith('.png') || old.endsWith('.log')) {
      rmSync(path.join(ARTIFACTS, old), { force: true });
    }
  }
  checkPrerequisites();
  work = mkdtempSync(path.join(os.tmpdir(), 'foureyes-e2e-'));
  const repo = await step('fixture repository (git + foureyes mark)', () => makeFixture());
  const { url } = await step('install the .vsix and start code-server', () => startCodeServer(repo));

  await step('open VS Code in chromium', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      // playwright gives chromium a fresh temporary profile (--user-data-dir) itself.
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${url}/?folder=${encodeURIComponent(repo)}`, { timeout: WAIT });
    await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
    await page.locator('.activitybar .action-item').first().waitFor({ timeout: WAIT });
  });

  await step('open the file with the AI region', () => openFile('src/retry.py'));

  await step('diagnostic: a warning by the policy, squiggle and Problems entry', async () => {
    // Default settings: the high-risk region is a warning, as the policy says.
    await page.locator(`${editorSel} .squiggly-warning`).first().waitFor({ timeout: WAIT });
    await retry('open the Problems panel', 4, async () => {
      if (!(await page.locator('.markers-panel').isVisible().catch(() => false))) {
        await page.keyboard.press('Control+Shift+M');
      }
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'AI-written by claude-code' }).first().waitFor({ timeout: 10_000 });
    });
    const row = (await page.locator('.markers-panel .monaco-list-row', { hasText: 'AI-written by claude-code' }).first().innerText()).replace(/\s+/g, ' ');
    for (const want of ['not reviewed', '0/2 approvals', 'high risk', 'foureyes', 'ai-unreviewed']) {
      if (!row.includes(want)) {
        throw new Error(`the Problems row lacks "${want}": ${row}`);
      }
    }
    await expectSeverity('warning');
  });

  await step('gutter marks: unreviewed on every line of the region', () => waitForGutter('unreviewed', REGION.end - REGION.start + 1));

  await step('status bar counts', async () => {
    await page.locator('.statusbar-item', { hasText: '1 here · 1 in workspace' }).first().waitFor({ timeout: WAIT });
  });

  await step('Four Eyes view lists the region as unreviewed', async () => {
    await showFourEyesView();
    await waitForTree([/^Unreviewed \(1\)/, new RegExp(`^${ROW_LABEL} ?not reviewed · high risk · 0/2 approvals`)]);
    // At the side bar's default width (300 px) neither the label nor the state is cut
    // off (the risk and the approvals follow: the group rows above and the tooltip say
    // them too).
    const fits = await rowFits('not reviewed');
    log(`  region row at the default width: ${JSON.stringify(fits)}`);
    await shoot('00-queue-at-default-width.png');
    if (!fits.label || !fits.prefix) {
      throw new Error(`the row is cut off before its state at the default side bar width: ${JSON.stringify(fits)}`);
    }
    // Dana recorded the code: the row offers Request Senior Review, not Approve (the
    // quick fix does not offer it to her either).
    const inline = await inlineActions();
    if (!inline.some((a) => a.startsWith('Request Senior Review')) || inline.some((a) => a.startsWith('Approve'))) {
      throw new Error(`the recorder's row offers ${JSON.stringify(inline)}; wanted Request Senior Review and no Approve`);
    }
    await widenSideBar(440);
    await gotoLine(REGION.start + 2);
    await page.waitForTimeout(500);
    await shoot('01-flagged-region-and-queue.png');
  });

  await step('Request senior review from the code action menu', async () => {
    await retry('code action menu', 4, async () => {
      await gotoLine(REGION.start + 2);
      await page.keyboard.press('Control+.');
      const item = page.locator('.action-widget .monaco-list-row', { hasText: 'Request senior review' }).first();
      await item.waitFor({ state: 'visible', timeout: 15_000 });
      await shoot('02-code-action-menu.png');
      // Choose it with the keyboard, as a person with Ctrl+. would (a mouse click lands
      // on the context view's pointer block in headless chromium).
      let chosen = false;
      for (let press = 0; press < 12 && !chosen; press += 1) {
        const focused = await page.locator('.action-widget .monaco-list-row.focused').first().innerText().catch(() => '');
        if (focused.includes('Request senior review')) {
          await page.keyboard.press('Enter');
          chosen = true;
        } else {
          await page.keyboard.press('ArrowDown');
          await page.waitForTimeout(150);
        }
      }
      if (!chosen) {
        throw new Error('could not focus "Request senior review" in the code action menu');
      }
      await page.locator('.quick-input-widget', { hasText: 'Request senior review' }).waitFor({ state: 'visible', timeout: 15_000 });
    });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('Please check the shell command and the backoff.');
    await shoot('03-review-note.png');
    await page.keyboard.press('Enter');
    // The reviewers: a multi-select pick of the suggestions (foureyes.reviewers here).
    const lee = page.locator('.quick-input-list .monaco-list-row', { hasText: 'lee@example.com' }).first();
    await lee.waitFor({ state: 'visible', timeout: 15_000 });
    await retry('pick lee@example.com', 4, async () => {
      if ((await lee.getAttribute('aria-checked')) !== 'true') {
        await lee.locator('input[type=checkbox], .monaco-custom-toggle, .quick-input-list-checkbox').first().click({ timeout: 5_000 });
      }
      await page.waitForFunction(
        () => [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some(
          (row) => row.textContent.includes('lee@example.com') && row.getAttribute('aria-checked') === 'true'),
        null, { timeout: 5_000 });
    });
    await shoot('04-reviewers.png');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
  });

  await step('Four Eyes view: the region moved to "Review requested"', async () => {
    await waitForTree(
      [/^Review requested \(1\)/, new RegExp(`^${ROW_LABEL} ?review requested · high risk · 0/2 approvals`)],
      [/^Unreviewed/],
    );
  });

  await step('editor follows: still a warning by the policy, review-requested gutter marks', async () => {
    // The policy's severity goes by risk, not by review state: still a warning.
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'ai-review-requested' }).first().waitFor({ timeout: WAIT });
    await expectSeverity('warning');
    await waitForGutter('review-requested', REGION.end - REGION.start + 1);
    // The code lens says whom review was requested from, and offers a reminder.
    await page.locator(`${editorSel} .contentWidgets .codelens-decoration, ${editorSel} .codelens-decoration`, { hasText: 'review requested from lee@example.com' })
      .first().waitFor({ timeout: WAIT });
    const lens = (await page.locator(`${editorSel} .codelens-decoration`, { hasText: 'review requested from' }).first().innerText()).replace(/\s+/g, ' ');
    if (!/· remind/.test(lens) || /request review/.test(lens)) {
      throw new Error(`the code lens after the request says: ${lens}`);
    }
    await page.locator('.statusbar-item', { hasText: '1 here · 1 in workspace' }).first().waitFor({ timeout: WAIT });
    await shoot('05-review-requested.png');
  });

  await step('the ledger has the request, the note and the reviewer', () => {
    const status = JSON.parse(run(FOUREYES, ['status', '--json'], { cwd: repo }));
    const region = status.regions[0];
    if (region.review.state !== 'review-requested' || !region.review.reviewers_requested.includes('lee@example.com')) {
      throw new Error(`foureyes status says ${JSON.stringify(region.review)}`);
    }
    const ledger = readFileSync(path.join(repo, '.foureyes', 'ledger.jsonl'), 'utf8');
    if (!ledger.includes('Please check the shell command')) {
      throw new Error('the note is not in the ledger');
    }
  });

  await step('another person approves from the Four Eyes view: 1 of 2', async () => {
    // Four eyes: Dana recorded the AI lines, so Lee approves (the server reads git's
    // identity at each command). High risk needs two approvals (the default policy).
    run('git', ['config', 'user.email', 'lee@example.com'], { cwd: repo });
    run('git', ['config', 'user.name', 'Lee'], { cwd: repo });
    await approveFromView([/^Partially approved \(1\)/, new RegExp(`^${ROW_LABEL} ?partially approved · high risk · 1/2 approvals`)], [/^Review requested/],
      `Approved src/retry.py:${REGION.start}-${REGION.end} — 1 of 2 approvals; 1 more needed`);
    await waitForGutter('partially-approved', REGION.end - REGION.start + 1);
    await page.locator('.markers-panel .monaco-list-row', { hasText: 'ai-partially-approved' }).first().waitFor({ timeout: WAIT });
    await expectSeverity('warning');
    await page.locator('.statusbar-item', { hasText: '1 here · 1 in workspace' }).first().waitFor({ timeout: WAIT });
  });

  await step('a third person approves: approved, the diagnostic goes', async () => {
    run('git', ['config', 'user.email', 'kim@example.com'], { cwd: repo });
    run('git', ['config', 'user.name', 'Kim'], { cwd: repo });
    await approveFromView([/^Approved \(1\)/], [/^Partially approved/], 'fully approved (2 of 2 approvals)');
    await waitForGutter('approved', REGION.end - REGION.start + 1);
    await page.locator('.statusbar-item', { hasText: '0 here · 0 in workspace' }).first().waitFor({ timeout: WAIT });
    const deadline = Date.now() + WAIT;
    while (await page.locator(`${editorSel} .squiggly-info, ${editorSel} .squiggly-warning`).count()) {
      if (Date.now() > deadline) {
        throw new Error('the squiggle stayed after the approval');
      }
      await page.waitForTimeout(300);
    }
    await page.locator(`${editorSel} .codelens-decoration`, { hasText: 'approved' }).first().waitFor({ timeout: WAIT });
    await shoot('06-approved.png');
    const status = JSON.parse(run(FOUREYES, ['status', '--json'], { cwd: repo }));
    if (status.regions[0].review.state !== 'approved' || status.regions[0].review.approvers.length !== 2) {
      throw new Error(`foureyes status says ${JSON.stringify(status.regions[0].review)}`);
    }
  });

  await step('gutter toggle hides the marks and is remembered across a reload', async () => {
    // foureyes is on code-server's PATH as well (see startCodeServer): the server so far
    // must have come from the foureyes.interpreter setting, which is tried first.
    const logged = extensionLogs().map((file) => readFileSync(file, 'utf8')).join('\n');
    if (!logged.includes('starting the server (interpreter)')) {
      throw new Error('the server was not started through foureyes.interpreter');
    }
    const toggle = page.locator('.part.sidebar .title-actions .action-label[aria-label^="Toggle AI Gutter Marks"]').first();
    await toggle.click();
    await waitForGutterCount(0);
    // Reload as a person does in VS Code (it shuts the window down properly, so state
    // is saved); a browser reload right after the click can drop the last writes.
    const before = await page.evaluate(() => performance.timeOrigin);
    await runCommand('Developer: Reload Window');
    await page.waitForFunction((origin) => performance.timeOrigin !== origin, before, { timeout: WAIT });
    await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
    await page.locator(`${editorSel} .view-lines`).waitFor({ timeout: WAIT });
    // The server is back when the status bar counts again; the marks must stay hidden.
    await page.locator('.statusbar-item', { hasText: '0 here · 0 in workspace' }).first().waitFor({ timeout: WAIT });
    await page.waitForTimeout(1500);
    if ((await gutterMarks()).length !== 0) {
      throw new Error('gutter marks came back after a reload although they were toggled off');
    }
    await showFourEyesView();
    await page.locator('.part.sidebar .title-actions .action-label[aria-label^="Toggle AI Gutter Marks"]').first().click();
    await waitForGutter('approved', REGION.end - REGION.start + 1);
  });

  await step('a broken server setting: one notification with the fix; removed: back', async () => {
    // Workspace settings, as a project would set them (.vscode/settings.json).
    const settingsFile = path.join(repo, '.vscode', 'settings.json');
    mkdirSync(path.dirname(settingsFile), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ 'foureyes.serverCommand': ['/nonexistent/foureyes-server', 'serve'] }));
    const toast = page.locator('.notification-toast', { hasText: 'could not start its language server' });
    await toast.first().waitFor({ state: 'visible', timeout: WAIT });
    const text = (await toast.first().innerText()).replace(/\s+/g, ' ');
    for (const want of ['/nonexistent/foureyes-server', 'foureyes.serverCommand', 'Open Settings']) {
      if (!text.includes(want)) {
        throw new Error(`the notification lacks "${want}": ${text}`);
      }
    }
    await page.locator('.statusbar-item', { hasText: 'Four Eyes' }).first().waitFor({ timeout: WAIT });
    await shoot('07-no-server.png');
    await page.waitForTimeout(3000); // no second notification follows (no retry storm)
    const count = await toast.count();
    const clientToasts = await page.locator('.notification-toast', { hasText: "couldn't create connection" }).count();
    if (count !== 1 || clientToasts !== 0) {
      throw new Error(`expected one notification about the server, saw ${count} (+${clientToasts} from the client library)`);
    }
    // The view says the server is down rather than showing stale regions.
    await page.locator('.part.sidebar', { hasText: 'language server is not running' }).first().waitFor({ timeout: WAIT });
    rmSync(settingsFile);
    await page.locator('.statusbar-item', { hasText: '0 here · 0 in workspace' }).first().waitFor({ timeout: WAIT });
    await waitForTree([/^Approved \(1\)/]);
  });

  await step('the server process dies: the extension starts a new one', async () => {
    const before = serverProcesses();
    if (before.length !== 1) {
      throw new Error(`expected one foureyes server under code-server, found ${JSON.stringify(before)}`);
    }
    process.kill(before[0].pid, 'SIGKILL');
    const deadline = Date.now() + WAIT;
    let after = [];
    while (Date.now() < deadline) {
      after = serverProcesses().filter((p) => p.pid !== before[0].pid);
      if (after.length === 1) {
        break;
      }
      await page.waitForTimeout(300);
    }
    if (after.length !== 1) {
      throw new Error(`no new server after the old one was killed: ${JSON.stringify(serverProcesses())}`);
    }
    await page.locator('.statusbar-item', { hasText: '0 here · 0 in workspace' }).first().waitFor({ timeout: WAIT });
    await waitForTree([/^Approved \(1\)/]);
    await waitForGutter('approved', REGION.end - REGION.start + 1);
    const noisy = await page.locator('.notification-toast', { hasText: /crashed|stopped|connection/i }).count();
    if (noisy !== 0) {
      throw new Error(`one crash, restarted at once, should not notify; saw ${noisy} notification(s)`);
    }
    await shoot('08-after-restart.png');
  });

  if (env.FOUREYES_E2E_DOCS_SCREENSHOT === '1') {
    const target = path.join(repoRoot, 'docs', 'images', 'vscode-four-eyes.png');
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(path.join(ARTIFACTS, '01-flagged-region-and-queue.png'), target);
    log(`copied the README screenshot to ${target}`);
  }
}

function extensionLogs() {
  // The extension's output channel (server log included) lands in code-server's logs.
  const logs = path.join(work, 'user-data', 'logs');
  return execFileSync('find', [logs, '-name', 'Four Eyes.log'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
}

function copyExtensionLog() {
  try {
    for (const [index, file] of extensionLogs().entries()) {
      copyFileSync(file, path.join(ARTIFACTS, `four-eyes-output-${index}.log`));
    }
  } catch {
    // no logs yet
  }
}

async function cleanup() {
  await browser?.close().catch(() => {});
  if (codeServer && codeServer.exitCode === null) {
    try {
      process.kill(-codeServer.pid, 'SIGTERM');
    } catch {
      // gone
    }
    const deadline = Date.now() + 5_000;
    while (codeServer.exitCode === null && codeServer.signalCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      process.kill(-codeServer.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (work) {
    copyExtensionLog();
    if (env.FOUREYES_E2E_KEEP !== '1') {
      rmSync(work, { recursive: true, force: true });
    } else {
      log(`kept ${work}`);
    }
  }
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(1));
  });
}

try {
  await main();
  await cleanup();
  const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  process.stdout.write(`${JSON.stringify({ e2e: 'passed', seconds, steps: timings, screenshots })}\n`);
  process.exit(0);
} catch (error) {
  log(String(error instanceof StepFailure ? error.message : error.stack || error));
  await shoot('failure.png').catch(() => {});
  await cleanup();
  process.stdout.write(`${JSON.stringify({ e2e: 'failed', error: String(error.message || error).split('\n')[0], steps: timings, screenshots })}\n`);
  process.exit(1);
}
