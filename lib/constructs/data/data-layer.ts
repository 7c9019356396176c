import { Construct } from 'constructs';
import { CAPABILITY_VALUE, usesLabel } from '../../platform/capabilities';
import { DataLayerSpec } from '../../platform/data';
import { BackupLocation } from '../../platform/backup-locations';
import { STORE_ENDPOINTS } from '../../platform/endpoints';
import { InputError } from '../../platform/errors';
import { DEBEZIUM_KAFKA_USER, debeziumAcls, KafkaAcl } from '../../platform/kafka';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { Debezium } from './debezium';
import { KafkaCluster } from './kafka-cluster';
import { PostgresCluster } from './postgres-cluster';
import { RedisCluster } from './redis-cluster';
import { TypesenseCluster } from './typesense-cluster';

export interface DataLayerProps {
  readonly environment: EnvironmentSpec;
  /** Sizing and toggles of every store in this environment (`DATA_LAYER[env]`). */
  readonly spec: DataLayerSpec;
  /** Registry of the platform's own images (the Debezium Connect image is built into it). */
  readonly registry: string;
  /** Namespaces of the services that declared `uses: ['kafka']`; Debezium's is added when CDC is on. */
  readonly kafkaClientNamespaces: readonly string[];
  /**
   * Where PostgreSQL backs up (the release file's `backups.postgres`).
   * @default - `defaultBackupLocations(env).postgres`
   */
  readonly postgresBackup?: BackupLocation;
  /**
   * The services' Redis ACL users.
   * @default - no service users
   */
  readonly redisUsers?: readonly { readonly name: string; readonly secretUser: string; readonly rules: string }[];
  /**
   * The services' Kafka users and ACLs; Debezium's is added when CDC is on.
   * @default - no service users
   */
  readonly kafkaUsers?: readonly { readonly name: string; readonly secretUser: string; readonly acls: readonly KafkaAcl[] }[];
  /**
   * A prebuilt Debezium Connect image; see `DebeziumProps.image`.
   * @default - Strimzi builds the image in the cluster
   */
  readonly debeziumImage?: string;
}

/**
 * The whole data layer of one environment: PostgreSQL (CNPG + PgBouncer) in nx-persistent, Redis Cluster and
 * Kafka in nx-broker, Typesense and (where enabled) Debezium in nx-search.
 */
export class DataLayer extends Construct {
  public readonly postgres: PostgresCluster;
  public readonly redis: RedisCluster;
  public readonly kafka: KafkaCluster;
  public readonly typesense: TypesenseCluster;
  public readonly debezium?: Debezium;

  constructor(scope: Construct, id: string, props: DataLayerProps) {
    super(scope, id);
    const { environment, spec } = props;
    if (spec.highAvailability) validateHighAvailability(environment, spec);
    if (spec.storageClass !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(spec.storageClass)) {
      throw new InputError(`DataLayer '${environment.name}': 'storageClass'`, spec.storageClass, 'allowed: a StorageClass name (DNS-1123 subdomain)');
    }
    const cdc = spec.debezium.enabled;
    const storageClass = spec.storageClass;

    this.postgres = new PostgresCluster(this, 'Postgres', { environment, sizing: spec.postgres, storageClass, logicalReplication: cdc, backupLocation: props.postgresBackup });
    this.redis = new RedisCluster(this, 'Redis', { environment, sizing: spec.redis, storageClass, users: props.redisUsers });
    // Services that declare kafka carry its capability label; Debezium is selected by its own labels.
    const kafkaClients = [
      ...[...new Set(props.kafkaClientNamespaces)].sort().map((namespace) => ({ namespace, selector: { [usesLabel('kafka')]: CAPABILITY_VALUE } })),
      ...(cdc ? [{ namespace: STORE_PARTS.debezium.namespace, selector: STORE_PARTS.debezium.selector }] : []),
    ];
    const users = [...(props.kafkaUsers ?? []), ...(cdc ? [{ name: DEBEZIUM_KAFKA_USER, secretUser: 'debezium', acls: debeziumAcls() }] : [])];
    this.kafka = new KafkaCluster(this, 'Kafka', { environment, sizing: spec.kafka, clientPeers: kafkaClients, users, storageClass });
    this.typesense = new TypesenseCluster(this, 'Typesense', { environment, sizing: spec.typesense, storageClass });
    if (cdc) {
      this.debezium = new Debezium(this, 'Debezium', {
        environment,
        sizing: spec.debezium,
        registry: props.registry,
        image: props.debeziumImage,
        databaseHost: STORE_ENDPOINTS.postgres.DATABASE_PRIMARY_HOST,
        bootstrapServers: STORE_ENDPOINTS.kafka.KAFKA_BROKERS,
      });
    }
  }
}

/** An HA environment must survive the loss of any one pod or node in every store. */
function validateHighAvailability(env: EnvironmentSpec, spec: DataLayerSpec): void {
  const where = `DataLayer '${env.name}' (highAvailability)`;
  const checks: [string, number, boolean, string][] = [
    ['postgres.instances', spec.postgres.instances, spec.postgres.instances >= 3, 'at least 3 (a primary and two standbys)'],
    ['postgres.poolerInstances', spec.postgres.poolerInstances, spec.postgres.poolerInstances >= 2, 'at least 2'],
    ['redis.replicasPerMaster', spec.redis.replicasPerMaster, spec.redis.replicasPerMaster >= 1, 'at least 1 (a master without a replica loses its slots with its node)'],
    ['kafka.brokers', spec.kafka.brokers, spec.kafka.brokers >= 3, 'at least 3'],
    ['kafka.minInSyncReplicas', spec.kafka.minInSyncReplicas, spec.kafka.minInSyncReplicas >= 2, 'at least 2 (one in-sync copy besides the leader)'],
    ['typesense.nodes', spec.typesense.nodes, spec.typesense.nodes >= 3, 'at least 3'],
  ];
  for (const [field, value, ok, allowed] of checks) {
    if (!ok) throw new InputError(`${where}: '${field}'`, value, `allowed: ${allowed}`);
  }
  if (!env.spreadAcrossNodes) {
    throw new InputError(`${where}: environment 'spreadAcrossNodes'`, env.spreadAcrossNodes, 'allowed: true (replicas on one node do not survive that node)');
  }
}
