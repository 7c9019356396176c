import type { ClusterNetwork } from './network-inputs';
import type { GitOpsSpec } from './gitops';

/**
 * The platform as typed data. Everything the synthesizer writes is derived from values of these types;
 * constructs never hold platform facts of their own.
 */

/** Names of the environments the platform runs in. */
export type EnvironmentName = 'staging' | 'production';

/** Where a workload sits in the platform: backend APIs in nx-backend, frontend apps in nx-app. */
export type Tier = 'backend' | 'frontend';

/** The stateful stores a service can declare it uses; the data layer and network policies follow from it. */
export type DataStore = 'postgres' | 'redis' | 'kafka' | 'typesense';

/** Kafka topic name prefixes a service writes and reads. */
export interface KafkaTopics {
  /** Prefixes it produces to (and may create topics under). */
  readonly produces: readonly string[];
  /** Prefixes it consumes. */
  readonly consumes: readonly string[];
}

/** A service's Redis access: key patterns, pub/sub channels, command categories beyond the base set. */
export interface RedisAccess {
  /** Key patterns (`sale:*`); use a hash tag prefix (`{sale}:*`) only if the service's keys carry it. */
  readonly keys: readonly string[];
  /**
   * Pub/sub channel patterns.
   * @default - none
   */
  readonly channels?: readonly string[];
  /**
   * Command categories added to the base (`pubsub`, `scripting`, `keyspace`, `blocking`); `@dangerous` stays removed.
   * @default - none
   */
  readonly categories?: readonly string[];
}

/** CPU and memory for one container, in Kubernetes quantity notation. */
export interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** How many pods a service runs in one environment. */
export interface ReplicaSpec {
  /** Replicas (fixed), or the HPA's floor where the environment autoscales HA services. */
  readonly min: number;
  /** The HPA's ceiling; ignored where the service is not autoscaled. */
  readonly max: number;
}

/** The database migration a service runs before its Deployment rolls out. */
export interface MigrationSpec {
  /** Position in the platform's migration order (1 runs first). */
  readonly order: number;
  /**
   * The migration's own name, used in the Job name `nx-<name>-migrate-<version>`.
   * @default - the service name
   */
  readonly name?: string;
}

/** One service of the platform: the single place every fact about it is stated. */
export interface ServiceSpec {
  /** Short name (`identity`); the Deployment, Service and image are `nx-<name>`. A DNS-1123 label. */
  readonly name: string;
  readonly tier: Tier;
  /**
   * The package of the services monorepo whose image this Deployment runs: images belong to packages
   * (`<registry>/nx-<package>`, built from `packages/<package>/` or `apps/<package>/`), Deployments to the
   * catalogue. Services sharing a package run one image and share its tag; the image tells them apart by
   * `SERVICE_NAME`, which every service's ConfigMap sets to the service's own name.
   * @default - the service's name
   */
  readonly package?: string;
  /**
   * Highly available: at least two replicas, zero-downtime rollouts (maxUnavailable 0), and, where the
   * environment autoscales, an HPA and a PodDisruptionBudget.
   */
  readonly ha: boolean;
  /**
   * Path of the HTTP health endpoint on port 3000.
   * @default - backend: `/v1/api/<name>/health`; frontend: `/`
   */
  readonly healthPath?: string;
  /**
   * Whether the gateway routes public traffic to it (backends under `/v1/api/<segment>` of the API host,
   * frontends on their own host). A worker with no public API says `false`: no route, and no network path
   * from the gateway.
   * @default true
   */
  readonly public?: boolean;
  /**
   * Stores this service talks to. Drives its configuration, its network allows and the data layer.
   * @default - none
   */
  readonly uses?: readonly DataStore[];
  /**
   * Kafka topics this service produces to and consumes from, as name prefixes (`nx.sale.`): its KafkaUser's
   * ACLs are derived from them (lib/platform/kafka.ts). Required when `uses` has `kafka`.
   * @default - none
   */
  readonly topics?: KafkaTopics;
  /**
   * What its Redis ACL user (`nx-<name>`) may touch (lib/platform/redis.ts). Required when `uses` has `redis`.
   * @default - none
   */
  readonly redis?: RedisAccess;
  /**
   * Container resources of the app container.
   * @default - the tier's default (see `TIER_DEFAULTS`)
   */
  readonly resources?: ResourceSpec;
  /**
   * Replica counts per environment, overriding the environment's defaults for HA / single services.
   * @default - the environment's defaults
   */
  readonly replicas?: Partial<Record<EnvironmentName, ReplicaSpec>>;
  /**
   * The database migration this service runs, if any.
   * @default - no migration
   */
  readonly migration?: MigrationSpec;
  /**
   * Non-secret settings of this service, written to its ConfigMap `nx-<name>-config`.
   * @default - none beyond the generated ones
   */
  readonly config?: Readonly<Record<string, string>>;
}

/** One environment: what differs between staging and production. */
export interface EnvironmentSpec {
  readonly name: EnvironmentName;
  /** Value of the `node.kubernetes.io/pool` node label every pod is scheduled onto. */
  readonly nodePool: string;
  /** Whether HA services get an HPA and a PodDisruptionBudget (production) or are scaled by hand (staging). */
  readonly autoscaling: boolean;
  /** Default replicas of HA services: fixed count, or HPA range where `autoscaling` is on. */
  readonly haReplicas: ReplicaSpec;
  /** Default replicas of the other services. */
  readonly singleReplicas: ReplicaSpec;
  /** Whether HA replicas are spread across nodes with topology spread constraints. */
  readonly spreadAcrossNodes: boolean;
  /** Image tags this environment refuses, because they move (e.g. `latest` in production). */
  readonly forbiddenTags: readonly string[];
  /**
   * Whether every image pulled from outside the platform's registry must be pinned by digest.
   * @default false
   */
  readonly requireImageDigests?: boolean;
  /** Value of `APP_ENV` in every service's shared configuration. */
  readonly appEnv: string;
}

/** The whole platform: its services and its environments. */
export interface PlatformSpec {
  readonly services: readonly ServiceSpec[];
  readonly environments: readonly EnvironmentSpec[];
}

/** What is deployed: image registry and tags, for one environment. */
export interface Release {
  /** Registry host (and optional path) images are pulled from, without scheme. */
  readonly registry: string;
  /** Tag of every service's image unless `tags` names it. */
  readonly tag: string;
  /** Per-service tag overrides, keyed by service name. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Where Argo CD and Flux read this environment's output.
   * @default - `GITOPS_DEFAULTS` (lib/platform/gitops.ts)
   */
  readonly gitops?: GitOpsSpec;
  /**
   * What the network policies and the edge need to know about the cluster (API server, pod CIDRs, object
   * storage, NodeLocal DNS, the admin allow-list).
   * @default - `CLUSTER_NETWORK_DEFAULTS` (lib/platform/network-inputs.ts)
   */
  readonly network?: ClusterNetwork;
  /**
   * Where Velero and CloudNativePG write this environment's backups (bucket, prefix, credential Secret).
   * @default - `defaultBackupLocations(env)` (lib/platform/backup-locations.ts)
   */
  readonly backups?: BackupLocations;
}

/**
 * Where each backup tool of an environment writes, and with which credentials: the `backups:` block of the
 * release file (lib/platform/releases/<env>.yaml). Every environment and every tool gets its own prefix, so a
 * staging credential scoped to staging's prefixes (the S3 policy, outside this repository) can never read,
 * overwrite or sync production's backups, and Velero in staging never sees production's.
 */
export interface BackupLocation {
  /** S3 bucket. */
  readonly bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; one path segment is the environment's name. */
  readonly prefix: string;
  /** Name of the Secret (created by hand) holding this tool's S3 credentials. */
  readonly credentialSecret: string;
}

export interface BackupLocations {
  /** Velero's BackupStorageLocation (Kubernetes objects and file-system volume backups). */
  readonly velero: BackupLocation;
  /** CloudNativePG's Barman Cloud ObjectStore (base backups and WAL). */
  readonly postgres: BackupLocation;
}
