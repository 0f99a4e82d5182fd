// The optional insertion heuristic: one edit that adds several lines at once and did
// not come from the clipboard (an accepted inline completion, an agent writing into
// the buffer) may be AI-written. Low confidence by design; off unless the user turns
// foureyes.heuristics on. Pure: the vscode glue passes plain values.

export interface InsertionChange {
  /** 0-based line where the replaced range starts. */
  startLine: number;
  /** Length of the text the change replaced. */
  rangeLength: number;
  text: string;
}

export interface InsertionContext {
  /** Every content change of this one event (a multi-cursor edit or a format has several). */
  changeCount: number;
  clipboard: string;
  minLines: number;
  /** VS Code's TextDocumentChangeReason: 1 undo, 2 redo. */
  reason?: number;
  /** The document is dirty after the change (a reload from disk leaves it clean). */
  dirty: boolean;
}

export interface SuspectedInsertion {
  start: number; // 1-based, inclusive
  end: number; // 1-based, inclusive
  lines: number;
}

export const HEURISTIC_CONFIDENCE = 0.3;
export const HEURISTIC_SOURCE = 'editor-heuristic';
/** The server command that receives a suspected insertion (not in the server yet). */
export const HEURISTIC_COMMAND = 'foureyes.markAiHeuristic';

const squash = (text: string): string => text.replace(/\s+/g, '');

export function suspectInsertion(
  change: InsertionChange,
  context: InsertionContext,
): SuspectedInsertion | undefined {
  if (context.reason === 1 || context.reason === 2 || !context.dirty || context.changeCount !== 1) {
    return undefined;
  }
  const segments = change.text.split(/\r\n|\r|\n/);
  if (segments.length < 2) {
    return undefined;
  }
  // Replacing as much as it inserts is a rewrite (a format, a rename), not new code.
  if (change.rangeLength >= change.text.length) {
    return undefined;
  }
  // Pasted text, perhaps re-indented on paste.
  if (context.clipboard !== '' && squash(context.clipboard) === squash(change.text)) {
    return undefined;
  }
  const last = segments.length - 1;
  const firstLine = change.startLine + ((segments[0] ?? '').trim() === '' ? 1 : 0);
  const lastLine = change.startLine + last - ((segments[last] ?? '').trim() === '' ? 1 : 0);
  if (lastLine < firstLine) {
    return undefined;
  }
  const inserted = segments.slice(firstLine - change.startLine, lastLine - change.startLine + 1);
  const lines = lastLine - firstLine + 1;
  const withCode = inserted.filter((s) => s.trim() !== '').length;
  if (lines < context.minLines || withCode < 2) {
    return undefined;
  }
  return { start: firstLine + 1, end: lastLine + 1, lines };
}
