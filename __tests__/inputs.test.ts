import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../lib/cli/cli';
import { readTree } from '../lib/output/writer';
import { PLATFORM } from '../lib/platform';
import { PlatformSpec, ServiceSpec } from '../lib/platform/types';
import { distSandbox, FIXTURE_SERVICE, ROOT } from './helpers';


function run(args: string[], env: Record<string, string> = {}, platform: PlatformSpec = PLATFORM, box = distSandbox()) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const before = readTree(box.out);
  const releasesBefore = readTree(box.releases);
  const status = runCli(platform, [...args, '--out', box.out, '--release-dir', box.releases], env, {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
  });
  return { status, stdout, stderr, before, after: readTree(box.out), releasesBefore, releasesAfter: readTree(box.releases), box };
}

function expectRejected(result: ReturnType<typeof run>, ...fragments: string[]): void {
  expect(result.status).not.toBe(0);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0]).toMatch(/^error: /);
  for (const f of fragments) expect(result.stderr[0]).toContain(f);
  expect(result.after).toEqual(result.before);
  expect(result.releasesAfter).toEqual(result.releasesBefore);
}

describe('bad inputs stop the run with one line and leave dist/ untouched', () => {
  test('fails when a tag is malformed', () => {
    expectRejected(run(['--tag', 'bad tag!']), '--tag', '"bad tag!"', 'allowed: an image tag');
  });

  test("fails when production is given 'latest'", () => {
    expectRejected(run(['--env', 'production', '--tag', 'latest']), '--tag', '"latest"', "refuses 'latest'");
  });

  test('staging accepts latest (only production refuses it)', () => {
    const r = run(['--env', 'staging', '--tag', 'latest']);
    expect(r.status).toBe(0);
    expect(r.after.get('staging/06-5-services/nx-backend/nx-sale.deployment.yaml')).toContain('image: bcr.bana.com.vn/nx-sale:latest');
  });

  test('fails when a per-service tag names an unknown service', () => {
    expectRejected(run(['--tag', 'payment=abc1234']), '--tag payment', '"payment"', 'allowed: a service of the catalogue');
  });

  test('fails when a per-service tag is empty', () => {
    expectRejected(run(['--tag', 'sale=']), '--tag sale', '""');
  });

  test('fails when the environment is unknown', () => {
    expectRejected(run(['--env', 'prod']), '--env', '"prod"', 'allowed: staging, production');
  });

  test('fails when NX_ENV names an unknown environment', () => {
    expectRejected(run([], { NX_ENV: 'dev' }), 'NX_ENV', '"dev"');
  });

  test('fails when the registry is invalid', () => {
    expectRejected(run([], { NX_REGISTRY: 'https://bcr.bana.com.vn/' }), 'NX_REGISTRY', '"https://bcr.bana.com.vn/"', 'allowed: a registry host');
    expectRejected(run(['--registry', 'BCR bana']), '--registry');
  });

  test('fails when NX_TAG is malformed', () => {
    expectRejected(run([], { NX_TAG: 'identity=no/slash' }), 'NX_TAG identity', '"no/slash"');
  });

  test('fails when an option is unknown or lacks its value', () => {
    expectRejected(run(['--tags', 'x']), 'command line argument', '"--tags"', 'allowed: --env');
    expectRejected(run(['--tag']), '--tag', 'followed by a value');
  });

  test('fails when the release file is missing, malformed or names an unknown service', () => {
    const box = distSandbox();
    fs.writeFileSync(path.join(box.releases, 'production.yaml'), 'tag: abc1234\ntags:\n  nope: abc1234\n');
    expectRejected(run([], {}, PLATFORM, box), 'production.yaml', "'tags' key", '"nope"');
    fs.writeFileSync(path.join(box.releases, 'production.yaml'), 'tag: [unclosed\n');
    expectRejected(run([], {}, PLATFORM, box), 'production.yaml', 'valid YAML');
    fs.writeFileSync(path.join(box.releases, 'production.yaml'), 'tag: 1234567\n');
    expectRejected(run([], {}, PLATFORM, box), "'tag'", '1234567', 'quote tags');
    fs.writeFileSync(path.join(box.releases, 'production.yaml'), 'tag: latest\n');
    expectRejected(run([], {}, PLATFORM, box), "'tag'", "refuses 'latest'");
    fs.writeFileSync(path.join(box.releases, 'production.yaml'), 'tag: abc1234\nimage: x\n');
    expectRejected(run([], {}, PLATFORM, box), 'key', '"image"', 'allowed: registry, tag, tags');
    fs.rmSync(path.join(box.releases, 'production.yaml'));
    expectRejected(run([], {}, PLATFORM, box), "release file of environment 'production'");
  });

  test('fails when the network block of a release file is invalid', () => {
    const box = distSandbox();
    const base = fs.readFileSync(path.join(box.releases, 'production.yaml'), 'utf8');
    const cases: [string, string[]][] = [
      ['network:\n  apiServerCidrs: [10.0.0.1/8]\n', ["'network'.apiServerCidrs", '"10.0.0.1/8"', 'no host bits']],
      ['network:\n  apiServerCidrs: []\n', ["'network'.apiServerCidrs", 'at least one']],
      ['network:\n  apiServerPorts: [0]\n', ["'network'.apiServerPorts", 'TCP ports']],
      ['network:\n  podCidrs: nope\n', ["'network'.podCidrs", '"nope"']],
      ['network:\n  nodeLocalDns: 169.254.20\n', ["'network'.nodeLocalDns", 'IPv4 address']],
      ['network:\n  adminSourceRanges: [0.0.0.0/0]\n', ["'network'.adminSourceRanges", '"0.0.0.0/0"', 'admin UI open to every address']],
      ['network:\n  adminAuthUrl: http://auth.example.com/oauth2/auth\n', ["'network'.adminAuthUrl", 'https://']],
      ['network:\n  adminAuthSignin: https://auth.example.com/start\n', ["'network'.adminAuthSignin", 'only together with adminAuthUrl']],
      ['network:\n  adminAuthCidrs: [192.0.2.0/24]\n', ["'network'.adminAuthCidrs", 'only together with adminAuthUrl']],
      ['network:\n  apiserver: [10.0.0.0/8]\n', ["'network' key", '"apiserver"', 'allowed: apiServerCidrs']],
    ];
    for (const [block, fragments] of cases) {
      fs.writeFileSync(path.join(box.releases, 'production.yaml'), base + block);
      expectRejected(run([], {}, PLATFORM, box), 'production.yaml', ...fragments);
    }
  });

  test('an error in the second environment writes neither', () => {
    const box = distSandbox();
    fs.writeFileSync(path.join(box.releases, 'production.yaml'), 'tag: latest\n');
    const r = run(['--tag', 'sale=feed123'], {}, PLATFORM, box);
    expectRejected(r, 'production.yaml');
  });
});

describe('the platform description is validated the same way', () => {
  const withServices = (services: ServiceSpec[]): PlatformSpec => ({ ...PLATFORM, services });
  const base = PLATFORM.services;

  test('fails when a service is listed twice', () => {
    expectRejected(run([], {}, withServices([...base, base[2]])), "service 'sale'", 'each service name once');
  });

  test('fails when a name is not a DNS-1123 label', () => {
    expectRejected(run([], {}, withServices([...base, { name: 'Loyalty_API', tier: 'backend', ha: false }])), "'name'", '"Loyalty_API"', 'DNS-1123');
  });

  test('fails when an HA service has fewer than 2 replicas', () => {
    const svc: ServiceSpec = { name: FIXTURE_SERVICE, tier: 'backend', ha: true, replicas: { staging: { min: 1, max: 1 } } };
    expectRejected(run([], {}, withServices([...base, svc])), `service '${FIXTURE_SERVICE}'`, "'replicas.staging'.min", '2 or more');
  });

  test('fails when maxReplicas < minReplicas', () => {
    const svc: ServiceSpec = { name: FIXTURE_SERVICE, tier: 'backend', ha: true, replicas: { production: { min: 4, max: 3 } } };
    expectRejected(run([], {}, withServices([...base, svc])), "'replicas.production'.max", '3', ">= 'min' (4)");
  });

  test('fails when two services claim the same migration order', () => {
    const taken = base.find((s) => s.migration && s.name !== 'identity')!;
    const svc: ServiceSpec = { name: FIXTURE_SERVICE, tier: 'backend', ha: false, migration: { order: taken.migration!.order } };
    expectRejected(run([], {}, withServices([...base, svc])), "'migration.order'", `'${taken.name}' has it`);
  });

  test('fails when a config key is not an environment variable name', () => {
    const svc: ServiceSpec = { name: FIXTURE_SERVICE, tier: 'backend', ha: false, config: { 'bad-key': 'x' } };
    expectRejected(run([], {}, withServices([...base, svc])), "'config' key", '"bad-key"');
  });
});

describe('good inputs', () => {
  test('a per-service tag changes only that service', () => {
    const r = run(['--tag', 'sale=feed123']);
    expect(r.status).toBe(0);
    const changed = [...r.after.keys()].filter((f) => r.after.get(f) !== r.before.get(f));
    expect(changed.length).toBeGreaterThan(0);
    // sale's own files, the file lists, and the generated documents at the environment's root.
    const foreign = changed.filter((f) => !(/nx-sale[.-]/.test(f) || f.endsWith('kustomization.yaml') || /^(staging|production)\/[^/]+\.(md|sh)$/.test(f)));
    expect(foreign).toEqual([]);
    expect(r.after.get('production/06-5-services/nx-backend/nx-sale.deployment.yaml')).toContain('nx-sale:feed123');
  });

  test('--env writes one environment and leaves the other folder alone', () => {
    const box = distSandbox();
    fs.writeFileSync(path.join(box.out, 'production', 'marker.txt'), 'kept');
    // A file an earlier run generated (it has the mark) and this run no longer does.
    fs.writeFileSync(path.join(box.out, 'staging', 'stale.yaml'), '# Generated by `npm run synth` from lib/: do not edit by hand.\n');
    const r = run(['--env', 'staging', '--tag', 'feed123'], {}, PLATFORM, box);
    expect(r.status).toBe(0);
    expect(r.after.get('production/marker.txt')).toBe('kept');
    expect(r.after.has('staging/stale.yaml')).toBe(false);
    expect(r.stdout).toEqual([expect.stringMatching(/^staging: \d+ objects in \d+ files/)]);
  });

  test('--save writes the tags into the release file, and a plain synth then reproduces the same dist', () => {
    const box = distSandbox();
    const saved = run(['--env', 'production', '--tag', 'feed123', '--tag', 'identity=cafe456', '--save'], {}, PLATFORM, box);
    expect(saved.status).toBe(0);
    const file = saved.releasesAfter.get('production.yaml')!;
    expect(file).toContain('tag: "feed123"');
    expect(file).toContain('identity: "cafe456"');
    expect(saved.releasesAfter.get('staging.yaml')).toBe(saved.releasesBefore.get('staging.yaml'));
    const again = run([], {}, PLATFORM, box);
    expect(again.status).toBe(0);
    expect(again.after).toEqual(saved.after);
  });

  test('the network block reaches the policies and the edge, and --save keeps it', () => {
    const box = distSandbox();
    const file = path.join(box.releases, 'production.yaml');
    fs.appendFileSync(
      file,
      'network:\n  apiServerCidrs: [172.20.0.10/32]\n  apiServerPorts: [6443]\n  podCidrs: [10.42.0.0/16]\n  objectStorageCidrs: [198.51.100.0/24]\n' +
        '  nodeLocalDns: 169.254.20.10\n  adminSourceRanges: [203.0.113.0/24]\n  adminAuthUrl: https://auth.bana.com.vn:8443/oauth2/auth\n  adminAuthCidrs: [192.0.2.44/32]\n',
    );
    const r = run(['--env', 'production'], {}, PLATFORM, box);
    expect(r.status).toBe(0);
    const egress = r.after.get('production/01-network/nx-internal/allow-egress-velero.networkpolicy.yaml')!;
    expect(egress).toContain('cidr: 172.20.0.10/32');
    expect(egress).toContain('cidr: 198.51.100.0/24');
    expect(egress).not.toContain('0.0.0.0/0');
    expect(r.after.get('production/01-network/nx-backend/allow-dns.networkpolicy.yaml')).toContain('cidr: 169.254.20.10/32');
    expect(r.after.get('production/05-gateway/nx-internal/traefik.deployment.yaml')).toContain('--entryPoints.web.forwardedHeaders.trustedIPs=10.42.0.0/16');
    const portainer = r.after.get('production/07-routes/portainer/portainer-ingress.ingress.yaml')!;
    expect(portainer).toContain('nginx.ingress.kubernetes.io/whitelist-source-range: 203.0.113.0/24');
    expect(portainer).toContain('nginx.ingress.kubernetes.io/auth-url: https://auth.bana.com.vn:8443/oauth2/auth');
    // ingress-nginx reaches the auth endpoint on its port, at its addresses only.
    const nginxEgress = r.after.get('production/01-network/nx-internal/allow-egress-ingress-nginx.networkpolicy.yaml')!;
    expect(nginxEgress).toMatch(/- port: 8443\n\s+protocol: TCP\n\s+to:\n\s+- ipBlock:\n\s+cidr: 192.0.2.44\/32/);
    expect(nginxEgress).not.toContain('0.0.0.0/0');
    const saved = run(['--env', 'production', '--tag', 'feed123', '--save'], {}, PLATFORM, box);
    expect(saved.status).toBe(0);
    // Edited in place: the file as it was (comments, network block, its spelling), with only the tag changed.
    expect(saved.releasesAfter.get('production.yaml')).toBe(saved.releasesBefore.get('production.yaml')!.replace(/^tag: .*$/m, 'tag: "feed123"'));
    expect(saved.after).toEqual(run([], {}, PLATFORM, box).after);
  });

  test('NX_REGISTRY sets the registry of every image', () => {
    const r = run(['--env', 'staging'], { NX_REGISTRY: 'registry.example.com:5000/bana' });
    expect(r.status).toBe(0);
    expect(r.after.get('staging/06-5-services/nx-app/nx-bo.deployment.yaml')).toContain('image: registry.example.com:5000/bana/nx-bo:');
  });
});

describe('the built command', () => {
  const bundle = path.join(ROOT, '.build', 'main.js');

  test('prints one error line, no stack trace, exits non-zero and writes nothing', () => {
    const box = distSandbox();
    const before = readTree(box.out);
    const r = spawnSync(process.execPath, [bundle, '--env', 'production', '--tag', 'latest', '--out', box.out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: --tag: "latest" is not valid; allowed: /)]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readTree(box.out)).toEqual(before);
  });
});
