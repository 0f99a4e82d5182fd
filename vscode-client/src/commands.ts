// The commands people run (palette, editor menu, tree items) and the prompts that go
// with them. Every change goes to the server through workspace/executeCommand; the
// server writes the ledger and says what happened (window/showMessage).
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { QueueRegion, splitReviewers } from './common/queue';
import { errorText, ServerManager } from './common/server';
import { configuredReviewers, promptOnRequestReview } from './common/settings';
import { QueueStore } from './store';

export const SERVER = {
  requestReview: 'foureyes.requestReview',
  approve: 'foureyes.approve',
  requestChanges: 'foureyes.requestChanges',
  markHuman: 'foureyes.markHuman',
  markAi: 'foureyes.markAi',
  requestReviewForFile: 'foureyes.requestReviewForFile',
} as const;

const LAST_AGENT_KEY = 'foureyes.lastAgent';

interface Target {
  document: vscode.TextDocument;
  line: number; // 1-based
  region?: QueueRegion;
}

function isRegion(value: unknown): value is QueueRegion {
  return typeof value === 'object' && value !== null && 'uri' in value && 'startLine' in value;
}

/** A tree node ({region}), a region, {uri, line}, or nothing (the active editor's cursor). */
async function targetOf(argument: unknown, store: QueueStore): Promise<Target | undefined> {
  let region: QueueRegion | undefined;
  if (typeof argument === 'object' && argument !== null && 'region' in argument) {
    region = (argument as { region: QueueRegion }).region;
  } else if (isRegion(argument)) {
    region = argument;
  }
  if (region) {
    // The server answers for open documents only: open it (without showing it).
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(region.uri));
    return { document, line: region.startLine, region };
  }
  if (typeof argument === 'object' && argument !== null && 'uri' in argument && 'line' in argument) {
    const { uri, line } = argument as { uri: unknown; line: unknown };
    if (typeof uri === 'string' && typeof line === 'number') {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      return { document, line, region: store.regionAt(document.uri, line) };
    }
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('Four Eyes: open a file and put the cursor in an AI-written region first.');
    return undefined;
  }
  const line = editor.selection.active.line + 1;
  return { document: editor.document, line, region: store.regionAt(editor.document.uri, line) };
}

/** undefined when the person pressed Escape. */
export async function askNote(title: string, prompt: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt,
    placeHolder: 'Optional: press Enter to skip, Escape to cancel',
    ignoreFocusOut: true,
  });
}

/** Reviewers to ask: a pick of suggestions, or free text when there are none. undefined: cancelled. */
export async function askReviewers(suggested: readonly string[]): Promise<string[] | undefined> {
  const unique = [...new Set(suggested.filter((s) => s.trim() !== ''))];
  if (unique.length === 0) {
    const typed = await vscode.window.showInputBox({
      title: 'Request senior review: reviewers',
      prompt: 'Who should review? Git emails or handles, separated by commas.',
      placeHolder: 'Optional: press Enter for any senior reviewer',
      ignoreFocusOut: true,
    });
    return typed === undefined ? undefined : splitReviewers(typed);
  }
  const someoneElse = { label: '$(person-add) Someone else…', alwaysShow: true };
  const picked = await vscode.window.showQuickPick(
    [...unique.map((label) => ({ label })), someoneElse],
    {
      title: 'Request senior review: reviewers',
      placeHolder: 'Pick reviewers (none: any senior reviewer)',
      canPickMany: true,
      ignoreFocusOut: true,
    },
  );
  if (picked === undefined) {
    return undefined;
  }
  const names = picked.filter((p) => p !== someoneElse).map((p) => p.label);
  if (picked.includes(someoneElse)) {
    const more = await askReviewers([]);
    if (more === undefined) {
      return undefined;
    }
    names.push(...more);
  }
  return [...new Set(names)];
}

function suggestionsFor(region: QueueRegion | undefined): string[] {
  return [...(region?.suggestedReviewers ?? []), ...(region?.reviewersRequested ?? []), ...configuredReviewers()];
}

/** The note and reviewers for a review request; undefined when cancelled. */
async function reviewRequestDetails(region: QueueRegion | undefined): Promise<{ note: string; reviewers: string[] } | undefined> {
  const where = region ? ` of ${region.path}:${region.startLine}-${region.endLine}` : '';
  const note = await askNote(`Request senior review${where}`, 'A note for the reviewer (what to look at, what you are unsure of).');
  if (note === undefined) {
    return undefined;
  }
  const reviewers = await askReviewers(suggestionsFor(region));
  return reviewers === undefined ? undefined : { note, reviewers };
}

async function changesNote(region: QueueRegion | undefined): Promise<string | undefined> {
  const where = region ? ` to ${region.path}:${region.startLine}-${region.endLine}` : '';
  return askNote(`Request changes${where}`, 'What should change?');
}

export class Commands {
  constructor(
    private readonly server: ServerManager,
    private readonly store: QueueStore,
    private readonly state: vscode.Memento,
  ) {}

  register(): vscode.Disposable[] {
    const register = (id: string, run: (argument?: unknown) => Promise<unknown>): vscode.Disposable =>
      vscode.commands.registerCommand(id, async (argument?: unknown) => {
        try {
          await run(argument);
        } catch (error) {
          void vscode.window.showErrorMessage(`Four Eyes: ${errorText(error)}`);
        }
      });
    return [
      register('foureyes.requestReviewUi', (a) => this.requestReview(a)),
      register('foureyes.approveUi', (a) => this.simple(SERVER.approve, a)),
      register('foureyes.requestChangesUi', (a) => this.requestChanges(a)),
      register('foureyes.markHumanUi', (a) => this.simple(SERVER.markHuman, a)),
      register('foureyes.markAiUi', () => this.markAi()),
    ];
  }

  private async run(command: string, argument: Record<string, unknown>): Promise<void> {
    let result = await this.server.execute(command, argument);
    if (!result.ok && /open document/.test(result.message)) {
      // A document opened a moment ago may not have reached the server yet.
      await new Promise((resolve) => setTimeout(resolve, 500));
      result = await this.server.execute(command, argument);
    }
    await this.store.refresh();
  }

  private async requestReview(argument: unknown): Promise<void> {
    const target = await targetOf(argument, this.store);
    if (!target) {
      return;
    }
    const payload: Record<string, unknown> = { uri: target.document.uri.toString(), line: target.line };
    if (promptOnRequestReview()) {
      const details = await reviewRequestDetails(target.region);
      if (!details) {
        return;
      }
      Object.assign(payload, details);
    }
    await this.run(SERVER.requestReview, payload);
  }

  private async requestChanges(argument: unknown): Promise<void> {
    const target = await targetOf(argument, this.store);
    if (!target) {
      return;
    }
    const note = await changesNote(target.region);
    if (note === undefined) {
      return;
    }
    await this.run(SERVER.requestChanges, { uri: target.document.uri.toString(), line: target.line, note });
  }

  private async simple(command: string, argument: unknown): Promise<void> {
    const target = await targetOf(argument, this.store);
    if (target) {
      await this.run(command, { uri: target.document.uri.toString(), line: target.line });
    }
  }

  private async markAi(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage('Four Eyes: select the AI-written lines in an editor first.');
      return;
    }
    const { start, end } = selectedLines(editor.selection);
    const agent = await vscode.window.showInputBox({
      title: `Mark lines ${start}-${end} as AI-written`,
      prompt: 'Which agent wrote them? (e.g. claude-code, copilot, cursor)',
      value: this.state.get<string>(LAST_AGENT_KEY, ''),
      ignoreFocusOut: true,
    });
    if (agent === undefined) {
      return;
    }
    const payload: Record<string, unknown> = { uri: editor.document.uri.toString(), start, end };
    if (agent.trim() !== '') {
      payload.agent = agent.trim();
      await this.state.update(LAST_AGENT_KEY, agent.trim());
    }
    await this.run(SERVER.markAi, payload);
  }

  /**
   * Code actions and code lenses run the server's commands directly; this asks for
   * the note and reviewers on the way when their argument has none.
   */
  middleware(): Middleware {
    return {
      executeCommand: async (command, args, next) => {
        const first: unknown = args[0];
        if (
          promptOnRequestReview() &&
          (command === SERVER.requestReview || command === SERVER.requestChanges) &&
          typeof first === 'object' &&
          first !== null &&
          !('note' in first)
        ) {
          const { uri, line } = first as { uri?: unknown; line?: unknown };
          const region =
            typeof uri === 'string' && typeof line === 'number'
              ? this.store.regionAt(vscode.Uri.parse(uri), line)
              : undefined;
          if (command === SERVER.requestReview) {
            const details = await reviewRequestDetails(region);
            if (!details) {
              return undefined;
            }
            args = [{ ...first, ...details }, ...args.slice(1)];
          } else {
            const note = await changesNote(region);
            if (note === undefined) {
              return undefined;
            }
            args = [{ ...first, note }, ...args.slice(1)];
          }
        }
        try {
          return await next(command, args);
        } finally {
          if (command.startsWith('foureyes.')) {
            this.store.schedule(0);
          }
        }
      },
    };
  }
}

/** 1-based lines of a selection; a selection ending at column 0 leaves that line out. */
export function selectedLines(selection: vscode.Selection): { start: number; end: number } {
  const start = selection.start.line + 1;
  let end = selection.end.line + 1;
  if (end > start && selection.end.character === 0) {
    end -= 1;
  }
  return { start, end };
}
