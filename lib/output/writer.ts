import * as fs from 'fs';
import * as path from 'path';

/** One environment folder's files, keyed by path relative to the folder. */
export interface EnvironmentFiles {
  readonly name: string;
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Replaces `<outDir>/<env>/` of each given environment with exactly the given files, and touches nothing else
 * in `outDir`. Everything is first written to a scratch folder beside `outDir`; only when every file is on
 * disk are the environment folders swapped in by rename, so a failure leaves `outDir` as it was, and files
 * that are no longer generated disappear.
 */
export function writeEnvironments(outDir: string, environments: readonly EnvironmentFiles[], rename: (from: string, to: string) => void = fs.renameSync): void {
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(parent, `.${path.basename(outDir)}.tmp-`));
  try {
    const made = new Set<string>();
    for (const env of environments) {
      for (const [relative, content] of env.files) {
        const target = path.join(scratch, 'new', env.name, relative);
        const dir = path.dirname(target);
        if (!made.has(dir)) {
          fs.mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        fs.writeFileSync(target, content);
      }
    }
    fs.mkdirSync(outDir, { recursive: true });
    fs.mkdirSync(path.join(scratch, 'old'));
    swapIn(outDir, scratch, environments, rename);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Renames each new folder into place; if any rename fails, puts back every folder already replaced. */
function swapIn(outDir: string, scratch: string, environments: readonly EnvironmentFiles[], rename: (from: string, to: string) => void): void {
  const done: { live: string; old?: string }[] = [];
  try {
    for (const env of environments) {
      const live = path.join(outDir, env.name);
      const old = path.join(scratch, 'old', env.name);
      const existed = fs.existsSync(live);
      if (existed) rename(live, old);
      done.push({ live, old: existed ? old : undefined });
      rename(path.join(scratch, 'new', env.name), live);
    }
  } catch (error) {
    for (const { live, old } of done.reverse()) {
      fs.rmSync(live, { recursive: true, force: true });
      if (old && fs.existsSync(old)) fs.renameSync(old, live);
    }
    throw error;
  }
}

/** Writes one file by rename, so readers never see it half-written. */
export function writeFileAtomic(file: string, content: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
}

/** Reads a folder back as relative path → content (for comparisons in tests and tools). */
export function readTree(dir: string): Map<string, string> {
  const result = new Map<string, string>();
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else result.set(path.relative(dir, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return result;
}
