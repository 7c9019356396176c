import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { renderCommand, renderScript } from '../lib/constructs/scripts';
import { ROOT } from './helpers';

/**
 * Every shell script the synth writes into dist/, and every script a container runs (the `.sh` files under
 * lib/, which the constructs ship in ConfigMaps and commands), passes shellcheck (CI installs it in .ci/run);
 * the scripts' placeholders are filled strictly; every generated document tells an operator the same way to
 * apply as the README.
 */

function scripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? scripts(full) : e.name.endsWith('.sh') ? [full] : [];
  });
}

const DIST = path.join(ROOT, 'dist');
/** Scripts that run in containers: run with `sh` (busybox, dash), so linted as POSIX sh. */
const CONTAINER_SCRIPTS = scripts(path.join(ROOT, 'lib')).map((f) => path.relative(ROOT, f)).sort();
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
if (!hasShellcheck) process.stderr.write('shellcheck not found: skipping the shellcheck of the generated scripts\n');

(hasShellcheck ? describe : describe.skip)('shellcheck (installed)', () => {
  // The generated scripts of dist/ and the generated pre-commit hook.
  const all = [...scripts(DIST), path.join(ROOT, '.githooks', 'pre-commit')];
  test('finds the generated scripts of every environment', () => {
    const names = all.map((f) => path.relative(DIST, f)).sort();
    expect(names).toEqual(expect.arrayContaining(['production/apply.sh', 'production/post-deploy-check.sh', 'staging/apply.sh', 'staging/post-deploy-check.sh']));
  });
  test.each(all.map((f) => [path.relative(ROOT, f)]))('%s is shellcheck-clean', (file) => {
    const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', path.join(ROOT, file)], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
  test('finds the container scripts of the constructs', () => {
    expect(CONTAINER_SCRIPTS).toEqual(
      expect.arrayContaining(['lib/constructs/data/redis-cluster.prepare.sh', 'lib/constructs/data/redis-cluster.create-cluster.sh', 'lib/constructs/wait-for-http.sh', 'lib/constructs/wait-for-db.sh']),
    );
  });
  test.each(CONTAINER_SCRIPTS.map((f) => [f]))('%s is shellcheck-clean as POSIX sh', (file) => {
    const result = spawnSync('shellcheck', ['--shell=sh', '--format=gcc', path.join(ROOT, file)], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
  test('shellcheck as POSIX sh finds a bash-only construct (the container check can fail)', () => {
    const result = spawnSync('shellcheck', ['--shell=sh', '-'], { input: 'if [[ -f "$1" ]]; then echo yes; fi\n', encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('SC3010');
  });
  test('shellcheck finds an unquoted argument (the check can fail)', () => {
    const result = spawnSync('shellcheck', ['--shell=bash', '-'], { input: 'check() { "$KUBECTL" -n $1 get pods; }\ncheck "$@"\n', encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain('SC2086');
  });
});

describe('generated documents agree with the README', () => {
  test.each(['staging', 'production'])('dist/%s/README.md says to apply with apply.sh, as the README does', (env) => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const generated = fs.readFileSync(path.join(DIST, env, 'README.md'), 'utf8');
    expect(readme).toContain('use apply.sh');
    expect(generated).toContain(`Apply with \`bash dist/${env}/apply.sh\``);
    expect(generated).not.toMatch(/Apply with `kubectl apply -k/);
  });
});

describe('container scripts are filled through named placeholders', () => {
  test('fills every placeholder, as often as it occurs, and drops shellcheck directive lines', () => {
    const template = '# shellcheck disable=SC2086 # split on purpose\necho @A@ @B@ @A@\n';
    expect(renderScript('t.sh', template, { A: 'x', B: 6379 })).toBe('echo x 6379 x\n');
  });
  test('fails when a placeholder has no value', () => {
    expect(() => renderScript('t.sh', 'echo @HOST@ @PORT@\n', { HOST: 'h' })).toThrow('script t.sh: placeholder @PORT@ has no value (given: HOST)');
  });
  test('fails when a value fills no placeholder', () => {
    expect(() => renderScript('t.sh', 'echo @HOST@\n', { HOST: 'h', PORT: 1 })).toThrow('script t.sh: value(s) PORT fill no placeholder');
  });
  test('leaves shell text that only looks alike (lower case, a lone @) alone', () => {
    expect(renderScript('t.sh', 'at=index(e, "@"); echo @host@\n')).toBe('at=index(e, "@"); echo @host@\n');
  });
  test('a command is one line without the final newline; a longer script fails', () => {
    expect(renderCommand('c.sh', 'sleep @N@\n', { N: 2 })).toBe('sleep 2');
    expect(() => renderCommand('c.sh', 'a\nb\n')).toThrow('script c.sh: a command must be one line; it has 2');
  });
});
