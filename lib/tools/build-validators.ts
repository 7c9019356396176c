import * as fs from 'fs';
import * as path from 'path';
import { PrecompiledIndex, precompiledValidators, validatorFingerprint } from '../checks/schema-validator';

// Part of `npm run build` and `npm run synth`: compiles every known kind's schema validator ahead of time
// into .build/validators/ (one module per kind, see schema-validator.ts), unless the folder there was
// already built from the same schemas and options. The folder is built beside and swapped in whole, with
// index.json written last, so a reader never sees an index naming a module that is not there.
//
// Compiling them all takes seconds (~5 s of CPU); a checkout without .build/ that shares node_modules/ (the
// pre-commit hook's scratch checkout of the staged tree, a second worktree) would pay it every time. So
// each build is also kept in node_modules/.cache/bana-validators/<fingerprint>/, and a build whose
// fingerprint is there copies it instead of compiling. The fingerprint covers everything the modules are
// made of (the schema files' bytes, ajv's version and options, the index layout), so a kept build is the
// build this checkout would make. The cache only saves time: failing to read or write it compiles as before.
const target = path.join(__dirname, 'validators');
const cacheRoot = path.join(__dirname, '..', 'node_modules', '.cache', 'bana-validators');
const fingerprint = validatorFingerprint();

function indexIn(dir: string): PrecompiledIndex | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as PrecompiledIndex;
  } catch {
    return undefined;
  }
}

/** Copies the modules of a folder into `into`, not its index (the caller writes it last). */
function copyModules(from: string, into: string): void {
  for (const name of fs.readdirSync(from)) if (name !== 'index.json') fs.copyFileSync(path.join(from, name), path.join(into, name));
}

/** Fills `temp` from the cache, or compiles into it; returns the index to write last. */
function fill(temp: string): PrecompiledIndex {
  const cached = path.join(cacheRoot, fingerprint);
  const index = indexIn(cached);
  if (index?.fingerprint === fingerprint) {
    try {
      copyModules(cached, temp);
      return index;
    } catch {
      // An unreadable cache: compile.
      fs.rmSync(temp, { recursive: true, force: true });
      fs.mkdirSync(temp, { recursive: true });
    }
  }
  const built = precompiledValidators();
  for (const [name, source] of built.files) fs.writeFileSync(path.join(temp, name), source);
  return built.index;
}

/** Builds kept besides the current one: a branch switch back and forth stays warm, the folder stays small. */
const KEPT = 3;

/**
 * Keeps a copy of the folder in the cache (built beside, renamed in whole, so a reader never sees half of it),
 * and removes all but the `KEPT` most recently kept builds.
 */
function keep(folder: string): void {
  const cached = path.join(cacheRoot, fingerprint);
  if (indexIn(cached)?.fingerprint === fingerprint) return;
  const temp = `${cached}.tmp-${process.pid}`;
  try {
    fs.mkdirSync(temp, { recursive: true });
    for (const name of fs.readdirSync(folder)) if (/^kind\d+\.js$|^index\.json$/.test(name)) fs.copyFileSync(path.join(folder, name), path.join(temp, name));
    fs.rmSync(cached, { recursive: true, force: true });
    fs.renameSync(temp, cached);
  } catch {
    // A read-only node_modules/: the next checkout compiles.
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  try {
    const builds = fs
      .readdirSync(cacheRoot)
      .filter((name) => /^[0-9a-f]{16}$/.test(name) && name !== fingerprint)
      .map((name) => ({ name, mtimeMs: fs.statSync(path.join(cacheRoot, name)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of builds.slice(KEPT - 1)) fs.rmSync(path.join(cacheRoot, old.name), { recursive: true, force: true });
  } catch {
    // Nothing kept, or not ours to prune.
  }
}

if (indexIn(target)?.fingerprint !== fingerprint) {
  const temp = `${target}.tmp-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp, { recursive: true });
  const index = fill(temp);
  fs.writeFileSync(path.join(temp, 'index.json'), `${JSON.stringify(index)}\n`);
  const old = `${target}.old-${process.pid}`;
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(temp, target);
  fs.rmSync(old, { recursive: true, force: true });
  // The single-module layout of earlier builds.
  for (const stale of ['validators.js', 'validators.js.cache']) fs.rmSync(path.join(__dirname, stale), { force: true });
}
keep(target);
