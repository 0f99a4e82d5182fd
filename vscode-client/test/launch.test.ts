import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseLaunch, noServerMessage, Probes, substitute } from '../src/common/launch';

function probes(options: {
  importable?: string[];
  python?: string[] | string;
  onPath?: string;
}): Probes & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async canImport(python) {
      asked.push(python.join(' '));
      return options.importable?.includes(python.join(' ')) ? undefined : 'foureyes is not installed in it';
    },
    async which(name) {
      asked.push(`which ${name}`);
      return options.onPath;
    },
    async pythonExtension() {
      return Array.isArray(options.python)
        ? { python: options.python }
        : { missing: options.python ?? 'not installed' };
    },
  };
}

describe('chooseLaunch', () => {
  it('takes foureyes.serverCommand as it is, without probing', async () => {
    const p = probes({});
    const choice = await chooseLaunch({ serverCommand: ['/opt/fe', 'serve', '--x'], interpreter: ['/py'] }, p);
    assert.deepEqual(choice.launch, { command: '/opt/fe', args: ['serve', '--x'], source: 'serverCommand' });
    assert.deepEqual(p.asked, []);
  });

  it('runs the module with foureyes.interpreter when it can import foureyes', async () => {
    const choice = await chooseLaunch(
      { serverCommand: [], interpreter: ['conda', 'run', 'python'] },
      probes({ importable: ['conda run python'] }),
    );
    assert.deepEqual(choice.launch, {
      command: 'conda',
      args: ['run', 'python', '-m', 'foureyes.cli.main', 'serve'],
      source: 'interpreter',
    });
  });

  it('falls back to the Python extension, then PATH, saying what did not work', async () => {
    const viaExtension = await chooseLaunch(
      { serverCommand: [], interpreter: ['/bad/python'] },
      probes({ python: ['/venv/bin/python'], importable: ['/venv/bin/python'] }),
    );
    assert.equal(viaExtension.launch?.source, 'python-extension');
    assert.deepEqual(viaExtension.tried, ['foureyes.interpreter (/bad/python): foureyes is not installed in it']);

    const viaPath = await chooseLaunch(
      { serverCommand: [''], interpreter: [] },
      probes({ python: ['/usr/bin/python3'], onPath: '/home/u/.local/bin/foureyes' }),
    );
    assert.deepEqual(viaPath.launch, { command: '/home/u/.local/bin/foureyes', args: ['serve'], source: 'path' });
    assert.equal(viaPath.tried.length, 1);
  });

  it('reports every attempt and the fix when nothing works', async () => {
    const choice = await chooseLaunch({ serverCommand: [], interpreter: [] }, probes({}));
    assert.equal(choice.launch, undefined);
    assert.deepEqual(choice.tried, ['the Python extension: not installed', '`foureyes` is not on PATH']);
    const message = noServerMessage(choice.tried);
    assert.match(message, /pip install \/path\/to\/foureyes-checkout/);
    assert.match(message, /foureyes\.interpreter/);
    assert.match(message, /not on PATH/);
  });
});

describe('substitute', () => {
  it('expands workspace, home and environment variables', () => {
    assert.deepEqual(
      substitute(['${workspaceFolder}/.venv/bin/python', '~/x', '${env:TOOLS}/fe', '${userHome}'], {
        workspaceFolder: '/repo',
        userHome: '/home/u',
        env: { TOOLS: '/opt' },
      }),
      ['/repo/.venv/bin/python', '/home/u/x', '/opt/fe', '/home/u'],
    );
    assert.deepEqual(substitute(['${workspaceFolder}/p'], { env: {} }), ['${workspaceFolder}/p']);
  });
});
