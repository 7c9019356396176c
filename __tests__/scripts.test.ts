import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './helpers';

/**
 * Every shell script the synth writes into dist/ passes shellcheck (CI installs it in .ci/run), and every
 * generated document tells an operator the same way to apply as the README.
 */

function scripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? scripts(full) : e.name.endsWith('.sh') ? [full] : [];
  });
}

const DIST = path.join(ROOT, 'dist');
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
