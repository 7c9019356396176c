import { clusterHost as host } from './conventions';
import { DATA_NAMES, DATA_PORTS } from './data';
import { STORE_PARTS } from './stores';
import { DataStore } from './types';

/**
 * Where each store answers inside the cluster: the names the data layer creates, as services see them.
 * A service that declares a store in `uses` gets that store's entries in its ConfigMap; credentials live in
 * Secrets only.
 */
export const STORE_ENDPOINTS: Record<DataStore, Readonly<Record<string, string>>> = {
  postgres: {
    // Apps go through PgBouncer; migrations and CDC use the primary (DATABASE_PRIMARY_HOST).
    DATABASE_HOST: host(DATA_NAMES.postgresPooler, STORE_PARTS.pgbouncer.namespace),
    DATABASE_PRIMARY_HOST: host(DATA_NAMES.postgresPrimary, STORE_PARTS.postgres.namespace),
    DATABASE_PORT: String(DATA_PORTS.postgres),
    DATABASE_NAME: DATA_NAMES.database,
  },
  redis: {
    REDIS_MODE: 'cluster',
    // A seed address on the TLS port; cluster-aware clients then follow MOVED redirects to the nodes' pod DNS
    // names, on the TLS port (a TLS client is told the TLS port), verifying each name against the certificate.
    REDIS_NODES: `${host(DATA_NAMES.redis, STORE_PARTS.redis.namespace)}:${DATA_PORTS.redis}`,
    REDIS_TLS: 'true',
  },
  kafka: {
    KAFKA_BROKERS: `${host(DATA_NAMES.kafkaService, STORE_PARTS.kafka.namespace)}:${DATA_PORTS.kafkaClients}`,
  },
  typesense: {
    TYPESENSE_HOST: host(DATA_NAMES.typesense, STORE_PARTS.typesense.namespace),
    TYPESENSE_PORT: String(DATA_PORTS.typesenseApi),
    TYPESENSE_PROTOCOL: 'http',
  },
};
