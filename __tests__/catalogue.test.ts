import { runCli } from '../lib/cli/cli';
import { PLATFORM } from '../lib/platform';
import { migrationsOf } from '../lib/platform/migrations';
import { PlatformSpec, ServiceSpec } from '../lib/platform/types';
import { validatePlatform } from '../lib/platform/validate';
import { synthesizePlatform } from '../lib/synth/synthesize';
import { FIXTURE_SERVICE, FIXTURE_TAG, overrides, RELEASE_DIR, tempDir } from './helpers';

/**
 * "Adding a service" (the README's tour, docs/services.md) on an in-memory copy of the catalogue: the checks the
 * suites derive from the catalogue hold for the copy too, so a team that adds a service passes `npm test` without
 * touching a test.
 */
describe('adding a service as the README says', () => {
  const order = Math.max(...migrationsOf(PLATFORM.services).map((m) => m.spec.order)) + 1;
  const added: ServiceSpec = { name: FIXTURE_SERVICE, tier: 'backend', ha: false, uses: ['postgres', 'kafka'], topics: { produces: [`nx.${FIXTURE_SERVICE}.`], consumes: ['nx.sale.'] }, migration: { order } };
  const platform: PlatformSpec = { ...PLATFORM, services: [...PLATFORM.services, added] };

  test.each(['staging', 'production'] as const)('%s: the new service gets its workload, its migration Job, and every catalogue-derived count grows by one', (name) => {
    const [env] = synthesizePlatform(platform, overrides({ environments: [name], tag: { value: FIXTURE_TAG, input: 'test' } }), RELEASE_DIR);
    const objects = env.manifests.map((m) => m.object);
    const deployments = objects.filter((o) => o.kind === 'Deployment' && /^nx-(backend|app)$/.test(o.metadata.namespace ?? ''));
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(platform.services.map((s) => `nx-${s.name}`).sort());
    const jobs = objects.filter((o) => o.kind === 'Job' && o.metadata.namespace === 'nx-backend').map((o) => o.metadata.name).sort();
    expect(jobs).toEqual(migrationsOf(platform.services).map((m) => `nx-${m.name}-migrate-${FIXTURE_TAG}`).sort());
    expect(env.files.has(`06-4-migrations/nx-backend/nx-${FIXTURE_SERVICE}-migrate-${FIXTURE_TAG}.job.yaml`)).toBe(true);
  });
});

/** The platform description is input: its shape is checked at the door, one line, exit 2, nothing written. */
describe('a broken catalogue is refused at the door', () => {
  const withService = (name: string, change: (s: ServiceSpec) => unknown): PlatformSpec =>
    ({ ...PLATFORM, services: PLATFORM.services.map((s) => (s.name === name ? change(s) : s)) }) as PlatformSpec;
  const cases: [string, PlatformSpec, string][] = [
    ['an unknown store', withService('sale', (s) => ({ ...s, uses: ['mongodb'] })), `service 'sale'.uses[0]: "mongodb" is not valid; allowed: one of 'postgres', 'redis', 'kafka', 'typesense'`],
    ['an unknown tier', withService('sale', (s) => ({ ...s, tier: 'worker' })), `service 'sale'.tier: "worker" is not valid; allowed: one of 'backend', 'frontend'`],
    ['ha as a string', withService('sale', (s) => ({ ...s, ha: 'yes' })), `service 'sale'.ha: "yes" is not valid; allowed: true or false`],
    ['an unknown field', withService('sale', (s) => ({ ...s, replica: 2 })), `service 'sale' key: "replica" is not valid; allowed: name, tier, ha`],
    ['a 60-character public frontend (its Ingress public-<name> would pass 63)', { ...PLATFORM, services: [...PLATFORM.services, { name: `f${'x'.repeat(59)}`, tier: 'frontend', ha: false }] }, `'name': "f${'x'.repeat(59)}" is not valid; allowed: a DNS-1123 label of at most 56 characters`],
    ['no identity', { ...PLATFORM, services: PLATFORM.services.filter((s) => s.name !== 'identity') }, `service 'identity': null is not valid; allowed: the catalogue keeps the backend 'identity'`],
  ];
  test.each(cases)('%s', (_, platform, message) => {
    expect(() => validatePlatform(platform)).toThrow(message);
    const stderr: string[] = [];
    const out = tempDir();
    const status = runCli(platform, ['--out', out, '--release-dir', RELEASE_DIR], {}, { stdout: () => {}, stderr: (l) => stderr.push(l) });
    expect({ status, stderr }).toEqual({ status: 2, stderr: [expect.stringContaining(message)] });
    expect(require('fs').readdirSync(out)).toEqual([]);
  });
});

/** The bench's generated platform is a valid catalogue, so `npm run bench` measures synthesis, not an error. */
describe("the bench's generated platform", () => {
  test('1,000 services pass the catalogue checks and synthesize', () => {
    const { generatedPlatform } = require('../lib/bench/generated-platform');
    const platform: PlatformSpec = generatedPlatform(1000);
    expect(platform.services.length).toBe(1000);
    expect(() => validatePlatform(platform)).not.toThrow();
    const [env] = synthesizePlatform(generatedPlatform(60), overrides({ environments: ['staging'], tag: { value: FIXTURE_TAG, input: 'test' } }), RELEASE_DIR);
    expect(env.manifests.filter((m) => m.object.kind === 'Deployment' && m.object.metadata.name.startsWith('nx-svc-')).length).toBe(60 - PLATFORM.services.length);
  });
});
