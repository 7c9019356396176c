import { ADDONS, ACME_SOLVER, EDGE_SETTINGS, INGRESS_NGINX, PORTAINER, TRAEFIK } from '../platform/edge';
import { ANYWHERE, CLUSTER_NETWORK_DEFAULTS, ClusterNetwork, urlPort } from '../platform/network-inputs';
import { CAPABILITY_VALUE, usesLabel } from '../platform/capabilities';
import { APP_PORT, isPublic, namespaceOf, NAMESPACES, selectorLabels, storesOf, TIER_NAMESPACE, workloadName } from '../platform/conventions';
import { identityOf, waitsForIdentity } from '../platform/identity';
import { MIGRATION_JOB } from '../platform/migrations';
import { STORE_PARTS, StorePart, StorePartName } from '../platform/stores';
import { DataStore, EnvironmentSpec, PlatformSpec, ServiceSpec, Tier } from '../platform/types';

/**
 * The platform's allowed traffic, derived from its data: the edge, the services' `uses`, the store contract
 * (`STORE_PARTS`) and the add-ons. Every NetworkPolicy of step 1 is generated from this list; nothing else
 * is allowed (each namespace we own starts from deny-all).
 */

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values?: readonly string[] }[];
}

/** Pods of a namespace we own, selected by labels. `id` names the policies written for them. */
export interface PodGroup {
  readonly id: string;
  readonly namespace: string;
  readonly selector: LabelSelector;
  /**
   * The service these pods are, recorded as `app.kubernetes.io/name` on the policies written for them so
   * tooling can attribute those files to the service.
   * @default - none: the policies are named after themselves
   */
  readonly service?: string;
}

export type Peer =
  | { readonly kind: 'pods'; readonly group: PodGroup }
  /** Pods of a namespace we do not own (an operator, Portainer), optionally narrowed by labels. */
  | { readonly kind: 'namespace'; readonly namespace: string; readonly selector?: LabelSelector }
  /** Addresses outside the cluster's pod network (the internet, the API server). */
  | { readonly kind: 'cidr'; readonly name: string; readonly cidrs: readonly string[] };

export interface PortSpec {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly PortSpec[];
  /** Why it is allowed, for reviewers (written as an annotation on the policy). */
  readonly reason: string;
  /**
   * The one side this flow opens. A service's edge to a shared peer is written as two halves: the service's
   * own policy names the peer, and the peer's policy admits a capability selector (never a list of services),
   * so adding a service touches only its own policies. Both halves together allow exactly the edge.
   * @default - both sides
   */
  readonly only?: 'ingress' | 'egress';
}

const tcp = (...ports: number[]): PortSpec[] => [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ port, protocol: 'TCP' as const }));
const pods = (group: PodGroup): Peer => ({ kind: 'pods', group });

/** The store part a service's declared use connects to: apps reach PostgreSQL through PgBouncer. */
export const STORE_CLIENT_PART: Record<DataStore, StorePartName> = {
  postgres: 'pgbouncer',
  redis: 'redis',
  kafka: 'kafka',
  typesense: 'typesense',
};

/** Pods labelled as `tier` services in their namespace (any service of that tier, present or future). */
export function tierGroup(tier: Tier): PodGroup {
  return { id: `${tier}s`, namespace: TIER_NAMESPACE[tier], selector: { matchLabels: { 'app.kubernetes.io/component': tier } } };
}

/** Pods of `tier` services that declare they use `store`, by their capability label. */
export function storeClientGroup(tier: Tier, store: DataStore): PodGroup {
  return {
    id: `${tier}s-using-${store}`,
    namespace: TIER_NAMESPACE[tier],
    selector: { matchLabels: { 'app.kubernetes.io/component': tier, [usesLabel(store)]: CAPABILITY_VALUE } },
  };
}

/**
 * Migration Jobs' pods of services that use PostgreSQL, by labels every migration Job carries (component
 * `migration` and its service's capability labels). The primary and identity admit this selector; what
 * each migration may send is its service's own egress policy (`migrationGroup`).
 */
export const MIGRATIONS_GROUP: PodGroup = {
  id: 'migrations',
  namespace: NAMESPACES.backend,
  selector: { matchLabels: { 'app.kubernetes.io/component': MIGRATION_JOB.component, [usesLabel('postgres')]: CAPABILITY_VALUE } },
};

/**
 * One service's migration Job pods (the service's name, component `migration`), whatever the Job's name or
 * version: the policy exists from the catalogue entry, before and after any Job runs. Its policy names
 * start `allow-egress-migration-nx-`, which no service's own policy (`allow-egress-nx-`) can collide with.
 */
export function migrationGroup(service: ServiceSpec): PodGroup {
  return {
    id: `migration-${workloadName(service)}`,
    namespace: namespaceOf(service),
    selector: { matchLabels: { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/component': MIGRATION_JOB.component } },
    service: service.name,
  };
}

/** A group's pods in words, for reasons on shared policies: labels, never service names. */
export function describeGroup(group: PodGroup): string {
  const labels = Object.entries(group.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (group.selector.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} (${(e.values ?? []).join(', ')})`);
  return `pods labelled ${[...labels, ...expressions].join(', ')} in ${group.namespace}`;
}

export function storeGroup(part: StorePartName): PodGroup {
  const spec: StorePart = STORE_PARTS[part];
  return { id: part, namespace: spec.namespace, selector: spec.podSelector ?? { matchLabels: spec.selector } };
}

/**
 * The pods of a part that serve its clients (what its Services select), where that is narrower than
 * `storeGroup`: a client of PostgreSQL reaches the instances, never CloudNativePG's Job pods.
 */
export function servingGroup(part: StorePartName): PodGroup {
  const spec: StorePart = STORE_PARTS[part];
  return spec.podSelector ? { id: `${part}-serving`, namespace: spec.namespace, selector: { matchLabels: spec.selector } } : storeGroup(part);
}

export const INGRESS_GROUP: PodGroup = { id: 'ingress-nginx', namespace: INGRESS_NGINX.namespace, selector: { matchLabels: INGRESS_NGINX.selector } };
export const GATEWAY_GROUP: PodGroup = { id: 'traefik', namespace: TRAEFIK.namespace, selector: { matchLabels: TRAEFIK.selector } };
export const SOLVER_GROUP: PodGroup = { id: 'acme-solver', namespace: NAMESPACES.internal, selector: { matchLabels: ACME_SOLVER.selector } };
export const PORTAINER_GROUP: PodGroup = { id: 'portainer', namespace: PORTAINER.namespace, selector: { matchLabels: PORTAINER.selector } };
export const PORTAINER_SOLVER_GROUP: PodGroup = { id: 'portainer-acme-solver', namespace: PORTAINER.namespace, selector: { matchLabels: ACME_SOLVER.selector } };

/** Names of the peers outside the cluster's pods, as the policies and docs/security.md call them. */
export const EXTERNAL_PEERS = { apiServer: 'kubernetes-api', objectStorage: 'object-storage', internet: 'internet' } as const;

/** The peers outside the cluster's pods, as the release file's `network:` block places them. */
interface ExternalPeers {
  readonly apiServer: Peer;
  readonly apiPorts: readonly PortSpec[];
  readonly objectStorage: Peer;
  readonly internet: Peer;
}

/**
 * The platform's flows in an environment, on a cluster described by `network` (the release file's
 * `network:` block): the API server, object storage and pod CIDRs are inputs, never guessed.
 */
export function platformFlows(platform: PlatformSpec, env: EnvironmentSpec, network: ClusterNetwork = CLUSTER_NETWORK_DEFAULTS): Flow[] {
  const external: ExternalPeers = {
    apiServer: { kind: 'cidr', name: EXTERNAL_PEERS.apiServer, cidrs: network.apiServer.cidrs },
    apiPorts: tcp(...network.apiServer.ports),
    objectStorage: { kind: 'cidr', name: EXTERNAL_PEERS.objectStorage, cidrs: network.objectStorageCidrs },
    internet: { kind: 'cidr', name: EXTERNAL_PEERS.internet, cidrs: [ANYWHERE] },
  };
  return [
    ...edgeFlows(EDGE_SETTINGS[env.name].portainer, network, external),
    ...addonFlows(external),
    ...serviceFlows(platform.services),
    ...migrationFlows(platform.services),
    ...dataLayerFlows(external),
  ];
}

/** Edge: internet → ingress-nginx → Traefik → services, the ACME solvers, Portainer, and both controllers' API reads. */
function edgeFlows(portainer: boolean, network: ClusterNetwork, { apiServer, apiPorts, internet }: ExternalPeers): Flow[] {
  const flows: Flow[] = [];
  flows.push({ from: internet, to: pods(INGRESS_GROUP), ports: tcp(INGRESS_NGINX.ports.http, INGRESS_NGINX.ports.https), reason: 'public HTTP(S) through the load balancer' });
  flows.push({ from: pods(INGRESS_GROUP), to: pods(GATEWAY_GROUP), ports: tcp(TRAEFIK.ports.web), reason: 'public hosts are routed to the API gateway' });
  flows.push({ from: pods(INGRESS_GROUP), to: pods(SOLVER_GROUP), ports: tcp(ACME_SOLVER.port), reason: 'HTTP-01 challenges of the public hosts' });
  if (portainer) {
    // The admin allow-list is enforced by ingress-nginx (the Ingress's whitelist-source-range): the client
    // address is not visible here, only the controller's.
    flows.push({ from: pods(INGRESS_GROUP), to: pods(PORTAINER_GROUP), ports: tcp(PORTAINER.port), reason: 'the Portainer UI, for clients on the admin allow-list' });
    flows.push({ from: pods(INGRESS_GROUP), to: pods(PORTAINER_SOLVER_GROUP), ports: tcp(ACME_SOLVER.port), reason: "HTTP-01 challenge of Portainer's host" });
    flows.push({ from: pods(PORTAINER_GROUP), to: apiServer, ports: apiPorts, reason: 'Portainer manages the cluster through the API (cluster-admin, see docs/security.md)' });
    if (network.admin.authUrl && network.admin.authCidrs) {
      flows.push({
        from: pods(INGRESS_GROUP),
        to: { kind: 'cidr', name: 'admin-auth', cidrs: network.admin.authCidrs },
        ports: tcp(urlPort(network.admin.authUrl)),
        reason: 'ingress-nginx asks the admin auth endpoint before every Portainer request',
      });
    }
  }
  flows.push({ from: pods(INGRESS_GROUP), to: apiServer, ports: apiPorts, reason: 'ingress-nginx watches Ingresses, Services, EndpointSlices, Secrets' });
  flows.push({ from: pods(GATEWAY_GROUP), to: apiServer, ports: apiPorts, reason: 'Traefik watches IngressRoutes, Middlewares, Services, EndpointSlices' });
  return flows;
}

/** The add-ons' own needs: the API, endpoints on the internet, object storage, webhook calls from the API server. */
function addonFlows({ apiServer, apiPorts, internet, objectStorage }: ExternalPeers): Flow[] {
  const flows: Flow[] = [];
  for (const addon of ADDONS) {
    const group: PodGroup = { id: addon.name, namespace: addon.namespace, selector: { matchLabels: addon.selector } };
    if (addon.kubernetesApi) flows.push({ from: pods(group), to: apiServer, ports: apiPorts, reason: `${addon.name} is an API client` });
    if (addon.egressAnywhere.length > 0) flows.push({ from: pods(group), to: internet, ports: tcp(...addon.egressAnywhere), reason: `${addon.name} reaches endpoints on the internet` });
    if (addon.objectStorage) flows.push({ from: pods(group), to: objectStorage, ports: tcp(443), reason: `${addon.name} writes to the backup location` });
    if (addon.ingressFromApiServer.length > 0) flows.push({ from: apiServer, to: pods(group), ports: tcp(...addon.ingressFromApiServer), reason: `the API server calls ${addon.name}` });
  }
  return flows;
}

/** A service's own pods, as its policies select them. */
function serviceGroup(service: ServiceSpec): PodGroup {
  return { id: workloadName(service), namespace: namespaceOf(service), selector: { matchLabels: selectorLabels(service) }, service: service.name };
}

/**
 * Services. Each service's own policies name its peers; shared peers (the gateway, identity, the stores)
 * admit capability selectors written once per tier, so the catalogue's services are never listed there.
 */
function serviceFlows(services: readonly ServiceSpec[]): Flow[] {
  const flows: Flow[] = [...tierFlows(services)];
  const identity = identityOf(services);
  if (identity) {
    // Every backend but identity itself; the key is the stable service name label, not a list of services.
    const backends: PodGroup = {
      id: 'backends-but-identity',
      namespace: TIER_NAMESPACE.backend,
      selector: {
        matchLabels: { 'app.kubernetes.io/component': 'backend' },
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: [identity.name] }],
      },
    };
    flows.push({ from: pods(backends), to: pods(serviceGroup(identity)), ports: tcp(APP_PORT), reason: `${describeGroup(backends)} wait for and authenticate against identity`, only: 'ingress' });
  }
  for (const service of services) {
    const group = serviceGroup(service);
    if (isPublic(service)) {
      flows.push({ from: pods(GATEWAY_GROUP), to: pods(group), ports: tcp(APP_PORT), reason: `public routes of ${service.name}`, only: 'ingress' });
    }
    if (service.tier === 'frontend') {
      flows.push({ from: pods(group), to: pods(GATEWAY_GROUP), ports: tcp(TRAEFIK.ports.internal), reason: `${service.name} calls the backends through the gateway's internal entry point`, only: 'egress' });
    }
    if (identity && waitsForIdentity(service)) {
      flows.push({ from: pods(group), to: pods(serviceGroup(identity)), ports: tcp(APP_PORT), reason: `${service.name} waits for and authenticates against identity`, only: 'egress' });
    }
    for (const store of storesOf(service)) {
      const part = STORE_CLIENT_PART[store];
      flows.push({ from: pods(group), to: pods(storeGroup(part)), ports: tcp(...Object.values(STORE_PARTS[part].clientPorts)), reason: `${service.name} uses ${store}`, only: 'egress' });
    }
  }
  return flows;
}

/** The shared halves per tier present in the catalogue: the gateway's routes, the frontends' calls back, the stores' clients. */
function tierFlows(services: readonly ServiceSpec[]): Flow[] {
  const flows: Flow[] = [];
  const tiers = (Object.keys(TIER_NAMESPACE) as Tier[]).filter((tier) => services.some((s) => s.tier === tier));
  for (const tier of tiers) {
    const group = tierGroup(tier);
    flows.push({ from: pods(GATEWAY_GROUP), to: pods(group), ports: tcp(APP_PORT), reason: `public routes reach ${describeGroup(group)}`, only: 'egress' });
    if (tier === 'frontend') {
      flows.push({ from: pods(group), to: pods(GATEWAY_GROUP), ports: tcp(TRAEFIK.ports.internal), reason: `${describeGroup(group)} call the backends through the gateway's internal entry point`, only: 'ingress' });
    }
    const stores = (Object.keys(STORE_CLIENT_PART) as DataStore[]).filter((store) => services.some((s) => s.tier === tier && storesOf(s).includes(store)));
    for (const store of stores) {
      const part = STORE_CLIENT_PART[store];
      const clients = storeClientGroup(tier, store);
      flows.push({ from: pods(clients), to: pods(storeGroup(part)), ports: tcp(...Object.values(STORE_PARTS[part].clientPorts)), reason: `${describeGroup(clients)} use ${store}`, only: 'ingress' });
    }
  }
  return flows;
}

/**
 * Migration Jobs: identity (their wait-for-identity) and the PostgreSQL primary, never the pooler. Each
 * service's migration has its own egress policy; the primary and identity admit the capability selector.
 */
function migrationFlows(services: readonly ServiceSpec[]): Flow[] {
  const flows: Flow[] = [];
  const identity = identityOf(services);
  const migrating = services.filter((s) => s.migration && storesOf(s).includes('postgres'));
  const postgresPorts = tcp(...Object.values(STORE_PARTS.postgres.clientPorts));
  if (migrating.length > 0) {
    if (identity) flows.push({ from: pods(MIGRATIONS_GROUP), to: pods(serviceGroup(identity)), ports: tcp(APP_PORT), reason: `${describeGroup(MIGRATIONS_GROUP)} wait for identity`, only: 'ingress' });
    flows.push({ from: pods(MIGRATIONS_GROUP), to: pods(servingGroup('postgres')), ports: postgresPorts, reason: `${describeGroup(MIGRATIONS_GROUP)} run migrations against the primary`, only: 'ingress' });
  }
  for (const service of migrating) {
    const group = migrationGroup(service);
    if (identity) flows.push({ from: pods(group), to: pods(serviceGroup(identity)), ports: tcp(APP_PORT), reason: `${service.name}'s migration waits for identity`, only: 'egress' });
    flows.push({ from: pods(group), to: pods(servingGroup('postgres')), ports: postgresPorts, reason: `${service.name}'s migration runs against the primary`, only: 'egress' });
  }
  return flows;
}

/** The data layer among itself, its operator, the API and object storage. */
function dataLayerFlows({ apiServer, apiPorts, internet, objectStorage }: ExternalPeers): Flow[] {
  const flows: Flow[] = [];
  for (const name of Object.keys(STORE_PARTS) as StorePartName[]) {
    const part: (typeof STORE_PARTS)[StorePartName] = STORE_PARTS[name];
    const group = storeGroup(name);
    const peers = Object.values(part.peerPorts);
    if (peers.length > 0) flows.push({ from: pods(group), to: pods(group), ports: tcp(...peers), reason: `${name} peers (replication, cluster bus, quorum)` });
    for (const other of ('talksTo' in part ? part.talksTo : []) as readonly StorePartName[]) {
      flows.push({ from: pods(group), to: pods(servingGroup(other)), ports: tcp(...Object.values(STORE_PARTS[other].clientPorts)), reason: `${name} is a client of ${other}` });
    }
    if ('administers' in part) {
      flows.push({ from: pods(group), to: pods(servingGroup(part.administers.part)), ports: tcp(...part.administers.ports), reason: `${name} administers ${part.administers.part}` });
    }
    if ('operator' in part) {
      flows.push({ from: { kind: 'namespace', namespace: part.operator.namespace }, to: pods(group), ports: tcp(...part.operator.ports), reason: `the operator in ${part.operator.namespace} manages ${name}` });
    }
    // Only the pods that call the API get to it: CNPG's instance manager does, Kafka nodes and Connect do not.
    if ('kubernetesApi' in part && part.kubernetesApi) {
      flows.push({ from: pods(group), to: apiServer, ports: apiPorts, reason: `${name}'s instance manager talks to the API` });
    }
    if ('objectStorage' in part && part.objectStorage) {
      flows.push({ from: pods(group), to: objectStorage, ports: tcp(443), reason: `${name} archives to object storage` });
    }
    if ('externalHttps' in part && part.externalHttps) {
      flows.push({ from: pods(group), to: internet, ports: tcp(443), reason: `${name} downloads from and pushes to the internet` });
    }
  }
  return flows;
}
