// The Python extension's active interpreter, when that extension is installed, and the
// probes that check an interpreter really has foureyes. (Layout after Microsoft's
// vscode-python-tools-extension-template: common/python.ts, common/server.ts.)
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Probes } from './launch';

const PYTHON_EXTENSION = 'ms-python.python';
const PROBE_TIMEOUT_MS = 20_000;

interface EnvironmentPath {
  id: string;
  path: string;
}
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(
      environment: EnvironmentPath | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  return extension.isActive ? extension.exports : await extension.activate();
}

/** The active interpreter as a command (e.g. ["/repo/.venv/bin/python"]), or why none. */
export async function activeInterpreter(
  resource: vscode.Uri | undefined,
): Promise<{ python: string[] } | { missing: string }> {
  let api: PythonApi | undefined;
  try {
    api = await pythonApi();
  } catch (error) {
    return { missing: `could not activate it (${String(error)})` };
  }
  if (!api) {
    return { missing: 'not installed' };
  }
  try {
    if (api.environments) {
      const active = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(active);
      const executable = resolved?.executable.uri?.fsPath;
      if (executable) {
        return { python: [executable] };
      }
    }
    const command = api.settings?.getExecutionDetails(resource).execCommand;
    if (command && command.length > 0) {
      return { python: command };
    }
  } catch (error) {
    return { missing: `could not ask it for the interpreter (${String(error)})` };
  }
  return { missing: 'no interpreter selected' };
}

/** Restart the server when the user picks another interpreter in the Python extension. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  try {
    const api = await pythonApi();
    return api?.environments?.onDidChangeActiveEnvironmentPath(() => listener());
  } catch {
    return undefined;
  }
}

function canImport(python: string[]): Promise<string | undefined> {
  const [command, ...rest] = python;
  return new Promise((resolve) => {
    execFile(
      command as string,
      [...rest, '-c', 'import foureyes.cli.main'],
      { timeout: PROBE_TIMEOUT_MS },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve(undefined);
          return;
        }
        const last = stderr.trim().split('\n').pop();
        resolve(
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'no such program'
            : last && last.includes('ModuleNotFoundError')
              ? 'foureyes is not installed in it'
              : last || error.message,
        );
      },
    );
  });
}

async function which(name: string): Promise<string | undefined> {
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const suffix of suffixes) {
      const candidate = path.join(dir, name + suffix);
      try {
        await fs.access(candidate, fsConstants.X_OK);
        const stat = await fs.stat(candidate);
        if (stat.isFile()) {
          return candidate;
        }
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function probes(resource: vscode.Uri | undefined): Probes {
  return { canImport, which, pythonExtension: () => activeInterpreter(resource) };
}
