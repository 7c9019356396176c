import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempDir } from './helpers';

/**
 * The loader (`.build/main.js`, lib/tools/main-loader.js) runs `.build/app.js` beside it through V8's code
 * cache. V8 accepts a cache made for any source of the same length, so the loader keys it by the bundle's
 * SHA-256: an app rebuilt to other bytes of the same length runs its new code, never the cached old one.
 */
const LOADER = path.join(ROOT, '.build', 'main.js');

/** A stand-in app: prints a word and its arguments, and says it synthesized as lib/synth/synthesize.ts does. */
function appSource(word: string): string {
  return `globalThis[Symbol.for('bana.synth.synthesized')] = true; process.stdout.write(${JSON.stringify(word)} + ' ' + process.argv.slice(2).join(' '));\n`;
}

function run(dir: string, ...args: string[]) {
  return spawnSync(process.execPath, [path.join(dir, 'main.js'), ...args], { encoding: 'utf8' });
}

test('the app runs with its arguments, writes its code cache, and a same-length rebuild runs the new code', () => {
  const dir = tempDir();
  fs.copyFileSync(LOADER, path.join(dir, 'main.js'));
  fs.writeFileSync(path.join(dir, 'app.js'), appSource('first'));
  const first = run(dir, '--out', 'x');
  expect(first.stderr).toBe('');
  expect(first.stdout).toBe('first --out x');
  const cache = path.join(dir, 'app.js.cache');
  expect(fs.existsSync(cache)).toBe(true);

  // The cache is used: the second run reads it and leaves it as it was.
  const before = fs.readFileSync(cache);
  expect(run(dir).stdout).toBe('first ');
  expect(fs.readFileSync(cache).equals(before)).toBe(true);

  // Other bytes, same length: the cache is not given to V8, the new code runs, and a new cache replaces it.
  const second = appSource('other');
  expect(second.length).toBe(appSource('first').length);
  fs.writeFileSync(path.join(dir, 'app.js'), second);
  expect(run(dir).stdout).toBe('other ');
  expect(fs.readFileSync(cache).equals(before)).toBe(false);
  expect(run(dir).stdout).toBe('other ');
});

test('a run that fails or does not synthesize (--help) writes no cache (it would hold only what it compiled); a synthesis does', () => {
  const dir = tempDir();
  fs.copyFileSync(LOADER, path.join(dir, 'main.js'));
  const app = [
    'if (process.argv[2] === "bad") { process.stderr.write("error\\n"); process.exitCode = 2; }',
    'else if (process.argv[2] === "--help") process.stdout.write("usage");',
    'else { globalThis[Symbol.for("bana.synth.synthesized")] = true; process.stdout.write("ok"); }',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'app.js'), `${app}\n`);
  expect(run(dir, 'bad').status).toBe(2);
  expect(fs.existsSync(path.join(dir, 'app.js.cache'))).toBe(false);
  expect(run(dir, '--help').stdout).toBe('usage');
  expect(fs.existsSync(path.join(dir, 'app.js.cache'))).toBe(false);
  expect(run(dir).stdout).toBe('ok');
  expect(fs.existsSync(path.join(dir, 'app.js.cache'))).toBe(true);
});

test('the real app: a --help run leaves no cache, a synthesis leaves one', () => {
  // A checkout of its own: .build/ with the loader, the app and (linked) the validators; lib/ linked for the schema files.
  const checkout = tempDir();
  const dir = path.join(checkout, '.build');
  fs.mkdirSync(dir);
  for (const name of ['main.js', 'app.js']) fs.copyFileSync(path.join(ROOT, '.build', name), path.join(dir, name));
  fs.symlinkSync(path.join(ROOT, '.build', 'validators'), path.join(dir, 'validators'));
  fs.symlinkSync(path.join(ROOT, 'lib'), path.join(checkout, 'lib'));
  expect(run(dir, '--help').status).toBe(0);
  expect(fs.existsSync(path.join(dir, 'app.js.cache'))).toBe(false);
  const r = run(dir, '--env', 'staging', '--out', path.join(checkout, 'dist'), '--release-dir', path.join(ROOT, 'lib', 'platform', 'releases'));
  expect(r.status).toBe(0);
  expect(fs.existsSync(path.join(dir, 'app.js.cache'))).toBe(true);
});

test('a cache that cannot be written (read-only folder) only costs speed', () => {
  const dir = tempDir();
  fs.copyFileSync(LOADER, path.join(dir, 'main.js'));
  fs.writeFileSync(path.join(dir, 'app.js'), appSource('ro'));
  // A folder named like the cache file makes its rename fail, as a read-only .build/ would (root ignores modes).
  fs.mkdirSync(path.join(dir, 'app.js.cache'));
  fs.writeFileSync(path.join(dir, 'app.js.cache', 'keep'), '');
  const r = run(dir);
  expect(r.status).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe('ro ');
  expect(fs.readdirSync(dir).sort()).toEqual(['app.js', 'app.js.cache', 'main.js']);
});

/**
 * The valid-object memo (`valid-objects` beside the validators, lib/checks/schema-validator.ts): digests of
 * objects found valid, so an unchanged object is not validated again. A run appends what it validated; the
 * file is rewritten only once it has grown to twice its bound.
 */
describe('the valid-object memo', () => {
  function checkout(): { dir: string; memo: string; synth: (...args: string[]) => void } {
    const root = tempDir();
    const dir = path.join(root, '.build');
    fs.mkdirSync(dir);
    for (const name of ['main.js', 'app.js']) fs.copyFileSync(path.join(ROOT, '.build', name), path.join(dir, name));
    fs.mkdirSync(path.join(dir, 'validators'));
    for (const name of fs.readdirSync(path.join(ROOT, '.build', 'validators'))) {
      if (/^kind\d+\.js$|^index\.json$/.test(name)) fs.copyFileSync(path.join(ROOT, '.build', 'validators', name), path.join(dir, 'validators', name));
    }
    fs.symlinkSync(path.join(ROOT, 'lib'), path.join(root, 'lib'));
    // The validators' modules load ajv's runtime helpers from node_modules, as in any checkout.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const synth = (...args: string[]): void => {
      const r = run(dir, '--env', 'staging', '--out', path.join(root, 'dist'), '--release-dir', path.join(ROOT, 'lib', 'platform', 'releases'), ...args);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    };
    return { dir, memo: path.join(dir, 'validators', 'valid-objects'), synth };
  }

  test('a run appends the digests of the objects it validated; an unchanged run adds none', () => {
    const { memo, synth } = checkout();
    synth();
    const first = fs.readFileSync(memo, 'utf8');
    const objects = first.trim().split('\n').length;
    expect(objects).toBeGreaterThan(100);
    synth();
    expect(fs.readFileSync(memo, 'utf8')).toBe(first);
    synth('--tag', 'identity=0123abc');
    const after = fs.readFileSync(memo, 'utf8');
    expect(after.startsWith(first)).toBe(true);
    const added = after.slice(first.length).trim().split('\n');
    expect(added.length).toBeGreaterThan(0);
    expect(added.length).toBeLessThan(20);
    expect(added.every((d) => /^[A-Za-z0-9+/]{43}=$/.test(d) && !first.includes(d))).toBe(true);
  });

  test('grown past twice its bound, it is rewritten: the most recent others, then this run', () => {
    const { memo, synth } = checkout();
    synth();
    const own = fs.readFileSync(memo, 'utf8').trim().split('\n');
    const stale = Array.from({ length: 40_001 }, (_, i) => `stale-${i}`);
    fs.writeFileSync(memo, `${[...stale, ...own].join('\n')}\n`);
    synth('--tag', 'identity=4567def');
    const lines = fs.readFileSync(memo, 'utf8').trim().split('\n');
    // 20,000 others kept (the most recent: a suffix of what was there, the stale lines first), then this run's
    // own digests; the oldest stale lines are gone.
    const staleKept = lines.filter((l) => l.startsWith('stale-'));
    expect(staleKept).toEqual(stale.slice(stale.length - staleKept.length));
    expect(staleKept.length).toBeGreaterThan(20_000 - own.length);
    expect(lines.slice(0, staleKept.length)).toEqual(staleKept);
    expect(lines.length).toBeGreaterThan(20_000);
    expect(lines.length).toBeLessThanOrEqual(20_000 + own.length + 20);
    expect(new Set(lines).size).toBe(lines.length);
  });
});
