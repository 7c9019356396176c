import { parse } from 'yaml';
import { ciFiles } from '../lib/ci/gitlab-ci';
import { PLATFORM } from '../lib/platform';
import { namespaceOf, packageOf } from '../lib/platform/conventions';
import { PlatformSpec, ServiceSpec } from '../lib/platform/types';
import { synthesizePlatform } from '../lib/synth/synthesize';
import { env, ENVIRONMENT_NAMES, FIXTURE_SERVICE, FIXTURE_TAG, overrides, RELEASE_DIR } from './helpers';

/** Every output file, `<env>/<path>` → content, including the CI fragment. */
function tree(platform: PlatformSpec = PLATFORM, tags: { service: string; value: string }[] = []): Map<string, string> {
  const result = new Map<string, string>();
  const envs = synthesizePlatform(platform, overrides({ tag: { value: FIXTURE_TAG, input: 'test' }, tags: tags.map((t) => ({ ...t, input: 'test' })) }), RELEASE_DIR);
  for (const e of envs) for (const [file, content] of e.files) result.set(`${e.environment.name}/${file}`, content);
  for (const [file, content] of ciFiles(platform).files) result.set(`ci/${file}`, content);
  return result;
}

/** A manifest file: `<env>/<layer>/<namespace>/<name>.<kind>.yaml`; kustomization files and documents are not. */
const isManifest = (file: string) => file.split('/').length === 4 && file.endsWith('.yaml') && !file.endsWith('/kustomization.yaml');
/** A generated document at the root of an environment folder (README.md, SECRETS.md, apply.sh, ...). */
const isDocument = (file: string) => /^(staging|production)\/[^/]+\.(md|sh)$/.test(file);
const owner = (content: string) => (parse(content) as any)?.metadata?.labels?.['app.kubernetes.io/name'];

function changes(a: Map<string, string>, b: Map<string, string>) {
  const files = [...new Set([...a.keys(), ...b.keys()])].sort();
  return files
    .filter((f) => a.get(f) !== b.get(f))
    .map((f) => ({ file: f, owners: isManifest(f) ? [a.get(f), b.get(f)].filter((c): c is string => c !== undefined).map(owner) : [] }));
}

/**
 * The files adding a service to `namespace` may rewrite besides its own: kustomization lists, the generated
 * documents of an environment (.md, .sh), the CI fragment, and the derived totals of that namespace (its
 * ResourceQuota and LimitRange). Nothing broader.
 */
function mayChangeOnAdd(file: string, content: string, namespace: string): boolean {
  if (file.startsWith('ci/')) return true;
  if (file.endsWith('/kustomization.yaml')) return true;
  if (!isManifest(file)) return file.split('/').length === 2 && /\.(md|sh)$/.test(file);
  const object = parse(content) as any;
  return ['ResourceQuota', 'LimitRange'].includes(object.kind) && object.metadata.namespace === namespace;
}

/** `tree()` from the suites' shared synth (synthesized once per jest run, in another process). */
function sharedTree(): Map<string, string> {
  const result = new Map<string, string>();
  for (const name of ENVIRONMENT_NAMES) for (const [file, content] of env(name).files) result.set(`${name}/${file}`, content);
  for (const [file, content] of ciFiles(PLATFORM).files) result.set(`ci/${file}`, content);
  return result;
}

describe('determinism and locality', () => {
  const before = sharedTree();

  test('two synths are byte-identical, documents and the CI fragment included', () => {
    expect([...tree()]).toEqual([...before]);
  });

  test.each(PLATFORM.services.map((s) => s.name))("changing %s's tag changes only the files of its image's services (and lists and overviews)", (service) => {
    // A tag belongs to an image: payment-api's tag is nx-payment's, so payment-worker moves with it.
    const pkg = packageOf(PLATFORM.services.find((s) => s.name === service)!);
    const mine = new Set(PLATFORM.services.filter((s) => packageOf(s) === pkg).map((s) => s.name));
    const after = tree(PLATFORM, [{ service, value: 'f00dfee' }]);
    const changed = changes(before, after);
    expect(changed.filter((c) => isManifest(c.file)).length).toBeGreaterThan(0);
    // Besides its own manifests: file lists and the generated documents (overview, inventory, plan, checks).
    const foreign = changed.filter((c) => (isManifest(c.file) ? c.owners.some((o) => !mine.has(o)) : !(c.file.endsWith('/kustomization.yaml') || isDocument(c.file))));
    expect(foreign).toEqual([]);
    for (const s of mine) expect(changed.some((c) => isManifest(c.file) && c.owners.includes(s))).toBe(true);
    // Files may be renamed for those services (a migration Job named after the tag), never for another.
    const added = [...after.keys()].filter((f) => !before.has(f));
    const removed = [...before.keys()].filter((f) => !after.has(f));
    expect([...added.map((f) => owner(after.get(f)!)), ...removed.map((f) => owner(before.get(f)!))].filter((o) => !mine.has(o))).toEqual([]);
  });

  test('adding a service adds its files and touches no unrelated file but lists, documents, the CI fragment and its namespace totals', () => {
    const loyalty: ServiceSpec = { name: FIXTURE_SERVICE, tier: 'backend', ha: true, uses: ['postgres', 'kafka'], topics: { produces: [`nx.${FIXTURE_SERVICE}.`], consumes: ['nx.sale.'] }, migration: { order: Math.max(...PLATFORM.services.map((s) => s.migration?.order ?? 0)) + 1 } };
    const after = tree({ ...PLATFORM, services: [...PLATFORM.services, loyalty] });
    const added = [...after.keys()].filter((f) => !before.has(f));
    expect(added.length).toBeGreaterThanOrEqual(2 * 4);
    expect(added.filter((f) => !isManifest(f) || owner(after.get(f)!) !== FIXTURE_SERVICE)).toEqual([]);
    // Its network policies (own ingress and egress, its migration's egress) are among its files.
    expect(added.filter((f) => f.includes('/01-network/')).length).toBeGreaterThanOrEqual(2 * 3);
    expect([...before.keys()].filter((f) => !after.has(f))).toEqual([]);
    const touched = changes(before, after).filter((c) => before.has(c.file)).map((c) => c.file);
    expect(touched.filter((f) => !mayChangeOnAdd(f, before.get(f)!, namespaceOf(loyalty)))).toEqual([]);
    // The shared network policies (stores, gateway, identity) select by capability labels: none is touched.
    expect(touched.filter((f) => f.includes('/01-network/') && !f.endsWith('/kustomization.yaml'))).toEqual([]);
  });

  test('fails when adding a service would touch a shared policy, another namespace\'s totals or a workload', () => {
    const file = (suffix: string) => [...before.keys()].find((f) => f.startsWith('production/') && f.endsWith(suffix))!;
    for (const f of ['/nx-persistent/allow-ingress-pgbouncer.networkpolicy.yaml', '/nx-internal/allow-egress-traefik.networkpolicy.yaml', '/nx-app/compute.resourcequota.yaml', '/nx-backend/nx-sale.deployment.yaml']) {
      expect(mayChangeOnAdd(file(f), before.get(file(f))!, 'nx-backend')).toBe(false);
    }
    for (const f of ['/nx-backend/compute.resourcequota.yaml', '/nx-backend/container-defaults.limitrange.yaml', '/01-network/kustomization.yaml', '/README.md', '/post-deploy-check.sh']) {
      expect(mayChangeOnAdd(file(f), before.get(file(f))!, 'nx-backend')).toBe(true);
    }
  });
});
