import { DataStore } from './types';

/**
 * Where each store answers inside the cluster: the names the data layer creates, as services see them.
 * A service that declares a store in `uses` gets that store's entries in its ConfigMap; credentials live in
 * Secrets only.
 */
export const STORE_ENDPOINTS: Record<DataStore, Readonly<Record<string, string>>> = {
  postgres: {
    // Apps go through PgBouncer; migrations and CDC use the primary (DATABASE_PRIMARY_HOST).
    DATABASE_HOST: 'nx-postgresql-pooler.nx-persistent.svc.cluster.local',
    DATABASE_PRIMARY_HOST: 'nx-postgresql-primary.nx-persistent.svc.cluster.local',
    DATABASE_PORT: '5432',
    DATABASE_NAME: 'nx_seller_core',
  },
  redis: {
    REDIS_MODE: 'cluster',
    REDIS_NODES: 'nx-redis.nx-broker.svc.cluster.local:6379',
  },
  kafka: {
    KAFKA_BROKERS: 'nx-kafka.nx-broker.svc.cluster.local:29092',
  },
  typesense: {
    TYPESENSE_HOST: 'nx-typesense.nx-search.svc.cluster.local',
    TYPESENSE_PORT: '8108',
    TYPESENSE_PROTOCOL: 'http',
  },
};
