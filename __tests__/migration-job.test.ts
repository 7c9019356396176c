import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { runCli } from '../lib/cli/cli';
import { MigrationJob } from '../lib/constructs/workload/migration-job';
import { PLATFORM } from '../lib/platform';
import { capabilityLabels } from '../lib/platform/capabilities';
import { STORE_ENDPOINTS } from '../lib/platform/endpoints';
import { InputError } from '../lib/platform/errors';
import { MAX_MIGRATION_NAME_LENGTH, migrationJobName, migrationsOf, migrationVersion } from '../lib/platform/migrations';
import { isDnsLabel } from '../lib/platform/rules';
import { PlatformSpec, ServiceSpec } from '../lib/platform/types';
import { validatePlatform } from '../lib/platform/validate';
import { readTree } from '../lib/output/writer';
import { env, FIXTURE_TAG, objects, RELEASE_DIR, synthEnv, tempDir } from './helpers';

// From the catalogue (adding a service needs no test change); the page's seven are checked below.
const MIGRATIONS = migrationsOf(PLATFORM.services).map((m) => ({ service: m.service.name, name: m.name, order: m.spec.order }));
const PAGE_MIGRATIONS = [
  { service: 'identity', name: 'identity', order: 1 },
  { service: 'commerce', name: 'commerce', order: 2 },
  { service: 'sale', name: 'sale', order: 3 },
  { service: 'finance', name: 'finance', order: 4 },
  { service: 'inventory', name: 'inventory', order: 5 },
  { service: 'pricing', name: 'pricing', order: 6 },
  { service: 'payment-api', name: 'payment', order: 7 },
];
const POOL = { staging: 'default', production: 'app' } as const;
const PRIMARY = 'nx-postgresql-primary.nx-persistent.svc.cluster.local';
const IDENTITY_HEALTH = 'http://nx-identity.nx-backend.svc.cluster.local:3000/v1/api/identity/health';

function jobs(name: 'staging' | 'production'): any[] {
  return objects(env(name), 'Job').filter((j) => j.metadata.labels?.['app.kubernetes.io/component'] === 'migration');
}

describe.each(['staging', 'production'] as const)('migration Jobs in %s', (envName) => {
  test('one Job per service that declares a migration, none for the others', () => {
    expect(jobs(envName).map((j) => j.metadata.name).sort()).toEqual(MIGRATIONS.map((m) => `nx-${m.name}-migrate-${FIXTURE_TAG}`).sort());
  });

  test("the operations page's migrations, in the page's order", () => {
    const names = PAGE_MIGRATIONS.map((m) => m.service);
    expect(MIGRATIONS.filter((m) => names.includes(m.service))).toEqual(PAGE_MIGRATIONS);
  });

  describe.each(MIGRATIONS)('$name', (m) => {
    const job = () => jobs(envName).find((j) => j.metadata.name === `nx-${m.name}-migrate-${FIXTURE_TAG}`);
    const pod = () => job().spec.template.spec;

    test("its pods carry the service's capability labels, which the stores' network policies admit", () => {
      const service = PLATFORM.services.find((s) => s.name === m.service)!;
      expect(job().spec.template.metadata.labels).toMatchObject(capabilityLabels(service));
      expect(job().spec.template.metadata.labels['platform.bana.com.vn/uses-postgres']).toBe('true');
    });

    test('metadata: namespace nx-backend, labels name and component=migration on the Job and its pods', () => {
      expect(job().apiVersion).toBe('batch/v1');
      expect(job().metadata.namespace).toBe('nx-backend');
      for (const labels of [job().metadata.labels, job().spec.template.metadata.labels]) {
        expect(labels['app.kubernetes.io/name']).toBe(m.service);
        expect(labels['app.kubernetes.io/component']).toBe('migration');
      }
    });

    test('Job spec: backoffLimit 3, activeDeadlineSeconds 300, restartPolicy OnFailure, no TTL', () => {
      expect(job().spec.backoffLimit).toBe(3);
      expect(job().spec.activeDeadlineSeconds).toBe(300);
      expect(job().spec).not.toHaveProperty('ttlSecondsAfterFinished');
      expect(pod().restartPolicy).toBe('OnFailure');
    });

    test('pod: node pool of the environment, bcr-registry, batch priority, restricted, no token', () => {
      expect(pod().nodeSelector).toEqual({ 'node.kubernetes.io/pool': POOL[envName] });
      expect(pod().imagePullSecrets).toEqual([{ name: 'bcr-registry' }]);
      expect(pod().priorityClassName).toBe('nx-batch');
      expect(pod().automountServiceAccountToken).toBe(false);
      expect(pod().securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of [...pod().initContainers, ...pod().containers]) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
      }
    });

    test("init containers: wait-for-db on the primary; wait-for-identity for every migration but identity's own", () => {
      const init = pod().initContainers;
      const db = init.find((c: any) => c.name === 'wait-for-db');
      expect(db.image).toMatch(/^postgres:16\.\d+-alpine[0-9.]*@sha256:[a-f0-9]{64}$/);
      expect(db.command).toEqual(['sh', '-c', `until pg_isready -h ${PRIMARY} -p 5432; do sleep 2; done`]);
      // postgres:16-alpine's passwd lists root and postgres (uid 70) only: any other uid needs a user name,
      // or libpq makes no attempt and pg_isready answers "no attempt" for ever.
      const uid = db.securityContext?.runAsUser ?? pod().securityContext.runAsUser;
      if (![0, 70].includes(uid)) expect((db.env ?? []).find((e: any) => e.name === 'PGUSER')?.value).toMatch(/^[a-z_][a-z0-9_]*$/);
      const identity = init.find((c: any) => c.name === 'wait-for-identity');
      if (m.service === 'identity') {
        expect(init.map((c: any) => c.name)).toEqual(['wait-for-db']);
      } else {
        expect(init.map((c: any) => c.name)).toEqual(['wait-for-identity', 'wait-for-db']);
        expect(identity.image).toMatch(/^busybox:1\.36@sha256:[a-f0-9]{64}$/);
        expect(identity.command[2]).toContain(`wget -qO- ${IDENTITY_HEALTH}`);
        expect(identity.command[2]).toContain('sleep 2');
      }
    });

    test("container migrate: the service's own image and tag, bun run migrate, the four envFrom sources, resources", () => {
      const [migrate] = pod().containers;
      expect(pod().containers).toHaveLength(1);
      expect(migrate.name).toBe('migrate');
      expect(migrate.image).toBe(`bcr.bana.com.vn/nx-${m.service === 'payment-api' ? 'payment' : m.service}:${FIXTURE_TAG}`);
      expect(migrate.command).toEqual(['bun', 'run', 'migrate']);
      expect(migrate.envFrom).toEqual([
        { configMapRef: { name: 'nx-shared-config' } },
        { configMapRef: { name: `nx-${m.service}-config` } },
        { secretRef: { name: 'nx-shared-secret' } },
        { secretRef: { name: `nx-${m.service}-secret` } },
      ]);
      expect(migrate.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
      expect(pod().metadata?.annotations ?? job().spec.template.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/default-container': 'migrate' });
    });

    test('connects to the PostgreSQL primary, not the pooler that envFrom names', () => {
      const [migrate] = pod().containers;
      expect(STORE_ENDPOINTS.postgres.DATABASE_HOST).not.toBe(PRIMARY);
      expect(migrate.env).toEqual([{ name: 'DATABASE_HOST', value: STORE_ENDPOINTS.postgres.DATABASE_PRIMARY_HOST }]);
      expect(migrate.env[0].value).toBe(PRIMARY);
    });

    test("the service's Service does not select the Job's pods", () => {
      const service = objects(env(envName), 'Service').find((s) => s.metadata.name === `nx-${m.service}`) as any;
      const labels = job().spec.template.metadata.labels;
      const selected = Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v);
      expect(selected).toBe(false);
    });
  });
});

describe('Job names: nx-<name>-migrate-<version>', () => {
  test("the version is the tag itself when it fits (the production script waits on job/nx-identity-migrate-$TAG)", () => {
    expect(migrationJobName('identity', '4f1c2a9')).toBe('nx-identity-migrate-4f1c2a9');
    const sha = '4f1c2a9e8d7c6b5a4f1c2a9e8d7c6b5a4f1c2a9e';
    expect(migrationJobName('inventory', sha)).toBe(`nx-inventory-migrate-${sha}`);
    expect(migrationJobName('identity', 'v1-2-3')).toBe('nx-identity-migrate-v1-2-3');
  });

  test('a tag that is not valid in a name is shortened: readable part, then 8 hex digits of its hash', () => {
    expect(migrationVersion('identity', 'V1.2.3')).toMatch(/^v1-2-3-[0-9a-f]{8}$/);
    expect(migrationVersion('identity', 'release_2024.10')).toMatch(/^release-2024-10-[0-9a-f]{8}$/);
    expect(migrationVersion('identity', '_')).toMatch(/^[0-9a-f]{8}$/);
    expect(migrationVersion('identity', 'x-')).toMatch(/^x-[0-9a-f]{8}$/);
  });

  test('a tag too long for the name is cut to fit 63 characters, and the hash tells long tags apart', () => {
    const a = `${'a'.repeat(100)}1`;
    const b = `${'a'.repeat(100)}2`;
    const nameA = migrationJobName('payment', a);
    expect(nameA.length).toBeLessThanOrEqual(63);
    expect(nameA).toMatch(/^nx-payment-migrate-a+-[0-9a-f]{8}$/);
    expect(migrationJobName('payment', b)).not.toBe(nameA);
    // Exactly at the limit the tag is kept; one character more and it is shortened.
    const room = 63 - 'nx-identity-migrate-'.length;
    expect(migrationVersion('identity', '9'.repeat(room))).toBe('9'.repeat(room));
    expect(migrationVersion('identity', '9'.repeat(room + 1))).toMatch(/^9+-[0-9a-f]{8}$/);
  });

  test('for 5,000 generated tags of every shape the inputs accept: valid, stable, and distinct names', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';
    // A 32-bit xorshift: deterministic, and exact in JavaScript numbers (an LCG on doubles loses bits).
    let seed = 42;
    const random = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const tags = new Set<string>();
    while (tags.size < 5000) {
      const length = 1 + random(128);
      let tag = alphabet[random(63)]; // first character: no '.' or '-'
      while (tag.length < length) tag += alphabet[random(alphabet.length)];
      tags.add(tag);
    }
    const longest = 'x'.repeat(MAX_MIGRATION_NAME_LENGTH);
    for (const name of ['identity', 'payment', longest]) {
      const names = new Map<string, string>();
      for (const tag of tags) {
        const job = migrationJobName(name, tag);
        expect(isDnsLabel(job, 63)).toBe(true);
        expect(migrationJobName(name, tag)).toBe(job);
        expect(names.get(job)).toBeUndefined();
        names.set(job, tag);
      }
    }
  });

  test("changing one service's tag renames only that service's Job, and changes no other service's file", () => {
    const before = env('production');
    const after = synthEnv('production', { tags: [{ service: 'sale', value: 'def5678', input: 'test' }] });
    const names = (s: typeof before) => objects(s, 'Job').filter((j) => j.metadata.labels?.['app.kubernetes.io/component'] === 'migration').map((j) => j.metadata.name).sort();
    const renamed = names(after).filter((n) => !names(before).includes(n));
    expect(renamed).toEqual(['nx-sale-migrate-def5678']);
    expect(names(before).filter((n) => !names(after).includes(n))).toEqual([`nx-sale-migrate-${FIXTURE_TAG}`]);
    const changed = [...new Set([...before.files.keys(), ...after.files.keys()])].filter((f) => before.files.get(f) !== after.files.get(f)).sort();
    // sale's own objects (its version label and image), the renamed Job, the file list that names it, and the
    // generated documents that name Jobs (overview, Secret inventory, apply plan, post-deploy checks).
    const others = changed.filter((f) => !/\/nx-sale(\.|-migrate-)/.test(f));
    expect(others).toEqual(['06-4-migrations/kustomization.yaml', 'README.md', 'SECRETS.md', 'apply.sh', 'post-deploy-check.sh']);
    expect(changed).toContain(`06-4-migrations/nx-backend/nx-sale-migrate-${FIXTURE_TAG}.job.yaml`);
    expect(changed).toContain('06-4-migrations/nx-backend/nx-sale-migrate-def5678.job.yaml');
  });

  test('the payment migration runs payment-api\'s image and follows payment-api\'s tag', () => {
    const synth = synthEnv('production', { tags: [{ service: 'payment-api', value: 'pay1234', input: 'test' }] });
    const job = objects(synth, 'Job').find((j) => j.metadata.name === 'nx-payment-migrate-pay1234') as any;
    expect(job.spec.template.spec.containers[0].image).toBe('bcr.bana.com.vn/nx-payment:pay1234');
  });
});

describe('bad inputs', () => {
  test('fails when a tag cannot make a valid name or image reference: one line, exit 2, dist/ untouched', () => {
    const out = tempDir();
    fs.mkdirSync(path.join(out, 'production'));
    fs.writeFileSync(path.join(out, 'production', 'marker'), 'before');
    for (const bad of ['feature/login', '-x', '.hidden', 'a'.repeat(129), 'tag with space']) {
      const stderr: string[] = [];
      const status = runCli(PLATFORM, ['--env', 'production', '--out', out, '--release-dir', RELEASE_DIR, '--tag', `identity=${bad}`], {}, { stdout: () => {}, stderr: (l) => stderr.push(l) });
      expect(status).toBe(2);
      expect(stderr).toHaveLength(1);
      expect(stderr[0]).toContain('--tag identity');
      expect(stderr[0]).toContain(JSON.stringify(bad));
      expect(stderr[0]).toContain('allowed: an image tag');
    }
    expect([...readTree(out).entries()]).toEqual([['production/marker', 'before']]);
  });

  const withService = (name: string, change: (s: ServiceSpec) => ServiceSpec): PlatformSpec => ({
    ...PLATFORM,
    services: PLATFORM.services.map((s) => (s.name === name ? change(s) : s)),
  });

  test("fails when identity's migration is not the first", () => {
    const last = Math.max(...MIGRATIONS.map((m) => m.order)) + 1;
    const platform = withService('identity', (s) => ({ ...s, migration: { order: last } }));
    const second = MIGRATIONS[1];
    expect(() => validatePlatform(platform)).toThrow(InputError);
    expect(() => validatePlatform(platform)).toThrow(`service 'identity': 'migration.order': ${last} is not valid; allowed: the lowest order of the catalogue (${second.order}, '${second.service}' has it)`);
  });

  test('fails when a migration name leaves no room for the version in a 63-character Job name', () => {
    const platform = withService('sale', (s) => ({ ...s, migration: { order: 3, name: 'x'.repeat(MAX_MIGRATION_NAME_LENGTH + 1) } }));
    expect(() => validatePlatform(platform)).toThrow(`service 'sale': 'migration.name'`);
    expect(() => validatePlatform(withService('sale', (s) => ({ ...s, migration: { order: 3, name: 'x'.repeat(MAX_MIGRATION_NAME_LENGTH) } })))).not.toThrow();
  });

  test('fails when a MigrationJob is built for a service without a migration, or waits for itself', () => {
    const chart = new Chart(new App(), 'test');
    const environment = PLATFORM.environments[0];
    const release = { registry: 'bcr.bana.com.vn', tag: FIXTURE_TAG, tags: {} };
    const ledger = PLATFORM.services.find((s) => s.name === 'ledger')!;
    const sale = PLATFORM.services.find((s) => s.name === 'sale')!;
    expect(() => new MigrationJob(chart, 'a', { service: ledger, environment, release })).toThrow(
      new InputError("MigrationJob 'ledger': 'service.migration'", null, 'allowed: a service that declares a migration (only those get a Job)'),
    );
    expect(() => new MigrationJob(chart, 'b', { service: sale, environment, release, waitFor: sale })).toThrow(
      new InputError("MigrationJob 'sale': 'waitFor'", 'sale', 'allowed: another service (a service may need this migration before it is healthy)'),
    );
  });
});
