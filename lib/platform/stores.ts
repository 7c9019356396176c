import { NAMESPACES } from './conventions';
import { DATA_NAMES, DATA_PORTS, PART_LABEL } from './data';

/**
 * The data layer as the rest of the platform sees it: for each store, where its pods run, the labels that
 * select them and the ports they serve. The DataLayer constructs label their pods with exactly these
 * selectors; network policies, configuration and checks derive from this table. One entry per store part.
 */
export interface StorePart {
  /** Namespace the pods run in. */
  readonly namespace: string;
  /** Labels that select exactly this part's serving pods (what its Services select). */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Selects every pod of the part that needs its network flows, where that is more than `selector`: the
   * short-lived pods an operator runs for the part (bootstrap, join, recovery Jobs) carry other labels.
   * @default - `selector`
   */
  readonly podSelector?: {
    readonly matchLabels: Readonly<Record<string, string>>;
    readonly matchExpressions: readonly { readonly key: string; readonly operator: 'Exists' }[];
  };
  /** Ports clients connect to, by name. */
  readonly clientPorts: Readonly<Record<string, number>>;
  /** Ports the part's own pods use between each other (replication, cluster bus, quorum, peering). */
  readonly peerPorts: Readonly<Record<string, number>>;
  /** Other parts this part connects to as a client (on their client ports). */
  readonly talksTo?: readonly StorePartKey[];
  /** An operator outside our namespaces that must reach the pods (namespace and ports). */
  readonly operator?: { readonly namespace: string; readonly ports: readonly number[] };
  /** Whether the pods need HTTPS egress to anywhere on the internet (downloads, registry pushes). */
  readonly externalHttps?: boolean;
  /** Whether the pods write to the object storage (the `objectStorageCidrs` input) on 443. */
  readonly objectStorage?: boolean;
  /** Whether the pods call the Kubernetes API server (operator instance managers do). */
  readonly kubernetesApi?: boolean;
  /** Another part's peer (not client) ports this part reaches, as an administrator of it. */
  readonly administers?: { readonly part: StorePartKey; readonly ports: readonly number[] };
}

type StorePartKey = 'postgres' | 'pgbouncer' | 'redis' | 'redisClusterCreate' | 'kafka' | 'kafkaUserOperator' | 'typesense' | 'debezium' | 'debeziumBuild';

export const STORE_PARTS = {
  /**
   * CloudNativePG instances of cluster `nx-postgresql` (primary and standbys). `podRole: instance` leaves out
   * the PgBouncer pods, which CNPG also labels with the cluster name. The operator reaches the instance
   * manager on 8000 and PostgreSQL on 5432; the instance manager calls the Kubernetes API.
   *
   * The policies select more than the instances: CNPG runs initdb, join (pg_basebackup from the primary)
   * and recovery as Job pods labelled `cnpg.io/cluster`, `cnpg.io/instanceName` and `cnpg.io/jobRole`, without
   * `cnpg.io/podRole` (cloudnative-pg v1.30.0, pkg/specs/jobs.go `CreatePrimaryJob`; instance pods in
   * pkg/specs/pods.go carry `cnpg.io/instanceName` too). Those pods load their Cluster from the API server and
   * a joining replica streams from the primary on 5432, so they need the instances' flows. Pooler pods carry
   * `cnpg.io/poolerName` and never `cnpg.io/instanceName` (pkg/specs/pgbouncer/deployments.go).
   */
  postgres: {
    namespace: NAMESPACES.persistent,
    selector: { 'cnpg.io/cluster': DATA_NAMES.postgresCluster, 'cnpg.io/podRole': 'instance' },
    podSelector: { matchLabels: { 'cnpg.io/cluster': DATA_NAMES.postgresCluster }, matchExpressions: [{ key: 'cnpg.io/instanceName', operator: 'Exists' }] },
    clientPorts: { postgres: DATA_PORTS.postgres },
    peerPorts: { postgres: DATA_PORTS.postgres, status: DATA_PORTS.postgresStatus },
    operator: { namespace: 'cnpg-system', ports: [DATA_PORTS.postgresStatus, DATA_PORTS.postgres] },
    // WAL archiving and base backups to S3 (https://s3.vnpaycloud.vn) from the Barman Cloud sidecar.
    objectStorage: true,
    kubernetesApi: true,
  },
  /** PgBouncer pods of the CNPG Pooler `nx-postgresql-pooler` (rw); its instance manager watches the API. */
  pgbouncer: {
    namespace: NAMESPACES.persistent,
    selector: { 'cnpg.io/poolerName': DATA_NAMES.postgresPooler },
    clientPorts: { pgbouncer: DATA_PORTS.postgres },
    peerPorts: {},
    talksTo: ['postgres'],
    operator: { namespace: 'cnpg-system', ports: [DATA_PORTS.postgresStatus] },
    kubernetesApi: true,
  },
  /**
   * Redis Cluster nodes (StatefulSet `nx-redis`): clients and replicas on the TLS port 6380, the TLS cluster bus
   * between nodes on 16379. The plain 6379 (runbook, probes over loopback) is in neither list: no flow opens it.
   */
  redis: {
    namespace: NAMESPACES.broker,
    selector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': DATA_NAMES.redis, 'app.kubernetes.io/component': 'server' },
    clientPorts: { redis: DATA_PORTS.redis },
    peerPorts: { redis: DATA_PORTS.redis, bus: DATA_PORTS.redisBus },
  },
  /** The one-time Job `nx-redis-cluster-create`: a Redis client of every node. */
  redisClusterCreate: {
    namespace: NAMESPACES.broker,
    selector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': DATA_NAMES.redis, 'app.kubernetes.io/component': 'cluster-create' },
    clientPorts: {},
    peerPorts: {},
    talksTo: ['redis'],
  },
  /**
   * Strimzi Kafka nodes of cluster `nx` (brokers `nx-kafka-N`, and in production the KRaft controllers
   * `nx-kafka-controller-N`). Clients use the TLS + SCRAM listener 9093 (the plain 29092 is for the broker
   * pod itself: no flow opens it); nodes talk to each other on the
   * controller (9090) and replication (9091) listeners; the Strimzi operator uses 9090, 9091 and the
   * Kafka agent (8443), which only the operator queries (broker state for rolling restarts).
   *
   * No API-server egress: Strimzi 1.2.0 adds the `kafka-init` container, the only part of a node pod that
   * calls the API (node labels), only for rack awareness or node-port listeners (cluster-operator
   * KafkaCluster.java `createInitContainer`); this cluster has neither.
   */
  kafka: {
    namespace: NAMESPACES.broker,
    selector: { 'strimzi.io/cluster': DATA_NAMES.kafkaCluster, [PART_LABEL]: 'kafka' },
    clientPorts: { clients: DATA_PORTS.kafkaClients },
    peerPorts: { controlplane: DATA_PORTS.kafkaControlPlane, replication: DATA_PORTS.kafkaReplication },
    operator: { namespace: 'strimzi', ports: [DATA_PORTS.kafkaControlPlane, DATA_PORTS.kafkaReplication, DATA_PORTS.kafkaAgent] },
  },
  /**
   * Strimzi's Entity Operator with only the User Operator (Deployment `nx-entity-operator`): watches
   * KafkaUsers through the API and applies their SCRAM credentials and ACLs over the Admin API on the
   * replication listener 9091 with its own certificate (Strimzi 1.2.0 EntityUserOperatorSpec
   * `DEFAULT_BOOTSTRAP_SERVERS_PORT` 9091, `<cluster>-kafka-bootstrap`); the pod carries our part label from
   * `entityOperator.template.pod`.
   */
  kafkaUserOperator: {
    namespace: NAMESPACES.broker,
    selector: { 'strimzi.io/cluster': DATA_NAMES.kafkaCluster, [PART_LABEL]: 'kafka-user-operator' },
    clientPorts: {},
    peerPorts: {},
    administers: { part: 'kafka', ports: [DATA_PORTS.kafkaReplication] },
    kubernetesApi: true,
  },
  /** Typesense nodes (StatefulSet `nx-typesense`): API on 8108, Raft peering on 8107. */
  typesense: {
    namespace: NAMESPACES.search,
    selector: { 'app.kubernetes.io/name': 'typesense', 'app.kubernetes.io/instance': DATA_NAMES.typesense },
    clientPorts: { http: DATA_PORTS.typesenseApi },
    peerPorts: { peering: DATA_PORTS.typesensePeering, http: DATA_PORTS.typesenseApi },
  },
  /**
   * Debezium change-data capture (Strimzi KafkaConnect `nx-debezium`), where the environment enables it:
   * reads the PostgreSQL primary, writes to Kafka; the Strimzi operator manages connectors over the REST API.
   * No API-server egress: credentials come from mounted files (`DirectoryConfigProvider`), not from the
   * Kubernetes config provider.
   */
  debezium: {
    namespace: NAMESPACES.search,
    selector: { 'strimzi.io/cluster': DATA_NAMES.debezium, [PART_LABEL]: 'debezium' },
    clientPorts: { rest: DATA_PORTS.kafkaConnectRest },
    peerPorts: { rest: DATA_PORTS.kafkaConnectRest },
    talksTo: ['postgres', 'kafka'],
    operator: { namespace: 'strimzi', ports: [DATA_PORTS.kafkaConnectRest] },
  },
  /**
   * The Strimzi build pod of the Debezium Connect image (runs when the build spec changes): downloads the
   * connector from Maven Central and pushes the image to the registry.
   */
  debeziumBuild: {
    namespace: NAMESPACES.search,
    selector: { 'strimzi.io/cluster': DATA_NAMES.debezium, [PART_LABEL]: 'debezium-build' },
    clientPorts: {},
    peerPorts: {},
    externalHttps: true,
  },
} as const satisfies Record<StorePartKey, StorePart>;

export type StorePartName = keyof typeof STORE_PARTS;
