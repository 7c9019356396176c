import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempDir } from './helpers';

/**
 * The validator build (`.build/build-validators.js`, lib/tools/build-validators.ts) keeps each build in
 * node_modules/.cache/bana-validators/<fingerprint>/, and a checkout whose .build/ lacks them (the
 * pre-commit hook's scratch checkout, which shares node_modules/) copies them from there instead of
 * compiling every validator again. Each case is a scratch checkout: the built program, the schema files, and
 * its own node_modules/.cache.
 */
const BUILT = path.join(ROOT, '.build');
const INDEX = JSON.parse(fs.readFileSync(path.join(BUILT, 'validators', 'index.json'), 'utf8')) as { fingerprint: string; kinds: Record<string, { file: string }> };

function checkout(): { dir: string; cache: string } {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, '.build'));
  fs.copyFileSync(path.join(BUILT, 'build-validators.js'), path.join(dir, '.build', 'build-validators.js'));
  fs.cpSync(path.join(ROOT, 'lib', 'checks', 'schemas'), path.join(dir, 'lib', 'checks', 'schemas'), { recursive: true });
  return { dir, cache: path.join(dir, 'node_modules', '.cache', 'bana-validators') };
}

function build(dir: string) {
  const r = spawnSync(process.execPath, [path.join(dir, '.build', 'build-validators.js')], { cwd: dir, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
}

test('a checkout without validators takes the kept build of its fingerprint instead of compiling', () => {
  const { dir, cache } = checkout();
  const kept = path.join(cache, INDEX.fingerprint);
  fs.cpSync(path.join(BUILT, 'validators'), kept, { recursive: true });
  // A module only the cache can have provided: compiling would write ajv's code there.
  const file = INDEX.kinds['v1/ConfigMap'].file;
  fs.writeFileSync(path.join(kept, file), '"use strict";// kept build\nexports.validate = () => true;\n');
  build(dir);
  const validators = path.join(dir, '.build', 'validators');
  expect(fs.readFileSync(path.join(validators, file), 'utf8')).toContain('// kept build');
  expect(JSON.parse(fs.readFileSync(path.join(validators, 'index.json'), 'utf8'))).toEqual(INDEX);
  expect(fs.readdirSync(validators).filter((f) => f.endsWith('.js')).length).toBe(Object.keys(INDEX.kinds).length);
});

test('a build the cache lacks is kept there, and only the last three fingerprints stay', () => {
  const { dir, cache } = checkout();
  fs.cpSync(path.join(BUILT, 'validators'), path.join(dir, '.build', 'validators'), { recursive: true });
  const older = ['0000000000000001', '0000000000000002', '0000000000000003'];
  for (const [i, name] of older.entries()) {
    fs.mkdirSync(path.join(cache, name), { recursive: true });
    const when = new Date(Date.now() - (10 - i) * 60_000);
    fs.utimesSync(path.join(cache, name), when, when);
  }
  build(dir);
  const kept = path.join(cache, INDEX.fingerprint);
  expect(JSON.parse(fs.readFileSync(path.join(kept, 'index.json'), 'utf8'))).toEqual(INDEX);
  for (const { file } of Object.values(INDEX.kinds)) {
    expect(fs.readFileSync(path.join(kept, file)).equals(fs.readFileSync(path.join(BUILT, 'validators', file)))).toBe(true);
  }
  // This build and the two most recent others.
  expect(fs.readdirSync(cache).sort()).toEqual([...older.slice(1), INDEX.fingerprint].sort());
});
