import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { runCli } from '../lib/cli/cli';
import { LAYERS } from '../lib/charts/layers';
import { FLUX_FORCE_ANNOTATION, layerFolder, rankLayers, SYNC_WAVE_ANNOTATION } from '../lib/charts/ordering';
import { APPLY_PLAN } from '../lib/reports/apply-plan';
import { fluxObjects, layerTimeout } from '../lib/reports/gitops';
import { writeEnvironments } from '../lib/output/writer';
import { PLATFORM } from '../lib/platform';
import { InputError } from '../lib/platform/errors';
import { migrationsOf } from '../lib/platform/migrations';
import { GITOPS_DEFAULTS, parseGitOps } from '../lib/platform/gitops';
import { env, FIXTURE_TAG, objects, tempDir } from './helpers';
import { parse } from 'yaml';

// From the catalogue, so adding a service needs no test change.
const OTHER_MIGRATIONS = migrationsOf(PLATFORM.services).filter((m) => m.service.name !== 'identity').map((m) => m.name);
const SERVICE_OF: Record<string, string> = Object.fromEntries(migrationsOf(PLATFORM.services).map((m) => [m.name, m.service.name]));
const jobName = (m: string) => `nx-${m}-migrate-${FIXTURE_TAG}`;

const wave = (o: { metadata: { annotations?: Record<string, string> } }): number => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]);

describe.each(['staging', 'production'] as const)('Argo CD sync waves in %s', (envName) => {
  const synth = () => env(envName);
  const job = (m: string) => objects(synth(), 'Job').find((o) => o.metadata.name === jobName(m))!;
  const deployment = (s: string) => objects(synth(), 'Deployment').find((o) => o.metadata.name === `nx-${s}`)!;

  test("every object carries its layer's wave, and the waves follow the layer order", () => {
    const ranks = new Map(rankLayers(LAYERS).map((r) => [r.folder, r.wave]));
    for (const m of synth().manifests) {
      expect(m.object.metadata.annotations?.[SYNC_WAVE_ANNOTATION]).toBe(String(ranks.get(m.folder)));
    }
    const waves = LAYERS.map((l) => ranks.get(l.folder)!);
    expect([...waves].sort((a, b) => a - b)).toEqual(waves);
  });

  test("identity migrates, then rolls out, strictly before every other migration; each migration precedes its service's Deployment", () => {
    expect(wave(job('identity'))).toBeLessThan(wave(deployment('identity')));
    for (const m of OTHER_MIGRATIONS) {
      expect(wave(deployment('identity'))).toBeLessThan(wave(job(m)));
      expect(wave(job(m))).toBeLessThan(wave(deployment(SERVICE_OF[m] ?? m)));
    }
    // Every other application Deployment (the edge controllers of steps 4 and 5 come earlier by design).
    const appDeployments = objects(synth(), 'Deployment').filter((o) => ['backend', 'frontend'].includes(o.metadata.labels?.['app.kubernetes.io/component'] ?? ''));
    for (const d of appDeployments.filter((o) => o.metadata.name !== 'nx-identity')) {
      expect(wave(deployment('identity'))).toBeLessThan(wave(d));
      for (const m of OTHER_MIGRATIONS) expect(wave(job(m))).toBeLessThan(wave(d));
    }
  });

  test('the ConfigMaps the Jobs and pods read come before them', () => {
    const configWave = Math.max(...objects(synth(), 'ConfigMap').map(wave));
    expect(configWave).toBeLessThan(wave(job('identity')));
  });

  test("Jobs carry Flux's per-object force, nothing else does", () => {
    for (const o of objects(synth())) {
      expect(o.metadata.annotations?.[FLUX_FORCE_ANNOTATION]).toBe(o.kind === 'Job' ? 'Enabled' : undefined);
    }
  });
});

describe('layer ranks are derived from their steps and parts, for layers added by anyone', () => {
  const withOthers = [
    ...LAYERS.filter((l) => l.step <= 6).map(({ step, part, name }) => ({ step, part, name })),
    { step: 7, name: 'routes' },
    { step: 7, name: 'tls' },
    { step: 9, name: 'backups' },
  ];

  test('step N gives wave N×10 and folder 0N-name, part M adds M and -M- to the folder', () => {
    expect(rankLayers(withOthers).map((r) => [r.folder, r.wave, r.step])).toEqual([
      ['00-cluster', 0, 0],
      ['01-network', 10, 1],
      ['03-data', 30, 3],
      ['04-ingress', 40, 4],
      ['05-gateway', 50, 5],
      ['06-1-config', 61, 6],
      ['06-2-identity-migration', 62, 6],
      ['06-3-identity', 63, 6],
      ['06-4-migrations', 64, 6],
      ['06-5-services', 65, 6],
      ['07-routes', 70, 7],
      ['07-tls', 70, 7],
      ['09-backups', 90, 9],
    ]);
  });

  test('Flux: each Kustomization depends on every layer of the wave before it, on one source', () => {
    const chart = new Chart(new App(), 'flux');
    fluxObjects(chart, 'production', GITOPS_DEFAULTS, rankLayers(withOthers));
    const json = chart.toJson();
    const deps = new Map(json.filter((o: any) => o.kind === 'Kustomization').map((o: any) => [o.metadata.name, (o.spec.dependsOn ?? []).map((d: any) => d.name)]));
    const k = (f: string) => `nx-production-${f}`;
    expect(deps.get(k('00-cluster'))).toEqual([]);
    expect(deps.get(k('03-data'))).toEqual([k('01-network')]);
    expect(deps.get(k('06-1-config'))).toEqual([k('05-gateway')]);
    expect(deps.get(k('07-routes'))).toEqual([k('06-5-services')]);
    expect(deps.get(k('07-tls'))).toEqual([k('06-5-services')]);
    expect(deps.get(k('09-backups'))).toEqual([k('07-routes'), k('07-tls')]);
    expect(json.filter((o: any) => o.kind === 'GitRepository')).toHaveLength(1);
  });

  test("Flux: the platform's layers wait for what they need, not for the whole chain before them", () => {
    const chart = new Chart(new App(), 'flux');
    fluxObjects(chart, 'production', GITOPS_DEFAULTS, rankLayers(LAYERS));
    const deps = new Map(chart.toJson().filter((o: any) => o.kind === 'Kustomization').map((o: any) => [o.metadata.name.replace('nx-production-', ''), (o.spec.dependsOn ?? []).map((d: any) => d.name.replace('nx-production-', ''))]));
    expect(deps.get('04-ingress')).toEqual(['01-network']);
    expect(deps.get('05-gateway')).toEqual(['01-network']);
    expect(deps.get('06-2-identity-migration')).toEqual(['03-data', '06-1-config']);
    expect(deps.get('07-routes')).toEqual(['04-ingress', '05-gateway']);
    expect(deps.get('09-backups')).toEqual(['00-cluster']);
  });

  test('Argo CD waves stay consistent: a layer may only wait for layers with a lower folder number', () => {
    expect(() => rankLayers([{ step: 3, name: 'data', after: [] }, { step: 4, name: 'ingress', after: ['gateway'] }, { step: 5, name: 'gateway', after: [] }])).toThrow(
      "layer '04-ingress' (sync wave 40) waits for '05-gateway' (sync wave 50): a layer may only wait for layers with a lower folder number",
    );
    expect(() => rankLayers([{ step: 3, name: 'data', after: ['x'] }])).toThrow("layer '03-data': 'after' names 'x', which is not in LAYERS");
    for (const rank of rankLayers(LAYERS)) {
      for (const dep of rank.after) expect(rankLayers(LAYERS).find((r) => r.folder === dep)!.wave).toBeLessThan(rank.wave);
    }
  });

  test("a layer's Flux timeout covers its longest Job deadline and rollout", () => {
    const job = (s: number) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { activeDeadlineSeconds: s } });
    expect(layerTimeout([])).toBe('10m');
    expect(layerTimeout([job(300)])).toBe('10m');
    expect(layerTimeout([job(1800), job(300)])).toBe('35m');
    expect(layerTimeout([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} }])).toBe('15m');
  });

  test('fails when LAYERS lists a layer before one with a lower folder number', () => {
    expect(() => rankLayers([{ step: 3, name: 'data' }, { step: 1, name: 'network' }])).toThrow(
      "layer '01-network' (sync wave 10) is listed after '03-data' (sync wave 30) in LAYERS: list the layers in the order of their folder numbers",
    );
  });

  test('fails when a layer is listed twice', () => {
    expect(() => rankLayers([{ step: 3, name: 'data' }, { step: 3, name: 'data' }])).toThrow("layer '03-data' is listed twice in LAYERS");
  });

  test('refuses a step, part or name no folder can carry', () => {
    expect(() => layerFolder({ step: 10, name: 'late' })).toThrow("layer 'late': step 10 is not a staging step (0-9)");
    expect(() => layerFolder({ step: 6, part: 0, name: 'zero' })).toThrow("layer 'zero': part 0 is not a part number (1-9)");
    expect(() => layerFolder({ step: 6, name: 'Not_A_Name' })).toThrow("layer 'Not_A_Name': a name is lower-case letters, digits and '-'");
    expect(LAYERS.map((l) => l.folder)).toEqual(LAYERS.map((l) => layerFolder(l)));
  });
});

/** The objects of a generated folder (flux/, argocd/), parsed. */
function folderObjects(envName: 'staging' | 'production', folder: string): any[] {
  return [...env(envName).files.entries()].filter(([f]) => f.startsWith(`${folder}/`) && path.basename(f) !== 'kustomization.yaml').map(([, content]) => parse(content));
}

describe.each(['staging', 'production'] as const)('Flux in %s', (envName) => {
  const kustomizations = () => folderObjects(envName, 'flux').filter((o) => o.kind === 'Kustomization');

  test('one kustomize.toolkit.fluxcd.io/v1 Kustomization per layer, on the layer folder, waiting and pruning', () => {
    const ks = kustomizations();
    expect(ks.map((k) => k.spec.path).sort()).toEqual(LAYERS.map((l) => `./dist/${envName}/${l.folder}`).sort());
    for (const k of ks) {
      expect(k.apiVersion).toBe('kustomize.toolkit.fluxcd.io/v1');
      expect(k.metadata.namespace).toBe('flux-system');
      expect(k.spec.wait).toBe(true);
      expect(k.spec.prune).toBe(true);
      expect(k.spec.sourceRef).toEqual({ kind: 'GitRepository', name: `nx-platform-${envName}` });
      expect(env(envName).files.has(`${k.spec.path.replace(`./dist/${envName}/`, '')}/kustomization.yaml`)).toBe(true);
    }
  });

  test("every layer's timeout covers its Jobs' deadlines (the Redis create Job's 30 minutes in 03-data)", () => {
    const byFolder = new Map(kustomizations().map((k) => [k.spec.path.split('/').pop(), k]));
    const minutes = (d: string) => Number(/^(\d+)m$/.exec(d)![1]);
    for (const m of env(envName).manifests) {
      const deadline = (m.object as any).spec?.activeDeadlineSeconds;
      if (m.object.kind === 'Job' && deadline) expect(minutes(byFolder.get(m.folder).spec.timeout) * 60).toBeGreaterThan(deadline);
    }
    expect(minutes(byFolder.get('03-data').spec.timeout)).toBeGreaterThanOrEqual(35);
  });

  test('dependsOn chains the layers in order, so identity migrates and rolls out before the other migrations', () => {
    const byFolder = new Map(kustomizations().map((k) => [k.spec.path.split('/').pop(), k]));
    const before = (folder: string): Set<string> => {
      const seen = new Set<string>();
      const visit = (f: string): void => {
        for (const d of byFolder.get(f)?.spec.dependsOn ?? []) {
          const dep = d.name.replace(`nx-${envName}-`, '');
          if (!seen.has(dep)) {
            seen.add(dep);
            visit(dep);
          }
        }
      };
      visit(folder);
      return seen;
    };
    const folderOf = (kind: string, name: string) => env(envName).manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name)!.folder;
    const identityJob = folderOf('Job', jobName('identity'));
    const identity = folderOf('Deployment', 'nx-identity');
    expect(before(identity)).toContain(identityJob);
    for (const m of OTHER_MIGRATIONS) {
      const jobFolder = folderOf('Job', jobName(m));
      expect([...before(jobFolder)]).toEqual(expect.arrayContaining([identityJob, identity]));
      expect([...before(folderOf('Deployment', `nx-${SERVICE_OF[m] ?? m}`))]).toContain(jobFolder);
    }
    const firstLayer = LAYERS[0].folder;
    expect(byFolder.get(firstLayer).spec.dependsOn).toBeUndefined();
  });

  test('the GitRepository follows the release file: URL, branch, credentials Secret', () => {
    const [source] = folderObjects(envName, 'flux').filter((o) => o.kind === 'GitRepository');
    expect(source.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(source.spec).toEqual({ interval: '1m', url: GITOPS_DEFAULTS.repoURL, ref: { branch: 'main' }, secretRef: { name: 'nx-platform-git' } });
  });

  test('Argo CD: one Application on dist/<env>, automated with prune, pruning last', () => {
    const [app] = folderObjects(envName, 'argocd');
    expect(app.kind).toBe('Application');
    expect(app.spec.source).toEqual({ repoURL: GITOPS_DEFAULTS.repoURL, targetRevision: 'main', path: `dist/${envName}` });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toContain('PruneLast=true');
    expect(app.metadata.finalizers).toBeUndefined();
  });

  test("neither flux/ nor argocd/ is part of the environment's kustomization", () => {
    const root = parse(env(envName).files.get('kustomization.yaml')!);
    expect(root.resources).toEqual(LAYERS.map((l) => l.folder));
  });
});

describe('GitOps inputs (release file `gitops:` block)', () => {
  const input = 'release file x.yaml: \'gitops\'';

  test('defaults for what the block leaves out', () => {
    expect(parseGitOps(input, undefined)).toEqual(GITOPS_DEFAULTS);
    expect(parseGitOps(input, { revision: 'release/2024-10' })).toEqual({ ...GITOPS_DEFAULTS, revision: 'release/2024-10' });
    expect(parseGitOps(input, { repoURL: 'ssh://git@gitlab.bana.com.vn/bana/bana-platform.git', path: '.' }).path).toBe('.');
  });

  test.each([
    ['repoURL', 'http://gitlab.bana.com.vn/x.git', 'allowed: an https:// or ssh:// repository URL'],
    ['repoURL', 'https://user:token@gitlab.bana.com.vn/x.git', 'allowed: an https:// or ssh:// repository URL without a password'],
    ['repoURL', 'git@gitlab.bana.com.vn:bana/x.git', 'allowed: an https:// or ssh:// repository URL'],
    // One repository setting: the GitOps objects may not watch a project the CI fragment does not trigger.
    ['repoURL', 'https://gitlab.bana.com.vn/bana/platform.git', 'allowed: a URL of the project bana/bana-platform'],
    ['revision', 'main..x', 'allowed: a git branch name'],
    ['revision', '-main', 'allowed: a git branch name'],
    ['path', '../elsewhere', "allowed: '.' or a relative folder path"],
    ['path', '/dist', "allowed: '.' or a relative folder path"],
    ['secretName', 'Git_Creds', 'allowed: a DNS-1123 label'],
  ])('fails when %s is %j', (key, value, allowed) => {
    expect(() => parseGitOps(input, { [key]: value })).toThrow(InputError);
    // No message echoes a credential: the password of a URL is masked.
    expect(() => parseGitOps(input, { [key]: value })).toThrow(`${input}.${key}: ${JSON.stringify(value.replace(':token@', ':***@'))} is not valid; ${allowed}`);
  });

  test('fails on an unknown key or a block that is not a mapping', () => {
    expect(() => parseGitOps(input, { url: 'x' })).toThrow(`${input} key: "url" is not valid; allowed: repoURL, revision, path, secretName`);
    expect(() => parseGitOps(input, 'https://x')).toThrow(InputError);
  });

  test('the CLI reads the block from the release file, and --save keeps it', () => {
    const releases = tempDir();
    const out = tempDir();
    fs.writeFileSync(
      path.join(releases, 'production.yaml'),
      'tag: "abc1234"\ngitops:\n  repoURL: "https://git.example.com/bana/bana-platform.git"\n  revision: "prod"\n',
    );
    const io = { stdout: () => {}, stderr: (l: string) => { throw new Error(l); } };
    expect(runCli(PLATFORM, ['--env', 'production', '--out', out, '--release-dir', releases, '--tag', 'def5678', '--save'], {}, io)).toBe(0);
    const app = parse(fs.readFileSync(path.join(out, 'production', 'argocd', 'argocd', 'nx-production.application.yaml'), 'utf8'));
    expect(app.spec.source).toEqual({ repoURL: 'https://git.example.com/bana/bana-platform.git', targetRevision: 'prod', path: 'dist/production' });
    const saved = parse(fs.readFileSync(path.join(releases, 'production.yaml'), 'utf8'));
    // Edited in place: only the tag changes; what the file leaves to the defaults stays left to them.
    expect(saved).toEqual({ tag: 'def5678', gitops: { repoURL: 'https://git.example.com/bana/bana-platform.git', revision: 'prod' } });
  });

  test('fails with one line and writes nothing when the release file has a bad gitops block', () => {
    const releases = tempDir();
    const out = tempDir();
    fs.writeFileSync(path.join(releases, 'production.yaml'), 'tag: "abc1234"\ngitops:\n  repoURL: "http://git.example.com/x.git"\n');
    const stderr: string[] = [];
    expect(runCli(PLATFORM, ['--env', 'production', '--out', out, '--release-dir', releases], {}, { stdout: () => {}, stderr: (l) => stderr.push(l) })).toBe(2);
    expect(stderr).toEqual([`error: release file ${path.join(releases, 'production.yaml')}: 'gitops'.repoURL: "http://git.example.com/x.git" is not valid; allowed: an https:// or ssh:// repository URL without a password, e.g. https://gitlab.example.com/group/repo.git`]);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

const hasBash = spawnSync('bash', ['--version']).status === 0;

(hasBash ? describe : describe.skip)(`the kubectl apply plan (dist/<env>/${APPLY_PLAN}), run against a kubectl that records its calls`, () => {
  const dir = tempDir();
  writeEnvironments(dir, [{ name: 'production', files: env('production').files }]);
  const script = path.join(dir, 'production', APPLY_PLAN);
  const fake = path.join(dir, 'kubectl');
  const log = path.join(dir, 'calls.log');
  fs.writeFileSync(fake, `#!/usr/bin/env bash\necho "$*" >> "${log}"\n`, { mode: 0o755 });

  const run = (...args: string[]): string[] => {
    fs.rmSync(log, { force: true });
    execFileSync('bash', [script, ...args], { env: { ...process.env, KUBECTL: fake }, encoding: 'utf8' });
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  };

  test('applies every layer in folder order', () => {
    const applies = run().filter((c) => c.startsWith('apply -k '));
    expect(applies).toEqual(LAYERS.map((l) => `apply -k ${l.folder}`));
  });

  test("waits for identity's migration, then its rollout, before any other migration; each migration before its Deployment", () => {
    const calls = run();
    const at = (pattern: RegExp): number => {
      const i = calls.findIndex((c) => pattern.test(c));
      expect(i).toBeGreaterThanOrEqual(0);
      return i;
    };
    const folderOf = (kind: string, name: string) => env('production').manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name)!.folder;
    const identityJobWait = at(new RegExp(`^wait -n nx-backend --for=condition=complete job/${jobName('identity')} --timeout=360s$`));
    const identityApply = at(new RegExp(`^apply -k ${folderOf('Deployment', 'nx-identity')}$`));
    const identityRollout = at(/^rollout status -n nx-backend deployment\/nx-identity --timeout=600s$/);
    expect(identityJobWait).toBeLessThan(identityApply);
    expect(identityApply).toBeLessThan(identityRollout);
    for (const m of OTHER_MIGRATIONS) {
      const apply = at(new RegExp(`^apply -k ${folderOf('Job', jobName(m))}$`));
      const wait = at(new RegExp(`^wait -n nx-backend --for=condition=complete job/${jobName(m)} `));
      const service = SERVICE_OF[m] ?? m;
      expect(identityRollout).toBeLessThan(apply);
      expect(wait).toBeLessThan(at(new RegExp(`^apply -k ${folderOf('Deployment', `nx-${service}`)}$`)));
      expect(wait).toBeLessThan(at(new RegExp(`^rollout status -n nx-backend deployment/nx-${service} `)));
    }
    for (const d of objects(env('production'), 'Deployment')) {
      expect(calls).toContain(`rollout status -n ${d.metadata.namespace} deployment/${d.metadata.name} --timeout=600s`);
    }
  });

  test("deletes each service's migration Jobs of earlier releases only after this release's Job completed", () => {
    const calls = run();
    const wait = calls.indexOf(`wait -n nx-backend --for=condition=complete job/${jobName('payment')} --timeout=360s`);
    const prune = calls.indexOf(
      `delete job -n nx-backend -l app.kubernetes.io/name=payment-api,app.kubernetes.io/component=migration --field-selector metadata.name!=${jobName('payment')}`,
    );
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThan(wait);
    expect(calls.filter((c) => c.startsWith('delete ')).length).toBe(migrationsOf(PLATFORM.services).length);
  });

  test('--dry-run prints the commands and runs none; --step selects a staging step', () => {
    fs.rmSync(log, { force: true });
    const printed = execFileSync('bash', [script, '--dry-run'], { env: { ...process.env, KUBECTL: fake }, encoding: 'utf8' });
    expect(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '').toBe('');
    expect(printed).toContain(`+ ${fake} apply -k ${LAYERS[0].folder}`);
    expect(run('--step', '6').filter((c) => c.startsWith('apply -k ')).length).toBe(LAYERS.filter((l) => l.folder.startsWith('06-')).length);
  });

  test('a step with no layer, or --step without a number, fails with one line saying what to do, and applies nothing', () => {
    const cases: [string[], RegExp][] = [
      [['--step', '2'], /^apply\.sh: step 2 \(secrets\) has no layer: .*SECRETS\.md/],
      [['--step', '8'], /^apply\.sh: step 8 \(post-deploy checks\) has no layer: run bash post-deploy-check\.sh/],
      [['--step', '99'], /^apply\.sh: step 99 has no layer \(steps: 0 1 3 /],
      [['--from', '99'], /^apply\.sh: no layer at or after step 99/],
      [['--step'], /^apply\.sh: --step needs a step number/],
    ];
    for (const [args, message] of cases) {
      fs.rmSync(log, { force: true });
      const result = spawnSync('bash', [script, ...args], { env: { ...process.env, KUBECTL: fake }, encoding: 'utf8' });
      expect({ args, status: result.status, lines: result.stderr.trim().split('\n').length, applied: fs.existsSync(log) }).toEqual({ args, status: 2, lines: 1, applied: false });
      expect(result.stderr).toMatch(message);
      expect(result.stdout).not.toContain('applied');
    }
  });

  test('fails on an unknown argument or a step that is not a number', () => {
    for (const args of [['--force'], ['--step', 'six']]) {
      const result = spawnSync('bash', [script, ...args], { env: { ...process.env, KUBECTL: fake }, encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^apply\.sh: /);
    }
  });

  test('stops at the first failing kubectl call (set -e): nothing after a failed migration is applied', () => {
    const failing = path.join(dir, 'kubectl-failing');
    fs.writeFileSync(failing, `#!/usr/bin/env bash\necho "$*" >> "${log}"\ncase "$*" in *"job/${jobName('identity')}"*) exit 1 ;; esac\n`, { mode: 0o755 });
    fs.rmSync(log, { force: true });
    const result = spawnSync('bash', [script], { env: { ...process.env, KUBECTL: failing }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(calls[calls.length - 1]).toContain(`job/${jobName('identity')}`);
    expect(calls.some((c) => c.includes('nx-identity') && c.startsWith('rollout'))).toBe(false);
  });
});
