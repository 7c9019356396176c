import * as fs from 'fs';
import * as path from 'path';
import { ADMIN_UI_ANNOTATION } from '../lib/charts/edge-charts';
import { PLATFORM } from '../lib/platform';
import { namespacesOf } from '../lib/platform/cluster';
import { TRAEFIK } from '../lib/platform/edge';
import { ANYWHERE, parseClusterNetwork } from '../lib/platform/network-inputs';
import { EnvironmentName } from '../lib/platform/types';
import { synthesizeEnvironment } from '../lib/synth/synthesize';
import { env, FIXTURE_TAG, objects, ROOT } from './helpers';

/**
 * The output held to the threat model (docs/security.md): what the model lists as an exception is the only
 * exception the output may contain.
 */

const MODEL = fs.readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf8');
const ENVS: EnvironmentName[] = ['staging', 'production'];

/** The text of one `###` section of the model. */
function section(heading: string): string {
  const start = MODEL.indexOf(`### ${heading}`);
  if (start < 0) throw new Error(`docs/security.md has no section '### ${heading}'`);
  const next = MODEL.indexOf('\n##', start + 4);
  return MODEL.slice(start, next < 0 ? undefined : next);
}

/** The first-column code spans of a section's table rows. */
function listed(heading: string): string[] {
  return section(heading)
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => /^\| `([^`]+)`/.exec(l)![1]);
}

/** `namespace/name` of every NetworkPolicy with a rule open to 0.0.0.0/0, in either direction. */
function openToAnywhere(policies: readonly any[]): string[] {
  const open = (rules: any[] | undefined, key: 'to' | 'from'): boolean => (rules ?? []).some((r) => (r[key] ?? []).some((p: any) => p.ipBlock?.cidr === ANYWHERE));
  return policies.filter((p) => open(p.spec.egress, 'to') || open(p.spec.ingress, 'from')).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
}

/** Whether an RBAC rule grants reading Secrets. */
const readsSecrets = (rule: any): boolean =>
  (rule.apiGroups ?? []).some((g: string) => g === '' || g === '*') &&
  (rule.resources ?? []).some((r: string) => r === 'secrets' || r === '*') &&
  (rule.verbs ?? []).some((v: string) => ['get', 'list', 'watch', '*'].includes(v));

/** Ingresses whose backend is not the gateway: they expose something other than the platform's services. */
const nonGatewayIngresses = (list: readonly any[]): any[] =>
  list.filter((i) => i.spec.rules.some((r: any) => r.http.paths.some((p: any) => p.backend.service?.name !== TRAEFIK.name)));

describe('threat model checks (docs/security.md)', () => {
  for (const name of ENVS) {
    test(`${name}: no public route to an admin UI without an allow-list`, () => {
      const ingresses = objects(env(name), 'Ingress') as any[];
      for (const i of nonGatewayIngresses(ingresses)) {
        const id = `${i.metadata.namespace}/${i.metadata.name}`;
        const a = i.metadata.annotations ?? {};
        // Anything that is not the gateway is an admin UI (the seed's Portainer) and must say so.
        expect([id, a[ADMIN_UI_ANNOTATION]]).toEqual([id, 'true']);
        const ranges = String(a['nginx.ingress.kubernetes.io/whitelist-source-range'] ?? '').split(',').filter(Boolean);
        expect([id, ranges.length > 0]).toEqual([id, true]);
        for (const r of ranges) expect([id, r.endsWith('/0')]).toEqual([id, false]);
      }
      // Traefik's own dashboard is never served.
      const traefik = objects(env(name), 'Deployment').find((d) => d.metadata.name === TRAEFIK.name) as any;
      const args: string[] = traefik.spec.template.spec.containers[0].args;
      expect(args).toContain('--api.dashboard=false');
      expect(args.filter((x) => x.startsWith('--api.insecure'))).toEqual([]);
      expect(args.filter((x) => x.includes('forwardedHeaders.insecure'))).toEqual([]);
      const routes = objects(env(name), 'IngressRoute') as any[];
      for (const r of routes) for (const route of r.spec.routes) for (const s of route.services ?? []) expect(s.name).not.toBe('api@internal');
    });

    test(`${name}: no ClusterRole reads Secrets unless the model lists it for this environment`, () => {
      const exceptions = section('Cluster-wide reads')
        .split('\n')
        .filter((l) => l.startsWith('| `ClusterRole '))
        .map((l) => ({ name: /^\| `ClusterRole ([^`]+)`/.exec(l)![1], envs: l.split('|')[2] }));
      const reading = (objects(env(name), 'ClusterRole') as any[]).filter((r) => (r.rules ?? []).some(readsSecrets)).map((r) => r.metadata.name);
      for (const role of reading) {
        const listedFor = exceptions.find((e) => e.name === role);
        expect([role, listedFor !== undefined && listedFor.envs.includes(name)]).toEqual([role, true]);
      }
      // Roles that read Secrets live only in the namespaces their controller serves.
      const traefikRoles = (objects(env(name), 'Role') as any[]).filter((r) => r.metadata.name === TRAEFIK.name);
      expect(traefikRoles.map((r) => r.metadata.namespace).sort()).toEqual([...TRAEFIK.watchNamespaces].sort());
      expect((objects(env(name), 'ClusterRole') as any[]).map((r) => r.metadata.name)).not.toContain(TRAEFIK.name);
    });

    test(`${name}: every NetworkPolicy open to 0.0.0.0/0 is named in the model`, () => {
      const model = new Set(listed('Rules open to 0.0.0.0/0'));
      const open = openToAnywhere(objects(env(name), 'NetworkPolicy'));
      expect(open.length).toBeGreaterThan(0);
      expect(open.filter((p) => !model.has(p))).toEqual([]);
    });

    test(`${name}: every namespace we own has Pod Security labels, default-deny, a LimitRange and a ResourceQuota`, () => {
      const all = objects(env(name));
      for (const ns of namespacesOf(name)) {
        const has = (kind: string, extra: (o: any) => boolean = () => true): boolean => all.some((o: any) => o.kind === kind && o.metadata.namespace === ns.name && extra(o));
        const namespace = all.find((o) => o.kind === 'Namespace' && o.metadata.name === ns.name) as any;
        expect([ns.name, namespace?.metadata.labels['pod-security.kubernetes.io/enforce']]).toEqual([ns.name, ns.enforce]);
        expect([ns.name, has('NetworkPolicy', (p) => p.metadata.name === 'default-deny'), has('LimitRange'), has('ResourceQuota')]).toEqual([ns.name, true, true, true]);
        if (ns.enforce !== 'restricted') expect(listed('Namespaces that do not enforce *restricted*')).toContain(ns.name);
      }
    });
  }

  test('every rule the model lists exists in some environment (the model does not keep stale entries)', () => {
    const open = new Set(ENVS.flatMap((name) => openToAnywhere(objects(env(name), 'NetworkPolicy'))));
    expect(listed('Rules open to 0.0.0.0/0').filter((p) => !open.has(p))).toEqual([]);
  });

  test('with the cluster inputs set, only the rules the model calls internet stay open to 0.0.0.0/0', () => {
    const network = parseClusterNetwork('test', { apiServerCidrs: ['172.20.0.10/32'], objectStorageCidrs: ['198.51.100.0/24'] });
    const internet = section('Rules open to 0.0.0.0/0')
      .split('\n')
      .filter((l) => l.startsWith('| `') && /\| internet( \+ input)? \|$/.test(l.trim()))
      .map((l) => /^\| `([^`]+)`/.exec(l)![1]);
    for (const name of ENVS) {
      const base = env(name);
      const narrowed = synthesizeEnvironment(PLATFORM, base.environment, { ...base.release, tag: FIXTURE_TAG, network });
      const open = openToAnywhere(narrowed.manifests.map((m) => m.object).filter((o) => o.kind === 'NetworkPolicy'));
      expect(open.sort()).toEqual(internet.sort());
    }
  });

  test('fails when an admin UI loses its allow-list or a new ClusterRole reads Secrets', () => {
    const ingresses = (objects(env('production'), 'Ingress') as any[]).map((i) =>
      i.metadata.name === 'portainer-ingress' ? { ...i, metadata: { ...i.metadata, annotations: { ...i.metadata.annotations, 'nginx.ingress.kubernetes.io/whitelist-source-range': '0.0.0.0/0' } } } : i,
    );
    const exposed = nonGatewayIngresses(ingresses).filter((i) => String(i.metadata.annotations['nginx.ingress.kubernetes.io/whitelist-source-range']).split(',').some((r: string) => r.endsWith('/0')));
    expect(exposed.map((i) => i.metadata.name)).toEqual(['portainer-ingress']);
    expect(readsSecrets({ apiGroups: [''], resources: ['secrets'], verbs: ['list'] })).toBe(true);
    expect(readsSecrets({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] })).toBe(true);
    expect(readsSecrets({ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] })).toBe(false);
  });

  // The other half of issue 14 adds its checks here: every Kafka client listener authenticated, one backup
  // location per environment and tool, every third-party image pinned by digest in production.
});
