// How to start the language server: the settings, then the Python extension's
// interpreter, then `foureyes` on PATH. Pure apart from the probes it is given, so the
// order and the messages are unit-tested without VS Code.

export type LaunchSource = 'serverCommand' | 'interpreter' | 'python-extension' | 'path';

export interface Launch {
  command: string;
  args: string[];
  source: LaunchSource;
}

export interface LaunchSettings {
  serverCommand: string[];
  interpreter: string[];
}

export interface Probes {
  /** undefined when `python -c "import foureyes.cli.main"` works, else why not. */
  canImport(python: string[]): Promise<string | undefined>;
  /** The full path of an executable on PATH, or undefined. */
  which(name: string): Promise<string | undefined>;
  /** The Python extension's active interpreter, or why there is none. */
  pythonExtension(): Promise<{ python: string[] } | { missing: string }>;
}

export interface LaunchChoice {
  launch?: Launch;
  /** One line per candidate that was tried and did not work, in order. */
  tried: string[];
}

export const SERVER_MODULE = ['-m', 'foureyes.cli.main', 'serve'];

function fromPython(python: string[], source: LaunchSource): Launch {
  const [command, ...rest] = python;
  return { command: command as string, args: [...rest, ...SERVER_MODULE], source };
}

export async function chooseLaunch(settings: LaunchSettings, probes: Probes): Promise<LaunchChoice> {
  const tried: string[] = [];
  const serverCommand = settings.serverCommand.filter((part) => part.trim() !== '');
  if (serverCommand.length > 0) {
    // Taken as it is: the user said exactly what to run.
    const [command, ...args] = serverCommand;
    return { launch: { command: command as string, args, source: 'serverCommand' }, tried };
  }
  const interpreter = settings.interpreter.filter((part) => part.trim() !== '');
  if (interpreter.length > 0) {
    const problem = await probes.canImport(interpreter);
    if (problem === undefined) {
      return { launch: fromPython(interpreter, 'interpreter'), tried };
    }
    tried.push(`foureyes.interpreter (${interpreter.join(' ')}): ${problem}`);
  }
  const python = await probes.pythonExtension();
  if ('python' in python) {
    const problem = await probes.canImport(python.python);
    if (problem === undefined) {
      return { launch: fromPython(python.python, 'python-extension'), tried };
    }
    tried.push(`the Python extension's interpreter (${python.python.join(' ')}): ${problem}`);
  } else {
    tried.push(`the Python extension: ${python.missing}`);
  }
  const onPath = await probes.which('foureyes');
  if (onPath !== undefined) {
    return { launch: { command: onPath, args: ['serve'], source: 'path' }, tried };
  }
  tried.push('`foureyes` is not on PATH');
  return { tried };
}

/** The one notification shown when no candidate works: what was tried and the fix. */
export function noServerMessage(tried: readonly string[]): string {
  return (
    'Four Eyes could not start its language server (' +
    tried.join('; ') +
    '). Fix: install foureyes (`pip install /path/to/foureyes-checkout`) into your project\'s Python, or set ' +
    '"foureyes.interpreter" to a Python that has it, or "foureyes.serverCommand" to the full command.'
  );
}

export interface Variables {
  workspaceFolder?: string;
  userHome?: string;
  env: Record<string, string | undefined>;
}

/** ${workspaceFolder}, ${userHome}, ${env:NAME} and a leading ~ in setting values. */
export function substitute(values: readonly string[], vars: Variables): string[] {
  return values.map((value) => {
    let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, env?: string) => {
      if (env !== undefined) {
        return vars.env[env] ?? '';
      }
      const found = name === 'workspaceFolder' ? vars.workspaceFolder : vars.userHome;
      return found ?? whole;
    });
    if (vars.userHome && (out === '~' || out.startsWith('~/'))) {
      out = vars.userHome + out.slice(1);
    }
    return out;
  });
}

/** Settings that need a new server process when they change. */
export const RESTART_SETTINGS = ['foureyes.serverCommand', 'foureyes.interpreter'];
