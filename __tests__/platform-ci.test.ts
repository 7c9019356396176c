import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { gitlabCiProblems } from '../lib/ci/gitlab-schema';
import { platformCi, PLATFORM_CI_FILE, preCommitHook, PRE_COMMIT_HOOK } from '../lib/ci/platform-ci';
import { copyTree, ROOT } from './helpers';

/** This repository's pipeline and pre-commit hook, and GitLab's own CI schema on both CI files. */

const committed = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe("the platform repository's pipeline", () => {
  test('the committed .gitlab-ci.yml and pre-commit hook are what `npm run repo-files` writes', () => {
    expect(committed(PLATFORM_CI_FILE)).toBe(platformCi());
    expect(committed(PRE_COMMIT_HOOK)).toBe(preCommitHook());
    expect(fs.statSync(path.join(ROOT, PRE_COMMIT_HOOK)).mode & 0o111).not.toBe(0);
    expect(JSON.parse(committed('package.json')).scripts.hooks).toContain('git config core.hooksPath .githooks');
  });

  test('merge requests: .ci/run (packages, npm ci, npm test), validate, the diff against the target posted as the note, then --check', () => {
    const ci = parse(platformCi());
    const mr = '$CI_PIPELINE_SOURCE == "merge_request_event"';
    expect(ci.test.rules).toContainEqual({ if: mr });
    // The tests run as this repository's CI runs them: .ci/run installs the Debian packages, then npm ci, npm test.
    expect(ci.test.script).toEqual(['bash .ci/run', 'npm run -s validate']);
    const ciRun = fs.readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
    expect(ciRun.indexOf('npm ci')).toBeGreaterThan(ciRun.indexOf('apt-get install'));
    expect(ciRun.indexOf('npm test')).toBeGreaterThan(ciRun.indexOf('npm ci'));
    const diff = ci['manifest-diff'];
    expect(diff.rules).toEqual([{ if: mr }]);
    const script: string[] = diff.script;
    const at = (needle: string) => script.findIndex((l) => l.includes(needle));
    expect(at('--markdown > manifest-diff.md')).toBeGreaterThan(at('git worktree add --detach /tmp/target'));
    expect(script[at('merge_requests/$CI_MERGE_REQUEST_IID/notes')]).toContain('body@manifest-diff.md');
    expect(at('--dist /tmp/target/dist --check')).toBeGreaterThan(at('/notes'));
  });

  test('the downstream trigger: synth with the given tags, --save, test, commit, push', () => {
    const deploy = parse(platformCi()).deploy;
    expect(deploy.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "pipeline" && $NX_ENV && $NX_TAG' }]);
    const script: string = deploy.script.join('\n');
    const order = ['npm run -s synth -- --save', 'bash .ci/run', 'git add dist', 'commit', 'git push'].map((s) => script.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test.each([PLATFORM_CI_FILE, 'dist/ci/services.gitlab-ci.yml'])("%s validates against GitLab's CI schema", (file) => {
    expect(gitlabCiProblems(parse(committed(file)))).toEqual([]);
  });

  test('the schema check can fail: a script that is a number, an unknown `when`', () => {
    expect(gitlabCiProblems({ job: { script: 5 } }).length).toBeGreaterThan(0);
    expect(gitlabCiProblems({ job: { script: ['true'], when: 'sometimes' } }).length).toBeGreaterThan(0);
    expect(gitlabCiProblems({ job: { script: ['true'], when: 'manual' } })).toEqual([]);
  });
});

const hasGit = spawnSync('git', ['--version']).status === 0;
if (!hasGit) process.stderr.write('git not found: skipping the pre-commit hook run\n');

(hasGit ? describe : describe.skip)('the pre-commit hook, run in a scratch repository', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-hook-'));
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' });
  const hook = () => spawnSync('bash', [path.join(repo, PRE_COMMIT_HOOK)], { cwd: repo, encoding: 'utf8' });

  beforeAll(() => {
    const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const f of files) {
      if (!fs.existsSync(path.join(ROOT, f))) continue;
      fs.mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(repo, f));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'));
    git('init', '-q');
    fs.appendFileSync(path.join(repo, '.git', 'info', 'exclude'), 'node_modules\n');
    git('add', '-A');
    // The validators `npm test` already built (.build/validators, from the same schemas), committed in this
    // scratch repository only, so the hook's checkout brings them along: the hook's `npm run diff` still
    // bundles the staged code, and its validator step (lib/tools/build-validators.ts) keeps them because
    // their fingerprint (ajv version and options, every schema) is the staged code's; a different staged
    // schema would rebuild them. Without it each of the three hook runs compiled all of them again (~7 s of
    // CPU each); the validator build itself is what `npm test` runs first.
    const validators = path.join(ROOT, '.build', 'validators');
    if (fs.existsSync(path.join(validators, 'index.json'))) {
      fs.mkdirSync(path.join(repo, '.build'));
      copyTree(validators, path.join(repo, '.build', 'validators'));
      git('add', '-f', '.build/validators');
    }
    git('commit', '-q', '--no-verify', '-m', 'base');
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('passes a staged tree whose dist/ is current, refuses one whose staged dist/ is stale', () => {
    const ok = hook();
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const file = 'dist/production/06-5-services/nx-backend/nx-sale.deployment.yaml';
    fs.writeFileSync(path.join(repo, file), fs.readFileSync(path.join(repo, file), 'utf8').replace(/image: (\S+)/, 'image: $1-stale'));
    git('add', file);
    const stale = hook();
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('pre-commit: the staged dist/ is not what the staged code writes');
    // The working tree alone does not count: unstaged, the same edit passes.
    git('reset', '-q', file);
    expect(hook().status).toBe(0);
  }, 180_000);
});
