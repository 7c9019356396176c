import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { runCli } from '../lib/cli/cli';
import { readTree } from '../lib/output/writer';
import { PLATFORM } from '../lib/platform';
import { isDnsLabel } from '../lib/platform/rules';
import { runDiff, runValidate } from '../lib/review/commands';
import { distSandbox, RELEASE_DIR, ROOT, tempDir } from './helpers';

/**
 * Every input is checked at the door: the table of inputs that used to be accepted, each refused with
 * one line naming the input, the value and what is allowed, exit 2, and dist/ and the release files untouched.
 */
jest.setTimeout(60_000);

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;


function run(args: string[], env: Record<string, string> = {}, box = distSandbox()) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const before = readTree(box.out);
  const releasesBefore = readTree(box.releases);
  const status = runCli(PLATFORM, [...args, '--out', box.out, '--release-dir', box.releases], env, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { status, stdout, stderr, before, after: readTree(box.out), releasesBefore, releasesAfter: readTree(box.releases), box };
}

function expectRefused(r: ReturnType<typeof run>, ...fragments: string[]): void {
  expect({ status: r.status, lines: r.stderr.length }).toEqual({ status: 2, lines: 1 });
  expect(r.stderr[0]).toMatch(/^error: .* is not valid; allowed: /);
  for (const f of fragments) expect(r.stderr[0]).toContain(f);
  expect(r.after).toEqual(r.before);
  expect(r.releasesAfter).toEqual(r.releasesBefore);
}

describe('inputs that used to be accepted are refused', () => {
  const cases: [string, string[], Record<string, string>, string[]][] = [
    ['LATEST in production', ['--env', 'production', '--tag', 'LATEST'], {}, ['--tag: "LATEST"', "refuses 'latest'", 'in any case']],
    ['a registry port above 65535', ['--registry', 'registry.example.com:99999'], {}, ['--registry: "registry.example.com:99999"', 'port (1-65535)']],
    ['a registry Docker would read as a Docker Hub repository', ['--registry', '1234', '--save'], {}, ['--registry: "1234"', "a registry host with a '.'"]],
    ['--env with an empty value', ['--env', ''], {}, ['--env: ""', 'leave --env out for every environment']],
    ['two tags for every service', ['--tag', 'aaa1111', '--tag', 'bbb2222'], {}, ['--tag: "bbb2222"', '--tag already says "aaa1111"']],
    ['two tags for one service', ['--tag', 'sale=aaa1111', '--tag', 'sale=bbb2222'], {}, ['--tag sale: "bbb2222"', 'one tag per service']],
    ['two tags for one service in NX_TAG', [], { NX_TAG: 'sale=aaa1111 sale=bbb2222' }, ['NX_TAG sale: "bbb2222"']],
    ['two registries', ['--registry', 'a.example.com', '--registry', 'b.example.com'], {}, ['--registry: "b.example.com"', '--registry once']],
    ['a flag npm swallowed (no --)', ['--env', 'staging'], { npm_lifecycle_event: 'synth', npm_config_tag: 'feed123' }, ['npm_config_tag: "feed123"', 'npm run synth -- --tag feed123']],
    ['a malformed digest', ['--tag', 'v1@sha256:abc'], {}, ['"v1@sha256:abc"', 'sha256:<64 lower-case hex digits>']],
    ['an upper-case digest', ['--tag', `sale=${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`], {}, ['--tag sale', 'a digest alone']],
  ];
  test.each(cases)('%s', (_, args, env, fragments) => expectRefused(run(args, env), ...fragments));

  test('an unquoted tag YAML reads as a number is reported as written, not as null', () => {
    const box = distSandbox();
    const file = path.join(box.releases, 'staging.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^tag: .*$/m, 'tag: 4e12345'));
    expectRefused(run(['--env', 'staging'], {}, box), "'tag': \"4e12345\"", 'quote tags that look like numbers');
  });

  test('a password in the gitops repoURL is never printed', () => {
    const box = distSandbox();
    const file = path.join(box.releases, 'staging.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/repoURL: .*$/m, 'repoURL: "https://deploy:s3cr3t-T0ken@gitlab.bana.com.vn/x.git"'));
    const r = run(['--env', 'staging'], {}, box);
    expectRefused(r, 'https://deploy:***@gitlab.bana.com.vn/x.git');
    expect(r.stderr[0]).not.toContain('s3cr3t');
  });

  test('a hand-written file inside dist/<env>/ is not deleted: the run refuses, naming it', () => {
    const box = distSandbox();
    fs.writeFileSync(path.join(box.out, 'staging', '06-5-services', 'NOTES.md'), 'remember to scale sale before the sale event\n');
    expectRefused(run(['--env', 'staging'], {}, box), path.join(box.out, 'staging', '06-5-services', 'NOTES.md'), 'hand-written');
  });
});

describe('digests, pins and --save', () => {
  test('a tag pinned by digest and a digest alone give valid images, Job names and version labels', () => {
    const r = run(['--env', 'production', '--tag', `v1.2@${DIGEST}`, '--tag', `identity=${DIGEST}`]);
    expect(r.status).toBe(0);
    const sale = parse(r.after.get('production/06-5-services/nx-backend/nx-sale.deployment.yaml')!);
    expect(sale.spec.template.spec.containers[0].image).toBe(`bcr.bana.com.vn/nx-sale:v1.2@${DIGEST}`);
    const identity = parse(r.after.get('production/06-3-identity/nx-backend/nx-identity.deployment.yaml')!);
    expect(identity.spec.template.spec.containers[0].image).toBe(`bcr.bana.com.vn/nx-identity@${DIGEST}`);
    const jobs = [...r.after.keys()].filter((f) => f.endsWith('.job.yaml') && f.includes('/nx-backend/'));
    expect(jobs.length).toBeGreaterThan(0);
    for (const f of jobs) {
      const job = parse(r.after.get(f)!);
      expect({ f, valid: isDnsLabel(job.metadata.name) }).toEqual({ f, valid: true });
      expect(job.metadata.labels['app.kubernetes.io/version'] ?? job.spec.template.metadata.labels['app.kubernetes.io/version'] ?? 'v').toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
    }
    for (const d of [sale, identity]) expect(d.metadata.labels['app.kubernetes.io/version']).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  });

  test('--tag X --save keeps the per-service pins and the comments, says which pins stay, and the next run reproduces dist', () => {
    const box = distSandbox();
    const file = path.join(box.releases, 'staging.yaml');
    fs.appendFileSync(file, '# sale stays on the release candidate until QA signs off\ntags:\n  sale: "rc-42"\n');
    const original = fs.readFileSync(file, 'utf8');
    const saved = run(['--env', 'staging', '--tag', 'feed123', '--save'], {}, box);
    expect(saved.status).toBe(0);
    expect(saved.stdout).toContain('staging: pinned by its release file, not changed by --tag: sale=rc-42 (change with --tag <service>=<tag>)');
    expect(fs.readFileSync(file, 'utf8')).toBe(original.replace(/^tag: .*$/m, 'tag: "feed123"'));
    expect(saved.after.get('staging/06-5-services/nx-backend/nx-sale.deployment.yaml')).toContain('nx-sale:rc-42');
    const again = run(['--env', 'staging'], {}, box);
    expect(again.after).toEqual(saved.after);
  });

  test('--registry and a digest --save round-trip: the next plain run accepts the file and reproduces dist', () => {
    const box = distSandbox();
    const saved = run(['--env', 'staging', '--registry', 'localhost:5000/bana', '--tag', `sale=${DIGEST}`, '--save'], {}, box);
    expect(saved.status).toBe(0);
    const again = run(['--env', 'staging'], {}, box);
    expect(again.status).toBe(0);
    expect(again.after).toEqual(saved.after);
    expect(parse(saved.releasesAfter.get('staging.yaml')!)).toMatchObject({ registry: 'localhost:5000/bana', tags: { sale: DIGEST } });
  });
});

describe('diff and validate on a hand-edited dist/', () => {
  const io = () => {
    const out = { stdout: [] as string[], stderr: [] as string[] };
    return { out, io: { stdout: (l: string) => out.stdout.push(l), stderr: (l: string) => out.stderr.push(l) } };
  };
  const FILE = path.join('staging', '06-5-services', 'nx-backend', 'nx-sale.deployment.yaml');

  test.each([
    ['diff', runDiff],
    ['validate', runValidate],
  ] as const)('%s: a YAML file that does not parse is one line naming the file, exit 2', (_, command) => {
    const box = distSandbox();
    fs.writeFileSync(path.join(box.out, FILE), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nx-sale\n  bad: [\n');
    const { out, io: streams } = io();
    const status = command(PLATFORM, ['--dist', box.out, '--env', 'staging'], {}, streams);
    expect({ status, stderr: out.stderr }).toEqual({ status: 2, stderr: [expect.stringContaining(`error: file ${path.join(box.out, FILE)}: `)] });
    expect(out.stderr[0]).toContain('allowed: valid YAML');
  });

  test('diff --stale fails on a comment-only hand edit and names the file', () => {
    const box = distSandbox();
    fs.appendFileSync(path.join(box.out, FILE), '# scaled by hand during the incident\n');
    const { out, io: streams } = io();
    expect(runDiff(PLATFORM, ['--dist', box.out, '--env', 'staging', '--stale'], {}, streams)).toBe(1);
    expect(out.stdout.join('\n')).toContain(`~ ${FILE.split(path.sep).join('/')}: bytes differ, objects equal`);
  });

  test('validate lists every policy finding it counts', () => {
    const { out, io: streams } = io();
    const status = runValidate(PLATFORM, ['--env', 'staging'], {}, streams);
    expect(status).toBe(0);
    const counted = out.stdout.map((l) => /, (\d+) policy findings$/.exec(l)).filter(Boolean).reduce((n, m) => n + Number(m![1]), 0);
    expect(counted).toBeGreaterThan(0);
    expect(out.stdout.filter((l) => l.startsWith('policy (allow-listed): '))).toHaveLength(counted);
  });
});

describe('npx cdk8s synth', () => {
  const cdk8s = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
  const synth = (env: Record<string, string>) => {
    const dir = tempDir();
    const out = path.join(dir, 'cdk8s.out');
    // The app as cdk8s.yaml runs it, writing to a scratch folder instead of the repository's dist/.
    const app = `node ${path.join(ROOT, '.build', 'main.js')} --out ${path.join(dir, 'dist')} --release-dir ${RELEASE_DIR}`;
    const r = spawnSync(cdk8s, ['synth', '--check-upgrade', 'false', '--app', app, '--output', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    return { ...r, out, dir };
  };

  test('lists a review copy per environment and prints the summary', () => {
    const r = synth({ NX_ENV: 'staging' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${r.out}/staging.k8s.yaml`);
    expect(r.stdout).not.toContain('No manifests synthesized');
    expect(r.stderr).toMatch(/^staging: \d+ objects in \d+ files -> /m);
    expect(fs.readFileSync(path.join(r.out, 'staging.k8s.yaml'), 'utf8')).toContain('kind: Deployment');
  });

  test('on bad input: the one-line error, no stack trace, a non-zero exit, nothing written', () => {
    const r = synth({ NX_ENV: 'prod' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('error: NX_ENV: "prod" is not valid; allowed: staging, production');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(r.dir, 'dist'))).toBe(false);
  });
});
