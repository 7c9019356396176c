import { NAMESPACES } from './conventions';
import { EnvironmentName, ResourceSpec } from './types';

/**
 * The cluster baseline (staging step 0): which namespaces we own, the Pod Security level each enforces and
 * why, and the per-environment settings the baseline and the network policies need. Quotas and limit ranges
 * are not stated here: they are computed from the synthesized output (lib/analysis/footprint.ts).
 */

/** Pod Security Standard levels, loosest first. */
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

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
      'a quota sized from the output would refuse them, and one sized by hand would refuse the node-agent on the next new node.',
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
  /**
   * Where pods reach the Kubernetes API (controllers, CloudNativePG instances): the API server's addresses
   * and ports. NetworkPolicy sees the endpoint IPs, not the `kubernetes` Service, so this is a CIDR list;
   * narrow it to the control plane's addresses where they are known.
   */
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /** Requests and limits the LimitRange gives a container that states none (third-party or operator pods). */
  readonly containerDefaults: ResourceSpec;
}

export const CLUSTER_SETTINGS: Record<EnvironmentName, ClusterSettings> = {
  staging: {
    watcher: false,
    quotaHeadroomPercent: 25,
    apiServer: { cidrs: ['0.0.0.0/0'], ports: [443, 6443] },
    containerDefaults: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
  production: {
    watcher: false,
    quotaHeadroomPercent: 25,
    apiServer: { cidrs: ['0.0.0.0/0'], ports: [443, 6443] },
    containerDefaults: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  },
};

/** The namespaces an environment creates. */
export function namespacesOf(env: EnvironmentName): readonly NamespaceSpec[] {
  return CLUSTER_SETTINGS[env].watcher ? [...OWNED_NAMESPACES, WATCHER] : OWNED_NAMESPACES;
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
