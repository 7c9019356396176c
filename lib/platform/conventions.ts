import { imageRef, THIRD_PARTY_IMAGES } from './images';
import { createHash } from 'crypto';
import { DataStore, EnvironmentSpec, ResourceSpec, ServiceSpec, Tier } from './types';

/**
 * Conventions shared by every construct: namespaces, names, labels, ports and defaults that the operations
 * page fixes for all services alike. Stated once here, derived everywhere else.
 */

export const NAMESPACES = {
  internal: 'nx-internal',
  backend: 'nx-backend',
  app: 'nx-app',
  persistent: 'nx-persistent',
  broker: 'nx-broker',
  search: 'nx-search',
} as const;

export const TIER_NAMESPACE: Record<Tier, string> = {
  backend: NAMESPACES.backend,
  frontend: NAMESPACES.app,
};

/** Every app container listens here (operations page: container port 3000). */
export const APP_PORT = 3000;

/** The image's user `bun` (oven/bun alpine images): uid and gid 1000. Numeric so the kubelet can verify non-root. */
export const APP_UID = 1000;
export const APP_GID = 1000;

/** Label key of the node pool every pod is pinned to. */
export const NODE_POOL_LABEL = 'node.kubernetes.io/pool';

/** Docker-registry Secret, created by hand in every namespace that pulls from the registry. */
export const PULL_SECRET = 'bcr-registry';

export const DEFAULT_REGISTRY = 'bcr.bana.com.vn';

/** Images the platform pulls from public registries, pinned by digest (lib/platform/images.ts). */
export const UTILITY_IMAGES = {
  busybox: imageRef(THIRD_PARTY_IMAGES.busybox),
  postgresClient: imageRef(THIRD_PARTY_IMAGES.postgresClient),
} as const;

export const TIER_DEFAULTS: Record<Tier, { readonly resources: ResourceSpec }> = {
  backend: { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } },
  frontend: { resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } },
};

/** Resources of the small wait-for-* init containers. */
export const WAIT_CONTAINER_RESOURCES: ResourceSpec = {
  requests: { cpu: '10m', memory: '16Mi' },
  limits: { cpu: '100m', memory: '64Mi' },
};

/** `nx-<service>`: Deployment, Service, ServiceAccount, image repository. */
export function workloadName(service: ServiceSpec | string): string {
  return `nx-${typeof service === 'string' ? service : service.name}`;
}

/** The monorepo package whose image a service runs (`payment` for payment-api and payment-worker). */
export function packageOf(service: ServiceSpec): string {
  return service.package ?? service.name;
}

/** `nx-<package>`: the image repository of a service, shared by the services of one package. */
export function imageRepository(service: ServiceSpec): string {
  return `nx-${packageOf(service)}`;
}

export function namespaceOf(service: ServiceSpec): string {
  return TIER_NAMESPACE[service.tier];
}

export function healthPathOf(service: ServiceSpec): string {
  if (service.healthPath !== undefined) return service.healthPath;
  return service.tier === 'backend' ? `/v1/api/${service.name}/health` : '/';
}

/**
 * In-cluster DNS name of a Service (the cluster domain is Kubernetes' default, `cluster.local`); a StatefulSet
 * pod's own name is `<pod>.` before its headless Service's.
 */
export function clusterHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** In-cluster DNS name of a service's ClusterIP Service. */
export function serviceHost(service: ServiceSpec): string {
  return clusterHost(workloadName(service), namespaceOf(service));
}

/** Whether the gateway routes public traffic to the service (`public`, default true). */
export function isPublic(service: ServiceSpec): boolean {
  return service.public ?? true;
}

export function storesOf(service: ServiceSpec): readonly DataStore[] {
  return service.uses ?? [];
}

/** The identity service every other backend waits for (operations page, "Thứ tự Khởi động"). */
export const IDENTITY_SERVICE = 'identity';

/**
 * Selector labels: a fixed subset of the common labels, never the version (selectors are immutable).
 * `component` keeps a Service from selecting its migration Job's pods (component `migration`).
 */
export function selectorLabels(service: ServiceSpec): Record<string, string> {
  return {
    'app.kubernetes.io/name': service.name,
    'app.kubernetes.io/component': service.tier,
  };
}

/** Pod-template annotation holding a digest of the configuration a pod reads: a config change rolls the pods. */
export const CONFIG_DIGEST_ANNOTATION = 'platform.bana.com.vn/config-digest';

export const PART_OF = 'bana';
export const MANAGED_BY = 'cdk8s';

export function commonLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Replicas of a service in an environment: the service's override, else the environment's default. */
export function replicasOf(service: ServiceSpec, env: EnvironmentSpec): { min: number; max: number; autoscaled: boolean } {
  const spec = service.replicas?.[env.name] ?? (service.ha ? env.haReplicas : env.singleReplicas);
  const autoscaled = service.ha && env.autoscaling;
  return { min: spec.min, max: autoscaled ? spec.max : spec.min, autoscaled };
}

export function resourcesOf(service: ServiceSpec): ResourceSpec {
  return service.resources ?? TIER_DEFAULTS[service.tier].resources;
}

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/**
 * The `app.kubernetes.io/version` label for an image tag: the tag itself where it is a valid label value
 * (at most 63 characters, alphanumeric at both ends), else a stable shortened form with a hash of the tag, so
 * every tag the inputs accept gives a valid label and different tags never share one.
 */
export function versionLabel(tag: string): string {
  if (LABEL_VALUE.test(tag)) return tag;
  const hash = createHash('sha256').update(tag).digest('hex').slice(0, 8);
  const head = tag
    .replace(/[^-A-Za-z0-9_.]/g, '-')
    .slice(0, 63 - hash.length - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return head.length > 0 ? `${head}-${hash}` : hash;
}
