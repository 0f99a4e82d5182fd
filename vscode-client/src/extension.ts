// Wiring: the server, the queue store and the views that show it, the commands.
import * as vscode from 'vscode';
import { RESTART_SETTINGS } from './common/launch';
import { onInterpreterChange } from './common/python';
import { ServerManager } from './common/server';
import { Commands } from './commands';
import { HeuristicWatcher } from './heuristicWatcher';
import { QueueStore } from './store';
import { Gutter } from './ui/gutter';
import { openRegion, QueueTree } from './ui/queueView';
import { StatusBar } from './ui/statusBar';
import type { QueueRegion } from './common/queue';

let server: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Four Eyes', { log: true });
  context.subscriptions.push(output);

  // The server's middleware (prompting for code actions) lives in Commands, which needs
  // the server: bind it late.
  let commands: Commands | undefined;
  server = new ServerManager(output, {
    executeCommand: (command, args, next) =>
      commands ? commands.middleware().executeCommand!(command, args, next) : next(command, args),
  });
  const store = new QueueStore(server, output);
  commands = new Commands(server, store, context.globalState);
  const gutter = new Gutter(context, store);
  const status = new StatusBar(store);
  const tree = new QueueTree(store);
  const view = vscode.window.createTreeView('foureyes.queue', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(server, store, gutter, status, view, new HeuristicWatcher(server, output));
  context.subscriptions.push(...commands.register());

  context.subscriptions.push(
    vscode.commands.registerCommand('foureyes.refresh', () => store.refresh()),
    vscode.commands.registerCommand('foureyes.toggleGutter', () => gutter.toggle()),
    vscode.commands.registerCommand('foureyes.showQueue', () => vscode.commands.executeCommand('foureyes.queue.focus')),
    vscode.commands.registerCommand('foureyes.showOutput', () => output.show()),
    vscode.commands.registerCommand('foureyes.restartServer', () => server?.restart()),
    vscode.commands.registerCommand('foureyes.openRegion', (region: QueueRegion) => openRegion(region)),
    server.onDidStart(() => {
      status.started();
      void store.refresh();
    }),
    server.onDidStop(() => {
      // Nothing shown while the server is down is known to be current.
      status.stopped();
      store.clear();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        output.info('server settings changed: restarting the server');
        void server?.restart();
      }
    }),
    // Anything that may change the queue: diagnostics from us, saves, edits of files
    // with AI regions (their lines move), the window regaining focus (the CLI or an
    // agent hook may have written the ledger meanwhile).
    vscode.languages.onDidChangeDiagnostics((event) => {
      const ours = event.uris.some(
        (uri) =>
          store.hasRegions(uri) || vscode.languages.getDiagnostics(uri).some((d) => d.source === 'foureyes'),
      );
      if (ours) {
        store.schedule();
      }
    }),
    vscode.workspace.onDidSaveTextDocument(() => store.schedule()),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length > 0 && store.hasRegions(event.document.uri)) {
        store.schedule(800);
      }
    }),
    vscode.window.onDidChangeWindowState((state) => {
      if (state.focused) {
        store.schedule();
      }
    }),
  );
  const interpreterWatch = await onInterpreterChange(() => {
    if (server?.launch?.source === 'python-extension' || !server?.running) {
      output.info('the Python interpreter changed: restarting the server');
      void server?.restart();
    }
  });
  if (interpreterWatch) {
    context.subscriptions.push(interpreterWatch);
  }
  // Not awaited: activation must not wait for interpreter probes and the server's start.
  void server.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
