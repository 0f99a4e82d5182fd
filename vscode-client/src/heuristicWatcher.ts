// Client side of the optional insertion heuristic (foureyes.heuristics, off by default).
import * as vscode from 'vscode';
import { HEURISTIC_COMMAND, HEURISTIC_CONFIDENCE, HEURISTIC_SOURCE, suspectInsertion } from './common/heuristics';
import { errorText, ServerManager } from './common/server';
import { heuristicSettings } from './common/settings';

const SETTLE_MS = 500;
const CLIPBOARD_MS = 1000;

/** The clipboard's text, or undefined when it cannot be read promptly. */
async function readClipboard(): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), CLIPBOARD_MS);
  });
  try {
    return await Promise.race([
      Promise.resolve(vscode.env.clipboard.readText()).then(
        (text) => text,
        () => undefined,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class HeuristicWatcher implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  private warned = false;

  constructor(
    private readonly server: ServerManager,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.subscription = vscode.workspace.onDidChangeTextDocument((event) => void this.onChange(event));
  }

  private async onChange(event: vscode.TextDocumentChangeEvent): Promise<void> {
    const settings = heuristicSettings();
    if (!settings.enabled || event.document.uri.scheme !== 'file' || event.contentChanges.length === 0) {
      return;
    }
    const change = event.contentChanges[0] as vscode.TextDocumentContentChangeEvent;
    // Cheap test first; the clipboard is read only for multi-line insertions.
    if (!change.text.includes('\n')) {
      return;
    }
    if (vscode.env.uiKind === vscode.UIKind.Web) {
      // In a browser (code-server, vscode.dev) reading the clipboard needs the page's
      // permission: VS Code shows an error and the read waits for a Retry click. Without
      // the clipboard, pastes would look like AI insertions, so the heuristic is off.
      this.once('heuristics: not available in browser-based VS Code (the clipboard cannot be read to tell pastes apart)');
      return;
    }
    const clipboard = await readClipboard();
    if (clipboard === undefined) {
      this.once('heuristics: could not read the clipboard, so insertions are not judged');
      return;
    }
    const suspected = suspectInsertion(
      { startLine: change.range.start.line, rangeLength: change.rangeLength, text: change.text },
      {
        changeCount: event.contentChanges.length,
        clipboard,
        minLines: settings.minLines,
        reason: event.reason,
        // Read after the await above: VS Code marks a document dirty just after the
        // change event of its first edit; a reload from disk leaves it clean.
        dirty: event.document.isDirty,
      },
    );
    if (!suspected) {
      return;
    }
    const where = `${vscode.workspace.asRelativePath(event.document.uri)}:${suspected.start}-${suspected.end}`;
    if (!this.server.serverCommands().includes(HEURISTIC_COMMAND)) {
      if (!this.warned) {
        this.warned = true;
        this.output.warn(
          `heuristics: the server has no ${HEURISTIC_COMMAND} command yet, so suspected AI insertions ` +
            `(first: ${where}) are only logged here`,
        );
      } else {
        this.output.info(`heuristics: suspected AI insertion at ${where} (not reported)`);
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    try {
      await this.server.execute(HEURISTIC_COMMAND, {
        uri: event.document.uri.toString(),
        start: suspected.start,
        end: suspected.end,
        source: HEURISTIC_SOURCE,
        confidence: HEURISTIC_CONFIDENCE,
        reason: 'one edit inserted several lines that were not on the clipboard',
      });
      this.output.info(`heuristics: reported ${where} as possibly AI-written`);
    } catch (error) {
      this.output.warn(`heuristics: could not report ${where}: ${errorText(error)}`);
    }
  }

  private readonly said = new Set<string>();

  private once(message: string): void {
    if (!this.said.has(message)) {
      this.said.add(message);
      this.output.warn(message);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
