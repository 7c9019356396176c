import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { lockPath, readTree, recover, withLock } from '../lib/output/writer';
import { copyTree, RELEASE_DIR, ROOT, tempDir } from './helpers';

/**
 * Fault injection against the built command (`.build/main.js`, built by `npm test` before jest): SIGKILL at
 * every step of a run (`NX_FAULT=kill@<step>`, the steps listed by `NX_FAULT_TRACE`), concurrent runs, a held
 * and a stale lock, ENOSPC and EACCES injected. Each case asserts the exit status, the single error line, and
 * that dist/ and the release files are byte for byte the state before the run or the state after it.
 */
jest.setTimeout(120_000);

const BUNDLE = path.join(ROOT, '.build', 'main.js');
const SHA = 'a'.repeat(64);

interface Box {
  readonly dir: string;
  readonly out: string;
  readonly releases: string;
}

/** dist/staging, dist/ci and the release files of the repository, copied. */
function box(): Box {
  const dir = tempDir();
  const out = path.join(dir, 'dist');
  fs.mkdirSync(out);
  for (const folder of ['staging', 'ci']) copyTree(path.join(ROOT, 'dist', folder), path.join(out, folder));
  const releases = path.join(dir, 'releases');
  copyTree(RELEASE_DIR, releases);
  return { dir, out, releases };
}

/** Everything a run may change, and every leftover it might leave: the box's whole tree. */
function state(b: Box): Map<string, string> {
  return readTree(b.dir);
}

function args(b: Box, tag: string): string[] {
  return [BUNDLE, '--env', 'staging', '--tag', tag, '--save', '--out', b.out, '--release-dir', b.releases];
}

function run(b: Box, tag: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args(b, tag), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderrLines: r.stderr.trim() === '' ? [] : r.stderr.trim().split('\n') };
}

/** `run`, without blocking the test process: several killed runs go at once. */
function runAsync(b: Box, tag: string, env: Record<string, string>): Promise<{ signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args(b, tag), { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (_, signal) => resolve({ signal }));
  });
}

/** Maps `items` through `f` with at most `limit` at once, keeping the order. */
async function pool<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await f(items[i]);
      }
    }),
  );
  return results;
}

/** What the next run does first: take the lock (breaking the killed run's), finish or undo the swap, sweep. */
function recoverBox(b: Box): void {
  withLock(b.out, () => recover(b.out, [b.releases]));
}

const TAG = `v2.0@sha256:${SHA}`;
let before: Map<string, string>;
let after: Map<string, string>;
let steps: string[];

beforeAll(() => {
  const b = box();
  before = state(b);
  const trace = path.join(tempDir(), 'trace');
  const r = run(b, TAG, { NX_FAULT_TRACE: trace });
  expect(r.status).toBe(0);
  after = state(b);
  steps = fs.readFileSync(trace, 'utf8').trim().split('\n');
});

describe('a run killed at any step', () => {
  test('the steps include every rename of the swap and the release file, and the run changes both', () => {
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps).toEqual(expect.arrayContaining(['locked:dist', 'locked:releases', 'scratch', 'journal', 'rename:staging:aside', 'rename:staging:in', 'rename:ci:aside', 'rename:ci:in', 'rename:staging.yaml', 'commit', 'cleanup']));
    expect(after.get('releases/staging.yaml')).toContain(`tag: "${TAG}"`);
    expect(after).not.toEqual(before);
    expect([...after.keys()].filter((f) => f.startsWith('dist/staging/'))).not.toEqual([]);
  });

  test('leaves every folder and the release file old or new, and the next run recovers to exactly one state', async () => {
    // The killed runs go two at a time, each in its own box (a run is mostly its synth); each box's state is
    // read right after its kill, then every step is checked in order. Every step is named once (the two locks
    // of a --save run are `locked:dist` and `locked:releases`); a name the trace repeated would be one fault
    // standing for both lines, as `kill@<name>` stops at its first pass.
    const distinct = [...new Set(steps)];
    const runs = await pool(distinct, 2, async (step) => {
      const b = box();
      const r = await runAsync(b, TAG, { NX_FAULT: `kill@${step}` });
      return { b, r, now: state(b) };
    });
    const killed = steps.map((step) => runs[distinct.indexOf(step)]);
    for (const [index, step] of steps.entries()) {
      const { b, r, now } = killed[index];
      expect({ step, signal: r.signal }).toEqual({ step, signal: 'SIGKILL' });
      // Right after the kill: every environment folder present is whole (old or new), never a mix.
      for (const folder of ['dist/staging/', 'dist/ci/']) {
        const pick = (tree: Map<string, string>) => [...tree].filter(([f]) => f.startsWith(folder));
        const current = JSON.stringify(pick(now));
        const absent = current === '[]';
        // Absent only between the two renames of a swap, with the journal there to finish it.
        if (absent) expect({ step, journal: fs.existsSync(path.join(b.dir, '.dist.journal')) }).toEqual({ step, journal: true });
        else expect({ step, folder, whole: [JSON.stringify(pick(before)), JSON.stringify(pick(after))].includes(current) }).toEqual({ step, folder, whole: true });
      }
      recoverBox(b);
      const recovered = state(b);
      // The journal is written once every new file is on disk: from then on the swap is finished, before it undone.
      const expected = steps.indexOf(step) > steps.indexOf('journal') ? after : before;
      expect({ step, same: recovered.size === expected.size && [...expected].every(([f, c]) => recovered.get(f) === c) }).toEqual({ step, same: true });
    }
  });
});

describe('SIGTERM and SIGINT', () => {
  test.each([
    ['SIGTERM', 'term@write:staging', 'before'],
    ['SIGINT', 'int@rename:staging:in', 'after'],
  ])('%s (%s) ends the run at once; the next run leaves exactly the %s-state and no leftover', (signal, fault, which) => {
    const b = box();
    const r = run(b, TAG, { NX_FAULT: fault });
    expect(r.signal).toBe(signal);
    recoverBox(b);
    expect(state(b)).toEqual(which === 'before' ? before : after);
  });
});

describe('failures inside a run leave everything as it was', () => {
  const cases: [string, string][] = [
    ['disk full while writing the new folder', 'enospc@write:staging'],
    ['disk full while writing the release file', 'enospc@file:staging.yaml'],
    ['release folder not writable', 'eacces@file:staging.yaml'],
    ['disk full in the middle of the swap', 'enospc@rename:ci:in'],
    ['disk full on the release file rename', 'enospc@rename:staging.yaml'],
  ];
  test.each(cases)('%s: exit 1, one line, no change, no leftover', (_, fault) => {
    const b = box();
    const r = run(b, TAG, { NX_FAULT: fault });
    expect(r.status).toBe(1);
    expect(r.stderrLines).toEqual([expect.stringMatching(/^error: E(NOSPC|ACCES): /)]);
    expect(state(b)).toEqual(before);
  });

  (process.getuid?.() === 0 ? test.skip : test)('a release folder that is really read-only (skipped as root, who may write anyway)', () => {
    const b = box();
    fs.chmodSync(b.releases, 0o555);
    try {
      const r = run(b, TAG);
      expect(r.status).toBe(1);
      expect(r.stderrLines).toHaveLength(1);
      expect(state(b)).toEqual(before);
    } finally {
      fs.chmodSync(b.releases, 0o755);
    }
  });
});

describe('one writer at a time', () => {
  test('three runs at once with different tags: all succeed, the result is exactly one run’s dist and release file', async () => {
    const tags = ['c0ffee1', 'c0ffee2', 'c0ffee3'];
    const expected = tags.map((tag) => {
      const b = box();
      expect(run(b, tag).status).toBe(0);
      return state(b);
    });
    const b = box();
    const codes = await Promise.all(
      tags.map(
        (tag) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, args(b, tag), { cwd: ROOT, stdio: 'ignore' });
            child.on('exit', (code) => resolve(code));
          }),
      ),
    );
    expect({ codes, leftovers: fs.readdirSync(b.dir).filter((f) => f.startsWith('.')) }).toEqual({ codes: [0, 0, 0], leftovers: [] });
    const final = JSON.stringify([...state(b)]);
    expect(expected.map((e) => JSON.stringify([...e])).filter((e) => e === final)).toHaveLength(1);
  });

  test('a lock held by a live process makes the run wait, then fail with one line and no change', () => {
    const b = box();
    const holder = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(lockPath(b.out), JSON.stringify({ pid: holder.pid, start: null }));
      const r = run(b, TAG, { NX_LOCK_TIMEOUT: '1' });
      expect(r.status).toBe(1);
      expect(r.stderrLines[0]).toMatch(/^waiting: another synth \(process \d+\) is writing/);
      expect(r.stderrLines[1]).toMatch(/^error: .*\.dist\.lock is held by process \d+/);
      expect(r.stderrLines).toHaveLength(2);
      fs.rmSync(lockPath(b.out));
      expect(state(b)).toEqual(before);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('a stale lock (its process is gone, or its pid now belongs to a process started later) is broken', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    for (const owner of [{ pid: Number(gone.stdout), start: '1' }, { pid: process.pid, start: 'not-its-start-time' }]) {
      const b = box();
      fs.writeFileSync(lockPath(b.out), JSON.stringify(owner));
      const r = run(b, TAG);
      expect(r.status).toBe(0);
      expect(state(b)).toEqual(after);
    }
  });
});
