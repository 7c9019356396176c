import * as fs from 'fs';
import * as path from 'path';

/**
 * The up-to-date record of `npm run synth` (read by lib/tools/synth.js before it loads any module): written
 * by a successful run, under the output's lock, after its last rename. It says "a run with this key produced
 * exactly the files these stamps describe, and printed this": while every stamp still holds, the launcher
 * prints `stdout` and exits without synthesizing.
 *
 * A stamp is a file's or folder's size, mtime, ctime and inode (nanoseconds, from `stat`), or `absent`. The
 * ctime is what makes the check sound: the kernel sets it to the current time on every write, rename, link or
 * attribute change and offers no call to set it back, so an edit that keeps the size and restores the mtime
 * (`touch -d`, `cp -p`) still moves it. What it does not cover: a change of the system clock backwards between
 * two edits, and files under node_modules/ edited by hand without npm (npm rewrites
 * node_modules/.package-lock.json, which is stamped).
 *
 * The format is shared with `stampOf` in lib/tools/synth.js (plain JavaScript, so it cannot import this file);
 * __tests__/synth-launcher.test.ts holds the two together.
 */

/** What the launcher asks of the app: the record file, the key of this run, files to stamp besides the output. */
export interface UpToDateRequest {
  readonly record: string;
  readonly key: string;
  readonly files: readonly string[];
}

export interface UpToDateRecord {
  readonly version: 1;
  readonly key: string;
  readonly stdout: string;
  /** The output folder whose lock, journal and scratch folders must be absent for a skip. */
  readonly outDir: string;
  readonly stamps: Record<string, string>;
}

/** The request the launcher left for this process (lib/tools/synth.js), if it was started through it. */
export function upToDateRequest(): UpToDateRequest | undefined {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('bana.synth.upToDate')] as UpToDateRequest | undefined;
}

export function stampOf(file: string): string {
  try {
    const s = fs.lstatSync(file, { bigint: true });
    return `${s.isDirectory() ? 'd' : 'f'}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`;
  } catch {
    return 'absent';
  }
}

/** Stamps of `folder`, every folder and file below it (sorted), and each file of `files`. */
export function stampTree(folders: readonly string[], files: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    out.set(dir, stampOf(dir));
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(full, stampOf(full));
    }
  };
  for (const folder of folders) walk(path.resolve(folder));
  for (const file of files) out.set(path.resolve(file), stampOf(file));
  return out;
}

function sameStamps(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

function ctimeOf(stamp: string): bigint {
  return stamp === 'absent' ? 0n : BigInt(stamp.split(':')[3]);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Stamps that no later edit can repeat: waits until the file system's clock (the ctime of a probe file
 * written beside `probe`) is past every stamped ctime, so an edit from now on gets a newer ctime even on a
 * file system with coarse timestamps, then stamps again; undefined when anything moved meanwhile.
 */
export function settledStamps(folders: readonly string[], files: readonly string[], probe: string): Map<string, string> | undefined {
  const first = stampTree(folders, files);
  const newest = [...first.values()].reduce((max, s) => (ctimeOf(s) > max ? ctimeOf(s) : max), 0n);
  try {
    for (let i = 0; i < 200; i++) {
      fs.writeFileSync(probe, '');
      if (ctimeOf(stampOf(probe)) > newest) break;
      sleep(2);
    }
  } finally {
    fs.rmSync(probe, { force: true });
  }
  const second = stampTree(folders, files);
  return sameStamps(first, second) ? second : undefined;
}

/** Removes the record: always safe (the next run synthesizes), so every run that may change anything does it first. */
export function removeRecord(request: UpToDateRequest): void {
  fs.rmSync(request.record, { force: true });
}

/**
 * Writes the record of a successful run. `expected` is what the run wrote (path → content): each file is read
 * back and compared, so a hand edit between the run's rename and the stamps cannot be recorded as its output.
 * `before` are the stamps of the inputs read at the start of the run (the release files): they must not have
 * moved. Writes nothing when either check fails; the next run then synthesizes.
 */
export function writeRecord(
  request: UpToDateRequest,
  record: { stdout: string; outDir: string; folders: readonly string[]; expected: ReadonlyMap<string, string>; before: ReadonlyMap<string, string> },
): boolean {
  const temp = `${request.record}.tmp-${process.pid}`;
  fs.mkdirSync(path.dirname(request.record), { recursive: true });
  const stamps = settledStamps(record.folders, request.files, temp);
  if (!stamps) return false;
  for (const [file, stamp] of record.before) if (stamps.get(file) !== stamp) return false;
  for (const [file, content] of record.expected) {
    let now: string;
    try {
      now = fs.readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    if (now !== content) return false;
  }
  const body: UpToDateRecord = { version: 1, key: request.key, stdout: record.stdout, outDir: path.resolve(record.outDir), stamps: Object.fromEntries(stamps) };
  fs.writeFileSync(temp, `${JSON.stringify(body, null, 1)}\n`);
  fs.renameSync(temp, request.record);
  return true;
}
