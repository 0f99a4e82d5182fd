// Gutter marks on AI-written lines, one look per review state, with a toggle whose
// state is remembered across sessions (globalState).
import * as vscode from 'vscode';
import { ReviewState, spansByState, STATES, uriKey } from '../common/queue';
import { QueueStore } from '../store';

const VISIBLE_KEY = 'foureyes.gutterVisible';
const RULER: Record<ReviewState, string> = {
  unreviewed: 'rgba(232, 163, 61, 0.8)',
  'review-requested': 'rgba(55, 148, 255, 0.8)',
  'partially-approved': 'rgba(177, 128, 215, 0.8)',
  'changes-requested': 'rgba(229, 83, 75, 0.8)',
  approved: 'rgba(75, 170, 100, 0.6)',
};

export class Gutter implements vscode.Disposable {
  private readonly types: Record<ReviewState, vscode.TextEditorDecorationType>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: QueueStore,
  ) {
    const make = (state: ReviewState): vscode.TextEditorDecorationType =>
      vscode.window.createTextEditorDecorationType({
        gutterIconPath: context.asAbsolutePath(`media/gutter-${state}.svg`),
        gutterIconSize: 'contain',
        overviewRulerColor: RULER[state],
        overviewRulerLane: vscode.OverviewRulerLane.Left,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
    this.types = {
      unreviewed: make('unreviewed'),
      'review-requested': make('review-requested'),
      'partially-approved': make('partially-approved'),
      'changes-requested': make('changes-requested'),
      approved: make('approved'),
    };
    this.disposables.push(
      store.onDidChange(() => this.render()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
    );
    void vscode.commands.executeCommand('setContext', VISIBLE_KEY, this.visible);
  }

  get visible(): boolean {
    return this.context.globalState.get<boolean>(VISIBLE_KEY, true);
  }

  async toggle(): Promise<void> {
    await this.context.globalState.update(VISIBLE_KEY, !this.visible);
    await vscode.commands.executeCommand('setContext', VISIBLE_KEY, this.visible);
    this.render();
    void vscode.window.setStatusBarMessage(
      `Four Eyes: AI gutter marks ${this.visible ? 'shown' : 'hidden'}`,
      3000,
    );
  }

  render(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const key = uriKey(editor.document.uri.toString());
      const spans = this.visible
        ? spansByState(this.store.regions, (uri) => uriKey(uri) === key)
        : undefined;
      for (const state of STATES) {
        const ranges = (spans?.[state] ?? []).map(
          (span) => new vscode.Range(span.start, 0, Math.min(span.end, editor.document.lineCount - 1), 0),
        );
        editor.setDecorations(this.types[state], ranges);
      }
    }
  }

  dispose(): void {
    for (const type of Object.values(this.types)) {
      type.dispose();
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
