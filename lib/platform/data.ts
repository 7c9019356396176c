import { imageRef, THIRD_PARTY_IMAGES } from './images';
import { EnvironmentName, ResourceSpec } from './types';

/**
 * The data layer as typed data: names the rest of the platform already uses, pinned images, the backup
 * target, and the sizing and toggles of every store per environment. The DataLayer constructs derive
 * everything from here; `STORE_PARTS` (stores.ts) and `STORE_ENDPOINTS` (endpoints.ts) repeat only the
 * names and ports the network policies and service configuration need.
 */

/** Names fixed by the operations page, the services' configuration and the runbook. */
export const DATA_NAMES = {
  /** CloudNativePG Cluster; CNPG derives `<name>-rw`, `<name>-r`, `<name>-ro` and the instance pods from it. */
  postgresCluster: 'nx-postgresql',
  /** Service that always points at the primary (runbook `port-forward svc/nx-postgresql-primary`). */
  postgresPrimary: 'nx-postgresql-primary',
  /** CNPG Pooler (PgBouncer, rw); CNPG names its Service and Deployment after it. */
  postgresPooler: 'nx-postgresql-pooler',
  database: 'nx_seller_core',
  databaseOwner: 'nx_seller_operator',
  redis: 'nx-redis',
  /**
   * Strimzi Kafka cluster. Strimzi names pods `<cluster>-<pool>-<id>`: cluster `nx` with the broker pool
   * `kafka` gives `nx-kafka-0`, the pod the runbook execs into.
   */
  kafkaCluster: 'nx',
  kafkaBrokerPool: 'kafka',
  kafkaControllerPool: 'kafka-controller',
  /** ClusterIP Service on the authenticated client listener (`nx-kafka:9093`, KAFKA_BROKERS). */
  kafkaService: 'nx-kafka',
  typesense: 'nx-typesense',
  /** Strimzi KafkaConnect running Debezium; Strimzi names its pods and Service `<name>-connect*`. */
  debezium: 'nx-debezium',
} as const;

/** Ports of the data layer that clients and peers use. */
export const DATA_PORTS = {
  postgres: 5432,
  /** CNPG instance manager status endpoint, used by the operator. */
  postgresStatus: 8000,
  /**
   * Redis's TLS port (`tls-port`): what every client, the replicas and the create Job use, the only Redis port
   * a NetworkPolicy opens to clients.
   */
  redis: 6380,
  /**
   * Redis's plain port (`port`), kept for the runbook's `redis-cli -a $REDIS_PASSWORD` (redis-cli's default
   * 127.0.0.1:6379) and the exec probes, inside the pod over loopback. Redis binds every listener on the same
   * addresses (`bind` is shared: redis src/server.c `initListeners`, read at unstable 4f8cdc2, gives the TCP and TLS listeners one
   * `server.bindaddr`), so this port is reachable on the pod address too: no NetworkPolicy admits any pod to
   * it (docs/security.md, "Redis").
   */
  redisLocal: 6379,
  /**
   * Redis Cluster bus (TLS, `tls-cluster yes`), set with `cluster-port`: without it the bus would move to
   * `tls-port + 10000` (redis src/cluster_legacy.c `defaultClientPort`: the TLS port once `tls-cluster` is on).
   */
  redisBus: 16379,
  /** The client listener: TLS with SCRAM-SHA-512 authentication, the port every client uses. */
  kafkaClients: 9093,
  /**
   * The runbook's `--bootstrap-server localhost:29092`: a plain listener that only the broker pod itself uses
   * (no NetworkPolicy admits any pod to it). Strimzi gives 29092 no meaning of its own: every user listener
   * binds `0.0.0.0:<port>` (cluster-operator 1.2.0 KafkaBrokerConfigurationBuilder `withListeners`), ports
   * below 9092 and 9404/9999 are refused (ListenersValidator `FORBIDDEN_PORTS`, `LOWEST_ALLOWED_PORT_NUMBER`).
   */
  kafkaLocal: 29092,
  /** Strimzi's fixed internal listeners: KRaft controllers, replication (TLS), and the Kafka agent. */
  kafkaControlPlane: 9090,
  kafkaReplication: 9091,
  kafkaAgent: 8443,
  typesenseApi: 8108,
  typesensePeering: 8107,
  kafkaConnectRest: 8083,
} as const;

/**
 * Label key the DataLayer adds (through the operators' pod templates) to the pods it does not write itself,
 * so that each store part is selected by labels we control.
 */
export const PART_LABEL = 'platform.bana.com.vn/part';

/**
 * Images, pinned by digest (lib/platform/images.ts cites where each digest comes from). Each one is
 * maintained upstream and chosen for the reason given.
 */
export const DATA_IMAGES = {
  /**
   * CloudNativePG's official `standard` image for PostgreSQL 16 (Debian trixie), exactly as listed in
   * cloudnative-pg/artifacts `image-catalogs/catalog-standard-trixie.yaml` (catalog date 2026-08-31): an
   * immutable build tag plus digest. `standard` carries pg_failover_slots (logical slots survive failover on
   * PG16) and works with the Barman Cloud plugin; the in-tree `system` images are deprecated.
   */
  postgres: imageRef(THIRD_PARTY_IMAGES.postgres),
  /** PgBouncer image CloudNativePG itself defaults to (pkg/versions DefaultPgbouncerImage). */
  pgbouncer: imageRef(THIRD_PARTY_IMAGES.pgbouncer),
  /**
   * The Docker official `redis` image, maintained by Redis (docker-library/official-images `library/redis`:
   * 8.10.2 on Debian trixie). Not `bitnamilegacy/*`, which is frozen since 2025-08-28. Runs as uid/gid 999.
   */
  redis: imageRef(THIRD_PARTY_IMAGES.redis),
  /** Official Typesense server image. */
  typesense: imageRef(THIRD_PARTY_IMAGES.typesense),
} as const;

/** uid/gid of the `redis` user in the official image (docker-library/redis Dockerfile). */
export const REDIS_UID = 999;
/** Typesense's image has no user; run it as an unprivileged uid that owns nothing in the image. */
export const TYPESENSE_UID = 10000;

/** Kafka and Debezium versions: Strimzi 1.2.0's default Kafka, and the Debezium release built for it. */
export const KAFKA_VERSION = '4.3.1';
export const KAFKA_METADATA_VERSION = '4.3-IV0';
export const DEBEZIUM_VERSION = '3.6.1.Final';

/**
 * The platform's S3 (operations page, Velero section). Bucket, prefix and credentials are per environment and
 * tool (the release file's `backups:` block, lib/platform/backup-locations.ts).
 */
export const BACKUP_TARGET = {
  endpoint: 'https://s3.vnpaycloud.vn',
  region: 'ap-southeast-1',
} as const;

/** Secrets the data layer reads (created by hand, never in git), by name and key. */
export const DATA_SECRETS = {
  /** nx-persistent, kubernetes.io/basic-auth: `username` (= the database owner) and `password`. */
  postgresOwner: { name: 'nx-postgresql-owner', keys: ['username', 'password'] },
  /** nx-persistent: S3 credentials for WAL archiving and base backups. */
  postgresBackup: { name: 'nx-postgresql-backup-s3', keys: ['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY'] },
  /** nx-persistent, kubernetes.io/basic-auth: the CDC replication role (`username` = nx_debezium). */
  postgresDebezium: { name: 'nx-postgresql-debezium', keys: ['username', 'password'] },
  /**
   * nx-broker: passwords (`[A-Za-z0-9_-]+`) of the Redis cluster's own users: `password` (user `default`, the
   * runbook's `$REDIS_PASSWORD`), `admin-password` (`nx-admin`), `replication-password` (`nx-replication`).
   */
  redis: { name: 'nx-redis', keys: ['password', 'admin-password', 'replication-password'] },
  /** nx-search: the Typesense bootstrap admin key. */
  typesense: { name: 'nx-typesense', keys: ['api-key'] },
  /** nx-search: the same credentials as nx-postgresql-debezium, for the connector. */
  debeziumPostgres: { name: 'nx-debezium-postgres', keys: ['username', 'password'] },
  /** nx-search, kubernetes.io/dockerconfigjson: push rights on the registry for the Connect image build. */
  debeziumBuildPush: { name: 'nx-debezium-build-push', keys: ['.dockerconfigjson'] },
  /**
   * nx-backend and nx-search: a copy of Strimzi's cluster CA certificate (`nx-cluster-ca-cert`, key `ca.crt`, in
   * nx-broker), so clients verify the brokers' TLS certificates. Public, but a Secret because Strimzi's
   * KafkaConnect `tls.trustedCertificates` reads only Secrets.
   */
  kafkaClusterCa: { name: 'nx-kafka-cluster-ca', keys: ['ca.crt'] },
  /**
   * nx-backend: a copy of the Redis CA certificate (key `ca.crt` of `nx-broker/nx-redis-ca`, which cert-manager
   * writes), so services verify the Redis nodes' TLS certificates. Only the certificate: the CA's Secret in
   * nx-broker also holds its private key, which never leaves nx-broker.
   */
  redisCa: { name: 'nx-redis-ca-cert', keys: ['ca.crt'] },
} as const;

/**
 * Redis TLS, made by cert-manager in nx-broker (never by hand): a self-signed root (`nx-redis-ca`, Secret
 * `nx-redis-ca` with `tls.crt`, `tls.key`, `ca.crt`) behind the namespaced CA Issuer `nx-redis-ca`, and the
 * nodes' certificate `nx-redis-tls` (Secret `nx-redis-tls`: `tls.crt`, `tls.key`, `ca.crt`).
 */
export const REDIS_TLS = {
  selfSignedIssuer: 'nx-redis-selfsigned',
  caCertificate: 'nx-redis-ca',
  caIssuer: 'nx-redis-ca',
  caSecret: 'nx-redis-ca',
  serverCertificate: 'nx-redis-tls',
  serverSecret: 'nx-redis-tls',
  /** The CA lives 3 years and is renewed 90 days before with the same key (clients' copies keep verifying). */
  caDuration: '26280h',
  caRenewBefore: '2160h',
  /** The nodes' certificate: 1 year, renewed 30 days before; Redis reads it at start (docs/data-layer.md). */
  serverDuration: '8760h',
  serverRenewBefore: '720h',
} as const;

/**
 * The Secret holding a Kafka user's SCRAM-SHA-512 password, key `password`: the same name and value in
 * nx-broker (the KafkaUser reads it, `authentication.password.valueFrom`) and in the client's namespace (the
 * client reads it). Created by hand, like every credential.
 */
export function kafkaPasswordSecret(user: string): { readonly name: string; readonly keys: readonly ['password'] } {
  return { name: `nx-kafka-${user}`, keys: ['password'] };
}

/**
 * The Secret holding a service's Redis ACL password, key `password`: the same name and value in nx-broker
 * (the Redis nodes read it) and in nx-backend (the service reads it).
 */
export function redisPasswordSecret(service: string): { readonly name: string; readonly keys: readonly ['password'] } {
  return { name: `nx-redis-${service}`, keys: ['password'] };
}

/** The CDC replication role, publication and slot in PostgreSQL (fixed: renaming them loses the stream position). */
export const CDC = {
  role: 'nx_debezium',
  publication: 'nx_debezium_publication',
  slot: 'nx_debezium_seller_core',
  /** Topics are `<prefix>.<schema>.<table>`; changing it re-publishes everything under new topic names. */
  topicPrefix: 'nx-seller-core',
} as const;

export interface PostgresSizing {
  /** Instances: one primary plus hot standbys. */
  readonly instances: number;
  /** PGDATA volume size. */
  readonly storageSize: string;
  /** Separate WAL volume size. */
  readonly walStorageSize: string;
  readonly resources: ResourceSpec;
  /** `max_connections`: PgBouncer multiplexes the apps onto far fewer server connections. */
  readonly maxConnections: number;
  /** `shared_buffers` (about a quarter of the memory limit). */
  readonly sharedBuffers: string;
  /** PgBouncer pods of the Pooler. */
  readonly poolerInstances: number;
  readonly poolerResources: ResourceSpec;
  /** Backup retention in the object store (`30d`: the same 30 days Velero keeps). */
  readonly backupRetention: string;
  /** Base backup schedule, six fields with seconds first (CNPG's cron format). */
  readonly backupSchedule: string;
}

export interface RedisSizing {
  readonly masters: number;
  readonly replicasPerMaster: number;
  readonly storageSize: string;
  readonly resources: ResourceSpec;
  /** Redis `maxmemory`, below the container memory limit to leave room for AOF rewrites and buffers. */
  readonly maxMemory: string;
}

export interface KafkaSizing {
  /** Broker pods (`nx-kafka-0..N-1`). */
  readonly brokers: number;
  /**
   * Dedicated KRaft controller pods; 0 runs the controllers inside the broker pods (combined nodes), so the
   * quorum is the broker count.
   */
  readonly dedicatedControllers: number;
  readonly storageSize: string;
  readonly controllerStorageSize: string;
  readonly resources: ResourceSpec;
  readonly controllerResources: ResourceSpec;
  readonly replicationFactor: number;
  readonly minInSyncReplicas: number;
}

export interface TypesenseSizing {
  readonly nodes: number;
  readonly storageSize: string;
  readonly resources: ResourceSpec;
}

export interface DebeziumSizing {
  /** Whether CDC runs in this environment (the develop stack treats it as optional). */
  readonly enabled: boolean;
  readonly resources: ResourceSpec;
}

/** The data layer of one environment. */
export interface DataLayerSpec {
  /**
   * Highly available: every store must survive the loss of one pod or node (>= 3 PostgreSQL instances,
   * a replica per Redis master, >= 3 brokers with min ISR >= 2, >= 3 Typesense nodes).
   */
  readonly highAvailability: boolean;
  /** StorageClass of every data volume; `undefined` uses the cluster's default StorageClass. */
  readonly storageClass?: string;
  readonly postgres: PostgresSizing;
  readonly redis: RedisSizing;
  readonly kafka: KafkaSizing;
  readonly typesense: TypesenseSizing;
  readonly debezium: DebeziumSizing;
}

function res(requestCpu: string, requestMemory: string, limitCpu: string, limitMemory: string): ResourceSpec {
  return { requests: { cpu: requestCpu, memory: requestMemory }, limits: { cpu: limitCpu, memory: limitMemory } };
}

/**
 * Staging mirrors production's topology where a difference would hide a failure mode (clustered Redis,
 * replicated Kafka with min ISR 2, PostgreSQL with a standby and CDC), and is smaller everywhere else.
 */
export const DATA_LAYER: Record<EnvironmentName, DataLayerSpec> = {
  staging: {
    highAvailability: false,
    postgres: {
      instances: 2,
      storageSize: '20Gi',
      walStorageSize: '5Gi',
      resources: res('250m', '1Gi', '1', '1Gi'),
      maxConnections: 200,
      sharedBuffers: '256MB',
      poolerInstances: 1,
      poolerResources: res('50m', '64Mi', '500m', '128Mi'),
      backupRetention: '14d',
      backupSchedule: '0 0 1 * * *',
    },
    redis: { masters: 3, replicasPerMaster: 0, storageSize: '2Gi', resources: res('100m', '256Mi', '500m', '256Mi'), maxMemory: '192mb' },
    kafka: {
      brokers: 3,
      dedicatedControllers: 0,
      storageSize: '20Gi',
      controllerStorageSize: '5Gi',
      resources: res('250m', '1Gi', '1', '1Gi'),
      controllerResources: res('100m', '512Mi', '500m', '512Mi'),
      replicationFactor: 3,
      minInSyncReplicas: 2,
    },
    typesense: { nodes: 1, storageSize: '10Gi', resources: res('100m', '512Mi', '1', '1Gi') },
    debezium: { enabled: true, resources: res('100m', '768Mi', '1', '768Mi') },
  },
  production: {
    highAvailability: true,
    postgres: {
      instances: 3,
      storageSize: '100Gi',
      walStorageSize: '20Gi',
      resources: res('1', '4Gi', '2', '4Gi'),
      maxConnections: 300,
      sharedBuffers: '1GB',
      poolerInstances: 3,
      poolerResources: res('100m', '128Mi', '1', '256Mi'),
      backupRetention: '30d',
      backupSchedule: '0 0 1 * * *',
    },
    redis: { masters: 3, replicasPerMaster: 1, storageSize: '8Gi', resources: res('250m', '1Gi', '1', '1Gi'), maxMemory: '768mb' },
    kafka: {
      brokers: 3,
      dedicatedControllers: 3,
      storageSize: '100Gi',
      controllerStorageSize: '10Gi',
      resources: res('500m', '2Gi', '2', '2Gi'),
      controllerResources: res('100m', '512Mi', '500m', '512Mi'),
      replicationFactor: 3,
      minInSyncReplicas: 2,
    },
    typesense: { nodes: 3, storageSize: '20Gi', resources: res('250m', '1Gi', '2', '2Gi') },
    debezium: { enabled: true, resources: res('250m', '1Gi', '1', '1Gi') },
  },
};
