import { NAMESPACES } from './conventions';

/**
 * The data layer as the rest of the platform sees it: for each store, where its pods run, the labels that
 * select them and the ports they serve. The DataLayer constructs label their pods with exactly these
 * selectors; network policies, configuration and checks derive from this table. One entry per store part.
 */
export interface StorePart {
  /** Namespace the pods run in. */
  readonly namespace: string;
  /** Labels that select exactly this part's pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** Ports clients connect to, by name. */
  readonly clientPorts: Readonly<Record<string, number>>;
  /** Ports the part's own pods use between each other (replication, cluster bus, quorum, peering). */
  readonly peerPorts: Readonly<Record<string, number>>;
  /** Other parts this part connects to as a client (on their client ports). */
  readonly talksTo?: readonly StorePartKey[];
  /** An operator outside our namespaces that must reach the pods (namespace and ports). */
  readonly operator?: { readonly namespace: string; readonly ports: readonly number[] };
  /** Whether the pods need HTTPS egress outside the cluster (e.g. object storage for backups). */
  readonly externalHttps?: boolean;
}

type StorePartKey = 'postgres' | 'pgbouncer' | 'redis' | 'kafka' | 'typesense' | 'debezium';

export const STORE_PARTS = {
  /** CloudNativePG instances of cluster `nx-postgresql` (primary and replicas). */
  postgres: {
    namespace: NAMESPACES.persistent,
    selector: { 'cnpg.io/cluster': 'nx-postgresql' },
    clientPorts: { postgres: 5432 },
    peerPorts: { postgres: 5432, status: 8000 },
    operator: { namespace: 'cnpg-system', ports: [8000, 5432] },
    // WAL archiving and base backups to S3.
    externalHttps: true,
  },
  /** PgBouncer pods of the CNPG Pooler `nx-postgresql-pooler` (rw). */
  pgbouncer: {
    namespace: NAMESPACES.persistent,
    selector: { 'cnpg.io/poolerName': 'nx-postgresql-pooler' },
    clientPorts: { pgbouncer: 5432 },
    peerPorts: {},
    talksTo: ['postgres'],
    operator: { namespace: 'cnpg-system', ports: [8000] },
  },
  redis: {
    namespace: NAMESPACES.broker,
    selector: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'nx-redis' },
    clientPorts: { redis: 6379 },
    peerPorts: { redis: 6379, bus: 16379 },
  },
  kafka: {
    namespace: NAMESPACES.broker,
    selector: { 'app.kubernetes.io/name': 'kafka', 'app.kubernetes.io/instance': 'nx-kafka' },
    clientPorts: { clients: 29092 },
    peerPorts: { internal: 9092, controller: 9093 },
  },
  typesense: {
    namespace: NAMESPACES.search,
    selector: { 'app.kubernetes.io/name': 'typesense', 'app.kubernetes.io/instance': 'nx-typesense' },
    clientPorts: { http: 8108 },
    peerPorts: { peering: 8107, http: 8108 },
  },
  /** Debezium change-data capture (PostgreSQL → Kafka), where the environment enables it. */
  debezium: {
    namespace: NAMESPACES.search,
    selector: { 'app.kubernetes.io/name': 'debezium', 'app.kubernetes.io/instance': 'nx-debezium' },
    clientPorts: { http: 8080 },
    peerPorts: {},
    talksTo: ['postgres', 'kafka'],
  },
} as const satisfies Record<StorePartKey, StorePart>;

export type StorePartName = keyof typeof STORE_PARTS;
