import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InsertionContext, suspectInsertion } from '../src/common/heuristics';

const context: InsertionContext = { changeCount: 1, clipboard: '', minLines: 4, dirty: true };
const block = 'def add(a, b):\n    total = a + b\n    log(total)\n    return total\n';

describe('suspectInsertion', () => {
  it('flags a multi-line insertion that is not on the clipboard', () => {
    assert.deepEqual(suspectInsertion({ startLine: 9, rangeLength: 0, text: block }, context), {
      start: 10,
      end: 13,
      lines: 4,
    });
  });

  it('counts lines that start after a leading newline (insertion at a line end)', () => {
    const text = '\n' + block.trimEnd();
    assert.deepEqual(suspectInsertion({ startLine: 2, rangeLength: 0, text }, context), {
      start: 4,
      end: 7,
      lines: 4,
    });
  });

  it('ignores pastes, even re-indented ones', () => {
    const pasted = block.replace(/^/gm, '    ');
    assert.equal(suspectInsertion({ startLine: 0, rangeLength: 0, text: pasted }, { ...context, clipboard: block }), undefined);
  });

  it('ignores small insertions, undo and redo, multi-cursor edits, rewrites and reloads', () => {
    const change = { startLine: 0, rangeLength: 0, text: block };
    assert.equal(suspectInsertion({ ...change, text: 'a\nb\n' }, context), undefined);
    assert.equal(suspectInsertion(change, { ...context, reason: 1 }), undefined);
    assert.equal(suspectInsertion(change, { ...context, reason: 2 }), undefined);
    assert.equal(suspectInsertion(change, { ...context, changeCount: 3 }), undefined);
    assert.equal(suspectInsertion({ ...change, rangeLength: block.length }, context), undefined);
    assert.equal(suspectInsertion(change, { ...context, dirty: false }), undefined);
    assert.equal(suspectInsertion({ ...change, text: '\n\n\n\n\n' }, context), undefined, 'blank lines');
  });

  it('honours minLines', () => {
    const change = { startLine: 0, rangeLength: 0, text: block };
    assert.equal(suspectInsertion(change, { ...context, minLines: 5 }), undefined);
    assert.notEqual(suspectInsertion(change, { ...context, minLines: 2 }), undefined);
  });
});
