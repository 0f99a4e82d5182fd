// Starting, stopping and restarting the foureyes language server, and talking to it.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Middleware,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { chooseLaunch, Launch, noServerMessage } from './launch';
import { probes } from './python';
import { firstFolder, launchSettings, SECTION } from './settings';

export const CLIENT_ID = 'foureyes';
export const QUEUE_REQUEST = 'foureyes/reviewQueue';
export const SUMMARY_REQUEST = 'foureyes/summary';
const CRASH_WINDOW_MS = 3 * 60_000;
const MAX_RESTARTS = 4;
const WORKSPACE_PULL_MS = 15_000;
// How long to wait before looking for a server once more when nothing was found: after
// a window reload, code-server has been seen to activate the extension before the
// user's settings (foureyes.interpreter) reach it.
const SETTINGS_SETTLE_MS = 3_000;

export interface CommandResult {
  ok: boolean;
  message: string;
}

/**
 * The start-up failures the language client would announce in a notification of its
 * own ("couldn't create connection to server") are announced once by ServerManager,
 * with the fix; the client still logs them to the output channel.
 */
class QuietStartClient extends LanguageClient {
  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    const ours = /couldn't create connection to server|Restarting server failed|Server initialization failed/;
    super.error(message, data, ours.test(message) ? false : showNotification);
  }
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly started = new vscode.EventEmitter<void>();
  private readonly stopped = new vscode.EventEmitter<void>();
  /** Fires once the server is running (again), so views can fetch. */
  readonly onDidStart = this.started.event;
  readonly onDidStop = this.stopped.event;
  launch: Launch | undefined;
  private everRan = false;
  private crashes: number[] = [];

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly middleware: Middleware,
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** The commands the running server accepts through workspace/executeCommand. */
  serverCommands(): string[] {
    return this.client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  }

  async start(): Promise<void> {
    if (this.starting) {
      return this.starting;
    }
    this.starting = this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const folder = firstFolder();
    let choice = await chooseLaunch(launchSettings(), probes(folder?.uri));
    if (!choice.launch) {
      const seen = vscode.workspace.getConfiguration(SECTION, folder).inspect('interpreter');
      this.output.info(
        `no server found; foureyes.interpreter as seen now: ${JSON.stringify(seen ?? null)}; ` +
          `looking again in ${SETTINGS_SETTLE_MS / 1000} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, SETTINGS_SETTLE_MS));
      choice = await chooseLaunch(launchSettings(), probes(firstFolder()?.uri));
    }
    for (const line of choice.tried) {
      this.output.warn(`not used: ${line}`);
    }
    if (!choice.launch) {
      await this.fail(noServerMessage(choice.tried));
      return;
    }
    const launch = choice.launch;
    this.launch = launch;
    this.output.info(`starting the server (${launch.source}): ${[launch.command, ...launch.args].join(' ')}`);
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      // No `transport`: with TransportKind.stdio the client appends --stdio, which
      // `foureyes serve` (stdio by default) rejects.
      options: { cwd: folder?.uri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      synchronize: { configurationSection: SECTION },
      initializationOptions: { settings: vscode.workspace.getConfiguration(SECTION) },
      middleware: { ...this.middleware, provideWorkspaceDiagnostics: this.throttledWorkspacePull },
      // Our own notification says what failed and how to fix it; the client's
      // retries would only repeat the same failure.
      initializationFailedHandler: () => false,
      errorHandler: {
        error: (_error, _message, count) => ({
          action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: () => {
          if (!this.everRan) {
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          const now = Date.now();
          this.crashes = this.crashes.filter((t) => now - t < CRASH_WINDOW_MS);
          this.crashes.push(now);
          if (this.crashes.length <= MAX_RESTARTS) {
            this.output.warn('the server stopped unexpectedly: restarting it');
            return { action: CloseAction.Restart, handled: true };
          }
          void this.fail(
            `The Four Eyes language server stopped ${this.crashes.length} times in 3 minutes and will not be ` +
              'restarted. Fix: see the Four Eyes output for its log, then run "Four Eyes: Restart Language Server".',
          );
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    const client = new QuietStartClient(CLIENT_ID, 'Four Eyes', serverOptions, clientOptions);
    this.client = client;
    this.everRan = false;
    this.crashes = [];
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return; // a client we replaced
      }
      if (event.newState === State.Running) {
        // The first start and every restart after a crash.
        this.everRan = true;
        void vscode.commands.executeCommand('setContext', 'foureyes.running', true);
        this.started.fire();
      } else if (event.newState === State.Stopped) {
        void vscode.commands.executeCommand('setContext', 'foureyes.running', false);
        this.stopped.fire();
      }
    });
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      await this.fail(
        `Four Eyes could not start its language server with \`${[launch.command, ...launch.args].join(' ')}\` ` +
          `(${errorText(error)}). Fix: check "foureyes.${launch.source === 'path' ? 'interpreter' : launch.source}" ` +
          'or install foureyes (`pip install /path/to/foureyes-checkout`); the Four Eyes output has the server log.',
      );
      return;
    }
  }

  /** The one notification when the server cannot run; not awaited (it waits for a click). */
  private async fail(message: string): Promise<void> {
    this.output.error(message);
    await vscode.commands.executeCommand('setContext', 'foureyes.running', false);
    this.stopped.fire();
    void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Output').then(async (choice) => {
      if (choice === 'Open Settings') {
        await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:foureyes.foureyes');
      } else if (choice === 'Show Output') {
        this.output.show();
      }
    });
  }

  /**
   * The language client pulls workspace diagnostics again 2 s after each answer (it
   * expects servers to hold the request open until something changes); foureyes
   * answers at once, and each answer resolves every file the ledger knows. Let one pull
   * through every WORKSPACE_PULL_MS. Open documents are pulled on their own, unthrottled.
   */
  private lastWorkspacePull = 0;
  private readonly throttledWorkspacePull: NonNullable<Middleware['provideWorkspaceDiagnostics']> = async (
    resultIds,
    token,
    reporter,
    next,
  ) => {
    const wait = this.lastWorkspacePull + WORKSPACE_PULL_MS - Date.now();
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        token.onCancellationRequested(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (token.isCancellationRequested) {
      return { items: [] }; // an answer, not an error: errors would stop the client's pulls
    }
    this.lastWorkspacePull = Date.now();
    return next(resultIds, token, reporter);
  };

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.needsStop()) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`stopping the server: ${errorText(error)}`);
      }
    }
  }

  async restart(): Promise<void> {
    await this.starting;
    await this.stop();
    await this.start();
  }

  /** Start the server if it is not running (a command may be what activated us). */
  async ensureRunning(): Promise<void> {
    if (!this.running) {
      await this.start();
    }
  }

  /** Run one of the server's commands with its single object argument. */
  async execute(command: string, argument: Record<string, unknown>): Promise<CommandResult> {
    await this.ensureRunning();
    const client = this.requireClient();
    const result: unknown = await client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: [argument],
    });
    if (typeof result === 'object' && result !== null && 'ok' in result) {
      const { ok, message } = result as { ok: unknown; message: unknown };
      return { ok: ok === true, message: typeof message === 'string' ? message : '' };
    }
    return { ok: true, message: '' };
  }

  async request<T>(method: string, params: unknown): Promise<T> {
    return this.requireClient().sendRequest<T>(method, params);
  }

  private requireClient(): LanguageClient {
    if (!this.client || !this.running) {
      throw new Error('the Four Eyes language server is not running');
    }
    return this.client;
  }

  dispose(): void {
    void this.stop();
    this.started.dispose();
    this.stopped.dispose();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
