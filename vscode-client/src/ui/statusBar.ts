// Counts for the current file and the workspace; a click opens the review queue.
import * as vscode from 'vscode';
import { count, statusText } from '../common/queue';
import { QueueStore } from '../store';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: QueueStore) {
    this.item = vscode.window.createStatusBarItem('foureyes.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Four Eyes';
    this.item.command = 'foureyes.showQueue';
    this.disposables.push(
      store.onDidChange(() => this.render()),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    );
    this.render();
  }

  private down = false;

  render(): void {
    if (this.down) {
      this.item.text = '$(eye-closed) Four Eyes';
      this.item.tooltip = 'Four Eyes: the language server is not running (click for the output)';
      this.item.command = 'foureyes.showOutput';
      this.item.show();
      return;
    }
    this.item.command = 'foureyes.showQueue';
    if (!this.store.loaded) {
      this.item.text = '$(eye) …';
      this.item.tooltip = 'Four Eyes: waiting for the language server';
      this.item.show();
      return;
    }
    const document = vscode.window.activeTextEditor?.document;
    const file =
      document && document.uri.scheme === 'file' ? count(this.store.regionsOf(document.uri)) : undefined;
    const { text, tooltip } = statusText(count(this.store.regions), file);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.show();
  }

  stopped(): void {
    this.down = true;
    this.render();
  }

  started(): void {
    this.down = false;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
