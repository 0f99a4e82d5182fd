// The latest review queue from the server, fetched again (coalesced) whenever
// something may have changed it: diagnostics, saves, edits, our own commands, focus.
import * as vscode from 'vscode';
import { parseQueue, QueueRegion, uriKey } from './common/queue';
import { errorText, QUEUE_REQUEST, ServerManager } from './common/server';

const DEBOUNCE_MS = 300;

export class QueueStore implements vscode.Disposable {
  regions: QueueRegion[] = [];
  /** False until the first answer arrives, so views can say "loading" rather than "empty". */
  loaded = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly server: ServerManager,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Ask for a refresh soon; bursts of calls make one request. */
  schedule(delay = DEBOUNCE_MS): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delay);
  }

  async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.fetch().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  private async fetch(): Promise<void> {
    if (!this.server.running) {
      return;
    }
    try {
      const raw = await this.server.request<unknown>(QUEUE_REQUEST, {});
      const parsed = parseQueue(raw);
      for (const problem of parsed.problems) {
        this.output.warn(`review queue: ${problem}`);
      }
      this.regions = parsed.regions;
      this.loaded = true;
      this.changed.fire();
    } catch (error) {
      this.output.warn(`review queue: ${errorText(error)}`);
    }
  }

  clear(): void {
    this.regions = [];
    this.loaded = false;
    this.changed.fire();
  }

  /** Regions of one document. */
  regionsOf(uri: vscode.Uri): QueueRegion[] {
    const key = uriKey(uri.toString());
    return this.regions.filter((r) => uriKey(r.uri) === key);
  }

  regionAt(uri: vscode.Uri, line: number): QueueRegion | undefined {
    return this.regionsOf(uri).find((r) => r.startLine <= line && line <= r.endLine);
  }

  hasRegions(uri: vscode.Uri): boolean {
    return this.regionsOf(uri).length > 0;
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.changed.dispose();
  }
}
