import { podTemplates } from '../lib/k8s/pods';
import { capabilityLabels, usesLabel } from '../lib/platform/capabilities';
import { namespacesOf } from '../lib/platform/cluster';
import { ADDONS, ACME_SOLVER, INGRESS_NGINX, PORTAINER, TRAEFIK } from '../lib/platform/edge';
import { SERVICES } from '../lib/platform/services';
import { STORE_PARTS, StorePartName } from '../lib/platform/stores';
import { DataStore, EnvironmentName, ServiceSpec } from '../lib/platform/types';
import { allowed, inCidr, side } from '../lib/network/evaluate';
import { CLUSTER_NETWORK_DEFAULTS } from '../lib/platform/network-inputs';
import { env, objects } from './helpers';

/**
 * A small NetworkPolicy evaluator (the semantics of networking.k8s.io/v1): a connection is allowed when the
 * source's egress and the destination's ingress both allow it; a side no policy of its type selects is open.
 * Every endpoint of a sample population is tried against every other on every port the platform uses, and
 * the result must equal the expectation written below from the platform data, edge by edge.
 */

type Labels = Record<string, string>;
interface Endpoint {
  readonly id: string;
  readonly namespace?: string;
  readonly labels: Labels;
  readonly ip: string;
  readonly role: Role;
}
type Role =
  | { kind: 'service'; service: ServiceSpec }
  | { kind: 'migration'; service: ServiceSpec }
  | { kind: 'store'; part: StorePartName }
  | { kind: 'ingress' | 'gateway' | 'solver' | 'dns' | 'external' | 'stranger' | 'portainer' }
  | { kind: 'addon'; name: string }
  | { kind: 'operator'; namespace: string };

const ALL_STORES: readonly DataStore[] = ['postgres', 'redis', 'kafka', 'typesense'];
const IMPOSTOR_LABELS: Labels = {
  'app.kubernetes.io/name': 'impostor',
  'app.kubernetes.io/component': 'backend',
  ...Object.fromEntries(ALL_STORES.map((store) => [usesLabel(store), 'true'])),
};

/**
 * Labels the operators set on the pods they create, beyond the selectors we give them
 * (cloudnative-pg v1.30.0: instance pods in pkg/specs/pods.go, Job pods in pkg/specs/jobs.go `CreatePrimaryJob`,
 * which carry `cnpg.io/jobRole` and no `cnpg.io/podRole`).
 */
const OPERATOR_POD_LABELS: Partial<Record<StorePartName, Labels>> = {
  postgres: { 'cnpg.io/instanceName': 'nx-postgresql-1', 'cnpg.io/instanceRole': 'primary' },
};
const cnpgJobPod = (instance: number, role: string): Labels => ({
  'cnpg.io/cluster': 'nx-postgresql',
  'cnpg.io/instanceName': `nx-postgresql-${instance}`,
  'cnpg.io/jobRole': role,
  'app.kubernetes.io/name': 'postgresql',
  'app.kubernetes.io/instance': 'nx-postgresql',
  'app.kubernetes.io/component': 'database',
  'app.kubernetes.io/managed-by': 'cloudnative-pg',
});
const CNPG_JOB_PODS: Record<string, Labels> = { 'cnpg initdb': cnpgJobPod(1, 'initdb'), 'cnpg join': cnpgJobPod(2, 'join'), 'cnpg full-recovery': cnpgJobPod(1, 'full-recovery') };

let ipSeq = 1;
const podIp = (): string => `10.244.${Math.floor(ipSeq / 250)}.${(ipSeq++ % 250) + 1}`;

function population(name: EnvironmentName): Endpoint[] {
  const synth = env(name);
  const list: Endpoint[] = [];
  for (const t of podTemplates(objects(synth))) {
    const service = SERVICES.find((s) => t.labels['app.kubernetes.io/name'] === s.name && t.labels['app.kubernetes.io/component'] === s.tier);
    const migration = SERVICES.find((s) => t.labels['app.kubernetes.io/name'] === s.name && t.labels['app.kubernetes.io/component'] === 'migration');
    const part = (Object.keys(STORE_PARTS) as StorePartName[]).find(
      (p) => STORE_PARTS[p].namespace === t.namespace && Object.entries(STORE_PARTS[p].selector).every(([k, v]) => t.labels[k] === v),
    );
    const role: Role = service
      ? { kind: 'service', service }
      : migration
        ? { kind: 'migration', service: migration }
        : part
          ? { kind: 'store', part }
        : t.name === INGRESS_NGINX.name
          ? { kind: 'ingress' }
          : t.name === TRAEFIK.name
            ? { kind: 'gateway' }
            : { kind: 'stranger' };
    list.push({ id: t.owner, namespace: t.namespace, labels: t.labels, ip: podIp(), role });
  }
  // Migration Jobs as the operations page labels them, with their service's capability labels (the Jobs
  // may not be in this output; the policies must hold for them either way).
  for (const s of SERVICES.filter((x) => x.migration)) {
    const labels = { 'app.kubernetes.io/name': s.name, 'app.kubernetes.io/component': 'migration', ...capabilityLabels(s) };
    list.push({ id: `migration ${s.name}`, namespace: 'nx-backend', labels, ip: podIp(), role: { kind: 'migration', service: s } });
  }
  for (const [part, spec] of Object.entries(STORE_PARTS) as [StorePartName, (typeof STORE_PARTS)[StorePartName]][]) {
    list.push({ id: `store ${part}`, namespace: spec.namespace, labels: { ...spec.selector, ...OPERATOR_POD_LABELS[part] }, ip: podIp(), role: { kind: 'store', part } });
  }
  // CloudNativePG's bootstrap pods: initdb creates the first instance, join clones a replica from the primary.
  for (const [id, labels] of Object.entries(CNPG_JOB_PODS)) list.push({ id, namespace: 'nx-persistent', labels, ip: podIp(), role: { kind: 'store', part: 'postgres' } });
  for (const addon of ADDONS) list.push({ id: `addon ${addon.name}`, namespace: addon.namespace, labels: { ...addon.selector }, ip: podIp(), role: { kind: 'addon', name: addon.name } });
  list.push({ id: 'acme solver', namespace: 'nx-internal', labels: { ...ACME_SOLVER.selector }, ip: podIp(), role: { kind: 'solver' } });
  list.push({ id: 'cnpg operator', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' }, ip: podIp(), role: { kind: 'operator', namespace: 'cnpg-system' } });
  list.push({ id: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: podIp(), role: { kind: 'dns' } });
  list.push({ id: 'portainer', namespace: 'portainer', labels: { 'app.kubernetes.io/name': 'portainer' }, ip: podIp(), role: { kind: 'portainer' } });
  for (const ns of namespacesOf(name)) list.push({ id: `stranger in ${ns.name}`, namespace: ns.name, labels: { app: 'debug' }, ip: podIp(), role: { kind: 'stranger' } });
  // Impostors: pods that fake a backend's or a migration's capability labels without being a service of the
  // catalogue, in every namespace we own and in one we do not (whose egress nothing restricts).
  for (const ns of [...namespacesOf(name).map((n) => n.name), 'default']) {
    list.push({ id: `backend impostor in ${ns}`, namespace: ns, labels: IMPOSTOR_LABELS, ip: podIp(), role: { kind: 'stranger' } });
    list.push({ id: `migration impostor in ${ns}`, namespace: ns, labels: { ...IMPOSTOR_LABELS, 'app.kubernetes.io/component': 'migration' }, ip: podIp(), role: { kind: 'stranger' } });
  }
  list.push({ id: 'internet', labels: {}, ip: '203.0.113.7', role: { kind: 'external' } });
  return list;
}

const clientPorts = (part: StorePartName): number[] => Object.values(STORE_PARTS[part].clientPorts);
const STORE_OF_USE: Record<string, StorePartName> = { postgres: 'pgbouncer', redis: 'redis', kafka: 'kafka', typesense: 'typesense' };

/**
 * The expectation, written from the operations page, the catalogue and the store contract, one side at a
 * time: what a pod may send, and what a pod accepts. Pods outside the namespaces we own are not restricted.
 */
function expectedEgress(name: EnvironmentName, from: Endpoint, to: Endpoint, port: number): boolean {
  if (!from.namespace || !namespacesOf(name).some((n) => n.name === from.namespace)) return true;
  const f = from.role;
  const t = to.role;
  const api = CLUSTER_NETWORK_DEFAULTS.apiServer;
  const toApi = api.ports.includes(port) && api.cidrs.some((c) => inCidr(to.ip, c));
  const anywhere = (ports: readonly number[]) => ports.includes(port) && inCidr(to.ip, '0.0.0.0/0');
  if (t.kind === 'dns' && port === 53) return true;
  switch (f.kind) {
    case 'ingress':
      return (
        (t.kind === 'gateway' && port === TRAEFIK.ports.web) ||
        (t.kind === 'solver' && port === ACME_SOLVER.port) ||
        (t.kind === 'portainer' && name === 'production' && port === PORTAINER.port) ||
        toApi
      );
    case 'gateway':
      return (t.kind === 'service' && port === 3000) || toApi;
    case 'service': {
      const s = f.service;
      if (s.tier === 'frontend') return t.kind === 'gateway' && port === TRAEFIK.ports.internal;
      if (t.kind === 'service') return t.service.name === 'identity' && s.name !== 'identity' && port === 3000;
      return t.kind === 'store' && (s.uses ?? []).some((u) => STORE_OF_USE[u] === t.part) && clientPorts(t.part).includes(port);
    }
    case 'migration':
      if (!(f.service.uses ?? []).includes('postgres')) return false;
      // The instances only, never CloudNativePG's Job pods (they carry no cnpg.io/podRole).
      return (t.kind === 'service' && t.service.name === 'identity' && port === 3000) || (t.kind === 'store' && t.part === 'postgres' && to.labels['cnpg.io/podRole'] === 'instance' && clientPorts('postgres').includes(port));
    case 'store': {
      const part = STORE_PARTS[f.part] as any;
      return (
        (t.kind === 'store' && t.part === f.part && Object.values(part.peerPorts).includes(port)) ||
        (t.kind === 'store' && (part.talksTo ?? []).includes(t.part) && clientPorts(t.part).includes(port) && Object.entries((STORE_PARTS[t.part] as any).selector as Record<string, string>).every(([k, v]) => to.labels[k] === v)) ||
        (t.kind === 'store' && part.administers?.part === t.part && part.administers.ports.includes(port)) ||
        (part.kubernetesApi === true && toApi) ||
        (part.objectStorage === true && anywhere([443])) ||
        (part.externalHttps === true && anywhere([443]))
      );
    }
    case 'addon': {
      const addon = ADDONS.find((a) => a.name === f.name)!;
      return (addon.kubernetesApi && toApi) || anywhere(addon.egressAnywhere) || (addon.objectStorage === true && anywhere([443]));
    }
    case 'portainer':
      return toApi;
    default:
      return false;
  }
}

function expectedIngress(name: EnvironmentName, to: Endpoint, from: Endpoint, port: number): boolean {
  if (!to.namespace || !namespacesOf(name).some((n) => n.name === to.namespace)) return true;
  const f = from.role;
  const t = to.role;
  const api = CLUSTER_NETWORK_DEFAULTS.apiServer;
  switch (t.kind) {
    case 'ingress':
      return ([INGRESS_NGINX.ports.http, INGRESS_NGINX.ports.https] as number[]).includes(port);
    case 'gateway':
      return (port === TRAEFIK.ports.web && f.kind === 'ingress') || (port === TRAEFIK.ports.internal && f.kind === 'service' && f.service.tier === 'frontend');
    case 'solver':
      return port === ACME_SOLVER.port && f.kind === 'ingress';
    case 'portainer':
      return port === PORTAINER.port && f.kind === 'ingress';
    case 'addon': {
      const addon = ADDONS.find((a) => a.name === t.name)!;
      return addon.ingressFromApiServer.includes(port) && api.cidrs.some((c) => inCidr(from.ip, c));
    }
    case 'service':
      if (port !== 3000) return false;
      if (f.kind === 'gateway') return t.service.public ?? true;
      return t.service.name === 'identity' && ((f.kind === 'service' && f.service.tier === 'backend' && f.service.name !== 'identity') || (f.kind === 'migration' && (f.service.uses ?? []).includes('postgres')));
    case 'store': {
      const part = STORE_PARTS[t.part] as any;
      if (f.kind === 'service') return (f.service.uses ?? []).some((u) => STORE_OF_USE[u] === t.part) && clientPorts(t.part).includes(port);
      if (f.kind === 'migration') return t.part === 'postgres' && to.labels['cnpg.io/podRole'] === 'instance' && (f.service.uses ?? []).includes('postgres') && clientPorts('postgres').includes(port);
      if (f.kind === 'operator') return part.operator?.namespace === f.namespace && part.operator.ports.includes(port);
      if (f.kind === 'store') {
        const other = STORE_PARTS[f.part] as any;
        // A client part reaches the serving pods only (CNPG's Job pods carry no cnpg.io/podRole).
        const serving = Object.entries(part.selector as Record<string, string>).every(([k, v]) => to.labels[k] === v);
        return (
          (f.part === t.part && Object.values(part.peerPorts).includes(port)) ||
          (serving && (other.talksTo ?? []).includes(t.part) && clientPorts(t.part).includes(port)) ||
          (other.administers?.part === t.part && other.administers.ports.includes(port))
        );
      }
      return false;
    }
    default:
      return false;
  }
}

function expected(name: EnvironmentName, from: Endpoint, to: Endpoint, port: number): boolean {
  return expectedEgress(name, from, to, port) && expectedIngress(name, to, from, port);
}

for (const name of ['staging', 'production'] as const) {
  describe(`network policies (${name})`, () => {
    const policies = objects(env(name), 'NetworkPolicy');
    const endpoints = population(name);
    const ports = [...new Set([3000, 53, 22, 80, 443, 6443, 5432, 6379, 6380, 16379, 29092, 9090, 9091, 9092, 9093, 8000, 8001, 8080, 8083, 8443, 8107, 8108, 8089, 9443, 10250])].sort((a, b) => a - b);

    test('every namespace we own denies all ingress and egress by default', () => {
      for (const ns of namespacesOf(name)) {
        const deny = policies.find((p: any) => p.metadata.namespace === ns.name && p.metadata.name === 'default-deny') as any;
        expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      }
    });

    const mismatches = (list: any[]): { wrong: string[]; allowedCount: number } => {
      const wrong: string[] = [];
      let allowedCount = 0;
      for (const from of endpoints) {
        for (const to of endpoints) {
          if (from === to && from.role.kind !== 'store') continue;
          // Traffic between two endpoints outside our namespaces is not ours to judge.
          if (!to.namespace && !from.namespace) continue;
          for (const port of ports) {
            const got = allowed(list, from, to, port);
            if (got) allowedCount++;
            if (got !== expected(name, from, to, port)) wrong.push(`${from.id} -> ${to.id}:${port} ${got ? 'allowed' : 'denied'}`);
          }
        }
      }
      return { wrong, allowedCount };
    };

    test('each connection between the sample endpoints is allowed exactly when the platform declares it', () => {
      const { wrong, allowedCount } = mismatches(policies);
      expect(wrong).toEqual([]);
      expect(allowedCount).toBeGreaterThan(100);
    });

    test('fails when a declared path loses its policy, or an undeclared one is opened', () => {
      const withoutSale = policies.filter((p: any) => p.metadata.name !== 'allow-egress-nx-sale');
      expect(mismatches(withoutSale).wrong).toContain('Deployment nx-backend/nx-sale -> store typesense:8108 denied');
      const withoutSaleMigration = policies.filter((p: any) => p.metadata.name !== 'allow-egress-migration-nx-sale');
      expect(mismatches(withoutSaleMigration).wrong).toContain('migration sale -> store postgres:5432 denied');
      const openApp = [...policies, { metadata: { name: 'oops', namespace: 'nx-app' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] } }];
      expect(mismatches(openApp).wrong).toContain('Deployment nx-app/nx-client -> internet:443 allowed');
    });

    test('the gateway reaches every public Deployment of the catalogue on 3000 and no other; the internet reaches none', () => {
      const gateway = endpoints.find((e) => e.role.kind === 'gateway')!;
      const internet = endpoints.find((e) => e.role.kind === 'external')!;
      const services = endpoints.filter((e) => e.role.kind === 'service');
      expect(services.length).toBe(SERVICES.length);
      for (const s of services) {
        expect(allowed(policies, gateway, s, 3000)).toBe(s.role.kind === 'service' && (s.role.service.public ?? true));
        expect(allowed(policies, internet, s, 3000)).toBe(false);
      }
    });

    test('apps reach PostgreSQL only through PgBouncer; migrations only the primary', () => {
      const primary = endpoints.find((e) => e.id === 'store postgres')!;
      const pooler = endpoints.find((e) => e.id === 'store pgbouncer')!;
      for (const e of endpoints.filter((x) => x.role.kind === 'service')) expect(allowed(policies, e, primary, 5432)).toBe(false);
      for (const e of endpoints.filter((x) => x.role.kind === 'migration')) {
        expect(allowed(policies, e, primary, 5432)).toBe(true);
        expect(allowed(policies, e, pooler, 5432)).toBe(false);
      }
    });

    test('every service pod carries the capability labels of its uses, on the pod template only', () => {
      const deployments = objects(env(name), 'Deployment') as any[];
      for (const service of SERVICES) {
        const deployment = deployments.find((d) => d.metadata.name === `nx-${service.name}`);
        const template = deployment.spec.template.metadata.labels;
        const uses = Object.keys(template).filter((k) => k.startsWith('platform.bana.com.vn/uses-'));
        expect(uses.sort()).toEqual((service.uses ?? []).map(usesLabel).sort());
        for (const k of uses) expect(template[k]).toBe('true');
        expect(Object.keys(deployment.spec.selector.matchLabels).filter((k) => k.startsWith('platform.bana.com.vn/'))).toEqual([]);
      }
    });

    test('a pod faking uses-postgres=true outside nx-backend is refused by the pooler and the primary themselves', () => {
      const pooler = endpoints.find((e) => e.id === 'store pgbouncer')!;
      const primary = endpoints.find((e) => e.id === 'store postgres')!;
      const user = endpoints.find((e) => e.role.kind === 'service' && e.role.service.name === 'sale')!;
      // The same labels inside nx-backend pass the store's ingress: the namespace is what refuses the fakes.
      expect(side(policies, pooler, user, 5432, 'Ingress')).toBe(true);
      const fakes = endpoints.filter((e) => e.id.includes('impostor') && e.namespace !== 'nx-backend');
      expect(fakes.length).toBeGreaterThan(2);
      for (const fake of fakes) {
        expect(fake.labels[usesLabel('postgres')]).toBe('true');
        expect(side(policies, pooler, fake, 5432, 'Ingress')).toBe(false);
        expect(side(policies, primary, fake, 5432, 'Ingress')).toBe(false);
        expect(allowed(policies, fake, pooler, 5432)).toBe(false);
      }
    });

    test("CloudNativePG's initdb, join and recovery Job pods reach the API server, and a joining replica the primary", () => {
      const api = { id: 'api server', labels: {}, ip: CLUSTER_NETWORK_DEFAULTS.apiServer.cidrs[0].replace(/\/.*/, '').replace(/^0\.0\.0\.0$/, '192.0.2.10'), role: { kind: 'external' as const } };
      const primary = endpoints.find((e) => e.id === 'store postgres')!;
      const operator = endpoints.find((e) => e.id === 'cnpg operator')!;
      for (const id of Object.keys(CNPG_JOB_PODS)) {
        const pod = endpoints.find((e) => e.id === id)!;
        expect([id, allowed(policies, pod, api, 443)]).toEqual([id, true]);
        expect([id, allowed(policies, operator, pod, 8000)]).toEqual([id, true]);
      }
      expect(allowed(policies, endpoints.find((e) => e.id === 'cnpg join')!, primary, 5432)).toBe(true);
      // The pooler is no database pod: it reaches the primary as a client, never the instance manager.
      const pooler = endpoints.find((e) => e.id === 'store pgbouncer')!;
      expect(allowed(policies, pooler, primary, 8000)).toBe(false);
    });

    // Written from the Redis configuration, not from STORE_PARTS: the plain port is the runbook's loopback port.
    test('Redis: other pods reach a node only on its TLS port (clients, the create Job, replicas) and the TLS bus (nodes); nothing reaches the plain port', () => {
      const conf: string = (objects(env(name), 'ConfigMap') as any[]).find((c) => c.metadata.name === 'nx-redis-config').data['redis.conf'];
      const setting = (key: string) => new RegExp(`^${key} (\\S+)$`, 'm').exec(conf)?.[1];
      const [plain, tls, bus] = [Number(setting('port')), Number(setting('tls-port')), Number(setting('cluster-port'))];
      expect({ plain, tls, bus, tlsCluster: setting('tls-cluster'), tlsReplication: setting('tls-replication') }).toEqual({ plain: 6379, tls: 6380, bus: 16379, tlsCluster: 'yes', tlsReplication: 'yes' });
      const nodes = endpoints.filter((e) => e.role.kind === 'store' && e.role.part === 'redis');
      expect(nodes.length).toBeGreaterThan(0);
      const reachedOn = new Map<number, string[]>();
      for (const from of endpoints) {
        for (const to of nodes) {
          if (from === to) continue;
          for (const port of [plain, tls, bus]) if (allowed(policies, from, to, port)) reachedOn.set(port, [...(reachedOn.get(port) ?? []), from.id]);
        }
      }
      expect(reachedOn.get(plain) ?? []).toEqual([]);
      const redisClients = endpoints.filter((e) => e.role.kind === 'service' && (e.role.service.uses ?? []).includes('redis'));
      expect(redisClients.length).toBeGreaterThan(0);
      for (const c of redisClients) expect(reachedOn.get(tls)).toContain(c.id);
      expect(reachedOn.get(tls)!.some((id) => /cluster-create/.test(id))).toBe(true);
      expect([...new Set((reachedOn.get(bus) ?? []).map((id) => nodes.some((n) => n.id === id)))]).toEqual([true]);
    });

    test('a stranger in nx-backend without capability labels reaches no store and not identity', () => {
      const stranger = endpoints.find((e) => e.id === 'stranger in nx-backend')!;
      const identity = endpoints.find((e) => e.role.kind === 'service' && e.role.service.name === 'identity')!;
      for (const target of [...endpoints.filter((e) => e.role.kind === 'store'), identity]) {
        for (const port of [3000, 5432, 6379, 6380, 29092, 8108]) expect(allowed(policies, stranger, target, port)).toBe(false);
      }
    });

  });
}
