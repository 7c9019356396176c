import type { PodSecurityLevel } from '../k8s/pod-security';
import { NAMESPACES } from './conventions';
import { EDGE_SETTINGS, PORTAINER } from './edge';
import { EnvironmentName, ResourceSpec } from './types';

/**
 * The cluster baseline (staging step 0): which namespaces we own, the Pod Security level each enforces and
 * why, and the per-environment settings the baseline and the network policies need. Quotas and limit ranges
 * are not stated here: they are computed from the synthesized output (lib/inspect/footprint.ts).
 */

/** The Pod Security admission policy version the labels pin (the platform targets the Kubernetes 1.28 API). */
export const POD_SECURITY_VERSION = 'v1.28';

export const WATCHER_NAMESPACE = 'nx-watcher';

export interface NamespaceSpec {
  readonly name: string;
  /** What runs there (operations page, "Namespaces"). */
  readonly holds: string;
  /** Level Pod Security admission enforces. `audit` and `warn` are always `restricted`, so every gap shows. */
  readonly enforce: PodSecurityLevel;
  /** Why the namespace cannot enforce `restricted`; required when `enforce` is anything else. */
  readonly reason?: string;
  /**
   * Whether the namespace gets a compute ResourceQuota sized from the output.
   * @default true
   */
  readonly quota?: boolean;
  /** Why there is no quota; required when `quota` is false. */
  readonly quotaReason?: string;
  /**
   * Where the compute quota cannot be sized (`quota: false`), the object counts the namespace is held to
   * instead: LoadBalancer and NodePort Services (new ways in from outside) and PersistentVolumeClaims.
   * @default - no object quota (only namespaces with `quota: false` need one)
   */
  readonly objectQuota?: { readonly loadBalancers: number; readonly nodePorts: number; readonly persistentVolumeClaims: number };
}

/** Namespaces we own, in the order the operations page lists them. */
export const OWNED_NAMESPACES: readonly NamespaceSpec[] = [
  {
    name: NAMESPACES.internal,
    holds: 'ingress-nginx, Traefik, cert-manager, Velero',
    enforce: 'privileged',
    reason:
      "Velero's node-agent DaemonSet (file-system backups, `--use-node-agent`) mounts the kubelet's pod volumes by hostPath, which baseline already forbids; " +
      'it must live in nx-internal (operations page). The pods this repository writes there (ingress-nginx, Traefik) are restricted anyway, and audit/warn stay restricted.',
    quota: false,
    quotaReason:
      'Holds add-ons installed from upstream releases (cert-manager, Velero) whose pods are not in this output, among them a DaemonSet with one pod per node: ' +
      'a quota sized from the output would refuse them, and one sized by hand would refuse the node-agent on the next new node. ' +
      'An object quota holds it to the one LoadBalancer (ingress-nginx), no NodePort and no volume claim instead.',
    objectQuota: { loadBalancers: 1, nodePorts: 0, persistentVolumeClaims: 0 },
  },
  { name: NAMESPACES.backend, holds: 'Backend services and their migration Jobs', enforce: 'restricted' },
  { name: NAMESPACES.app, holds: 'Frontend apps', enforce: 'restricted' },
  { name: NAMESPACES.persistent, holds: 'PostgreSQL (CloudNativePG) and PgBouncer', enforce: 'restricted' },
  { name: NAMESPACES.broker, holds: 'Redis Cluster, Kafka KRaft', enforce: 'restricted' },
  {
    name: NAMESPACES.search,
    holds: 'Typesense, Debezium (CDC)',
    enforce: 'baseline',
    reason:
      "Strimzi builds the Debezium Connect image in this namespace with a Kaniko pod that runs as root, which restricted forbids (Strimzi's " +
      'restricted pod-security provider does not support Connect builds). Baseline still forbids privileged pods, host namespaces and hostPath; ' +
      'every pod this repository writes here (Typesense) is restricted, a test holds it to that, and audit/warn stay restricted.',
  },
];

/**
 * Portainer's namespace (production): created here so it gets Pod Security labels, default-deny
 * NetworkPolicies, a LimitRange and an object quota before `helm install portainer --namespace portainer`
 * (without `--create-namespace`).
 */
export const PORTAINER_NAMESPACE: NamespaceSpec = {
  name: PORTAINER.namespace,
  holds: 'Portainer (Helm chart portainer/k8s), its Ingress',
  enforce: 'baseline',
  reason:
    "Portainer's chart sets no securityContext and its image (FROM scratch, no USER) runs as root, which restricted forbids. " +
    'Baseline still forbids privileged pods, host namespaces and hostPath; audit/warn stay restricted.',
  quota: false,
  quotaReason: "Portainer's pods come from its Helm chart, not from this output, so a compute quota cannot be sized from it.",
  // The chart defaults to `service.type: NodePort`: install with `--set service.type=ClusterIP` (the quota refuses a NodePort).
  objectQuota: { loadBalancers: 0, nodePorts: 0, persistentVolumeClaims: 1 },
};

export const WATCHER: NamespaceSpec = { name: WATCHER_NAMESPACE, holds: 'Not deployed yet', enforce: 'restricted' };

/** Per-environment settings of the baseline. */
export interface ClusterSettings {
  /** Whether the environment creates nx-watcher (the operations page lists it as "not deployed yet"). */
  readonly watcher: boolean;
  /**
   * Extra room on every computed quota, in percent of the output's peak: hand scaling from the runbook
   * (`kubectl scale deployment nx-identity --replicas=3` in staging) and a debug pod must still fit.
   */
  readonly quotaHeadroomPercent: number;
  /** Requests and limits the LimitRange gives a container that states none (third-party or operator pods). */
  readonly containerDefaults: ResourceSpec;
}

export const CLUSTER_SETTINGS: Record<EnvironmentName, ClusterSettings> = {
  staging: {
    watcher: false,
    quotaHeadroomPercent: 25,
    containerDefaults: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
  production: {
    watcher: false,
    quotaHeadroomPercent: 25,
    containerDefaults: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
};

/** The namespaces an environment creates. */
export function namespacesOf(env: EnvironmentName): readonly NamespaceSpec[] {
  return [...OWNED_NAMESPACES, ...(EDGE_SETTINGS[env].portainer ? [PORTAINER_NAMESPACE] : []), ...(CLUSTER_SETTINGS[env].watcher ? [WATCHER] : [])];
}

/** Where the cluster DNS answers (kube-dns / CoreDNS in kube-system). */
export const CLUSTER_DNS = {
  namespace: 'kube-system',
  selector: { 'k8s-app': 'kube-dns' },
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
} as const;
