import { Construct } from 'constructs';
import { DataLayer } from '../constructs/data/data-layer';
import { namespaceOf, storesOf } from '../platform/conventions';
import { DATA_LAYER } from '../platform/data';
import { kafkaUserOf, serviceAcls } from '../platform/kafka';
import { redisRules, redisUserOf } from '../platform/redis';
import { EnvironmentContext, LayerChart } from './layer-chart';

/**
 * Step 3, data layer: PostgreSQL (CloudNativePG + PgBouncer), Redis Cluster, Kafka (Strimzi, KRaft),
 * Typesense and Debezium, sized for the environment from `DATA_LAYER`. The operators themselves (CNPG, the
 * Barman Cloud plugin, Strimzi) are prerequisites installed from their upstream releases.
 */
export class DataChart extends LayerChart {
  public readonly dataLayer: DataLayer;

  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const { platform, environment, release } = context;
    const kafkaClientNamespaces = [...new Set(platform.services.filter((s) => storesOf(s).includes('kafka')).map(namespaceOf))];
    this.dataLayer = new DataLayer(this, 'DataLayer', {
      environment,
      spec: DATA_LAYER[environment.name],
      registry: release.registry,
      kafkaClientNamespaces,
      postgresBackup: release.backups?.postgres,
      redisUsers: platform.services.filter((s) => storesOf(s).includes('redis')).map((s) => ({ name: redisUserOf(s), secretUser: s.name, rules: redisRules(s) })),
      kafkaUsers: platform.services.filter((s) => storesOf(s).includes('kafka')).map((s) => ({ name: kafkaUserOf(s), secretUser: s.name, acls: serviceAcls(s) })),
    });
  }
}
