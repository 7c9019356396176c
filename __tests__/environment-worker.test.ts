import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ManifestError } from '../lib/checks/validate';
import { readTree } from '../lib/output/writer';
import { InputError } from '../lib/platform/errors';
import { fromWire, toWire } from '../lib/synth/environment-worker';
import { RELEASE_DIR, ROOT, tempDir } from './helpers';

/**
 * The environment worker (lib/synth/environment-worker.ts, started by the loader .build/main.js): with the
 * worker forced on and forced off, a full run writes the same bytes and prints the same lines; the worker
 * really runs (each thread of a `--cpu-prof` run writes its own profile); an error crosses the thread
 * boundary as the same error; a bad NX_SYNTH_WORKER is refused like any input.
 */
jest.setTimeout(60_000);

const BUNDLE = path.join(ROOT, '.build', 'main.js');

function run(worker: string, extraNode: string[] = [], extraEnv: Record<string, string> = {}) {
  const dir = tempDir();
  const out = path.join(dir, 'dist');
  const r = spawnSync(process.execPath, [...extraNode, BUNDLE, '--out', out, '--release-dir', RELEASE_DIR], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NX_SYNTH_WORKER: worker, ...extraEnv },
  });
  return { dir, out, status: r.status, stdout: r.stdout.replaceAll(dir, '<dir>'), stderr: r.stderr };
}

test('a run with the worker writes and prints exactly what a run without it does', () => {
  const on = run('1');
  const off = run('0');
  expect(on.stderr).toBe('');
  expect(on.status).toBe(0);
  expect(off.status).toBe(0);
  expect(on.stdout).toBe(off.stdout);
  expect(on.stdout).toMatch(/^staging: \d+ objects .*\nproduction: \d+ objects /);
  const treeOn = readTree(on.out);
  const treeOff = readTree(off.out);
  expect([...treeOn.keys()]).toEqual([...treeOff.keys()]);
  for (const [file, content] of treeOn) expect({ file, content }).toEqual({ file, content: treeOff.get(file) });
});

test('with NX_SYNTH_WORKER=1 both threads synthesize an environment (their CPU profiles say so), with 0 one thread does all', () => {
  /** For each thread's profile of a `--cpu-prof` run: whether synthesizeEnvironment was on its stack. */
  const synthesizingThreads = (worker: string): boolean[] => {
    const profileDir = path.join(tempDir(), 'profiles');
    const r = run(worker, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
    expect(r.status).toBe(0);
    return fs
      .readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => {
        const profile = JSON.parse(fs.readFileSync(path.join(profileDir, f), 'utf8')) as { nodes: { callFrame: { functionName: string } }[] };
        return profile.nodes.some((n) => n.callFrame.functionName === 'synthesizeEnvironment');
      });
  };
  expect(synthesizingThreads('1')).toEqual([true, true]);
  expect(synthesizingThreads('0')).toEqual([true]);
});

test('a worker that dies without replying: the main thread synthesizes its environment itself, same bytes', () => {
  const trace = path.join(tempDir(), 'trace');
  const crashed = run('1', [], { NX_FAULT: 'eacces@worker', NX_FAULT_TRACE: trace });
  const off = run('0');
  // The worker got its job and failed there (the other points are the main thread's lock and writer).
  expect(fs.readFileSync(trace, 'utf8').split('\n')).toContain('worker');
  expect(crashed.stderr).toBe('');
  expect(crashed.status).toBe(0);
  expect(crashed.stdout).toBe(off.stdout);
  expect(readTree(crashed.out)).toEqual(readTree(off.out));
});

test('an error of the worker is thrown on the main thread as the same error', () => {
  const manifest = new ManifestError('Deployment nx-backend/x (backend/deployment-x.yaml): spec.replicas', 'two', 'must be integer', ['line one', 'line two']);
  const back = fromWire(structuredClone(toWire(manifest)));
  expect(back).toBeInstanceOf(ManifestError);
  expect(back.message).toBe(manifest.message);
  expect((back as ManifestError).problems).toEqual(['line one', 'line two']);

  const input = new InputError('release file production.yaml', { tag: 1 }, 'allowed: a tag');
  const inputBack = fromWire(structuredClone(toWire(input)));
  expect(inputBack).toBeInstanceOf(InputError);
  expect(inputBack).not.toBeInstanceOf(ManifestError);
  expect(inputBack.message).toBe(input.message);

  const other = fromWire(structuredClone(toWire(new Error('disk on fire\nsecond line'))));
  expect(other).not.toBeInstanceOf(InputError);
  expect(other.message).toBe('disk on fire\nsecond line');
});

test('a bad NX_SYNTH_WORKER stops the run with one line, exit 2, nothing written', () => {
  const r = run('yes');
  expect(r.status).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: NX_SYNTH_WORKER: "yes" is not valid; allowed: '1' .* '0' /)]);
  expect(fs.existsSync(r.out)).toBe(false);
});
