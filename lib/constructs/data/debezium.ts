import { Construct } from 'constructs';
import {
  KafkaConnect,
  KafkaConnectSpecAuthenticationType,
  KafkaConnectSpecBuildOutputType,
  KafkaConnectSpecBuildPluginsArtifactsType,
  KafkaConnectSpecBuildResourcesLimits,
  KafkaConnectSpecResourcesLimits,
} from '../../../imports/strimzi-kafkaconnect-kafka.strimzi.io';
import { KafkaConnector } from '../../../imports/strimzi-kafkaconnector-kafka.strimzi.io';
import { commonLabels, NODE_POOL_LABEL, PULL_SECRET } from '../../platform/conventions';
import { CDC, DATA_NAMES, DATA_PORTS, DATA_SECRETS, DEBEZIUM_VERSION, DebeziumSizing, KAFKA_VERSION, kafkaPasswordSecret, PART_LABEL } from '../../platform/data';
import { assertPinned } from '../../platform/images';
import { DEBEZIUM_KAFKA_USER } from '../../platform/kafka';
import { InputError } from '../../platform/errors';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { assertResources, crdResources, subject } from './checks';
import { restrictedContainerSecurityContext } from '../pod-defaults';

export interface DebeziumProps {
  readonly environment: EnvironmentSpec;
  readonly sizing: DebeziumSizing;
  /** Registry host (and path) the Connect image with the Debezium plugin is pushed to and pulled from. */
  readonly registry: string;
  /** In-cluster host of the PostgreSQL primary (never the pooler: logical replication needs a direct session). */
  readonly databaseHost: string;
  /** Kafka bootstrap address of the client listener. */
  readonly bootstrapServers: string;
  /**
   * A prebuilt Strimzi Connect image that already contains the Debezium PostgreSQL plugin (built and scanned
   * by CI). When set, Strimzi runs it and no in-cluster build happens.
   * @default - Strimzi builds `<registry>/nx-debezium-connect:<kafka>-<debezium>` in the cluster
   */
  readonly image?: string;
}

const CREDENTIALS_MOUNT = '/mnt/postgres-credentials';

/**
 * Debezium change-data capture in nx-search, declared end to end: a Strimzi KafkaConnect `nx-debezium` with
 * the Debezium PostgreSQL plugin, and a KafkaConnector that Strimzi registers through the Connect REST API
 * (no manual call after deploy). The connector streams `nx_seller_core` from the primary with `pgoutput`
 * over the publication and replication role CNPG declares, through one fixed slot, into topics
 * `nx-seller-core.<schema>.<table>` on `nx-kafka:9093` (TLS, SCRAM-SHA-512 as `nx-debezium`).
 */
export class Debezium extends Construct {
  public readonly connect: KafkaConnect;
  public readonly connector: KafkaConnector;
  /** The image Strimzi builds or runs. */
  public readonly image: string;

  constructor(scope: Construct, id: string, props: DebeziumProps) {
    super(scope, id);
    const { environment: env, sizing } = props;
    const name = DATA_NAMES.debezium;
    const namespace = STORE_PARTS.debezium.namespace;
    const where = subject('Debezium', name);
    assertResources(where, 'resources', sizing.resources);
    // A tag, a digest, or both (`repo:tag@sha256:…`, the form production requires).
    if (props.image !== undefined && !/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9_.-]+|(:[A-Za-z0-9_.-]+)?@sha256:[a-f0-9]{64})$/.test(props.image)) {
      throw new InputError(`${where}: 'image'`, props.image, 'allowed: a full image reference with a tag or digest');
    }
    // Production runs nothing by a movable tag. The in-cluster build is run by digest: Strimzi 1.2.0 has Kaniko
    // write `<image>@sha256:…` to the termination log (KafkaConnectBuild `--image-name-with-digest-file`) and
    // deploys that (ConnectBuildOperator `kubernetesBuildWaitForFinish`).
    if (props.image !== undefined && env.requireImageDigests) assertPinned(`${where}: 'image'`, props.image);
    const built = props.image === undefined;
    this.image = props.image ?? `${props.registry}/nx-debezium-connect:${KAFKA_VERSION}-${DEBEZIUM_VERSION}`;

    const labels = commonLabels('debezium', 'cdc');
    const credentials = DATA_SECRETS.debeziumPostgres;
    const kafkaPassword = kafkaPasswordSecret('debezium');

    this.connect = new KafkaConnect(this, 'Resource', {
      metadata: {
        name,
        namespace,
        labels,
        // Connectors are managed as KafkaConnector resources, not through the REST API by hand.
        annotations: { 'strimzi.io/use-connector-resources': 'true' },
      },
      spec: {
        version: KAFKA_VERSION,
        replicas: 1,
        bootstrapServers: props.bootstrapServers,
        // The client listener: TLS verified against the copy of Strimzi's cluster CA, SCRAM as `nx-debezium`.
        tls: { trustedCertificates: [{ secretName: DATA_SECRETS.kafkaClusterCa.name, certificate: DATA_SECRETS.kafkaClusterCa.keys[0] }] },
        authentication: {
          type: KafkaConnectSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
          username: DEBEZIUM_KAFKA_USER,
          passwordSecret: { secretName: kafkaPassword.name, password: kafkaPassword.keys[0] },
        },
        groupId: name,
        configStorageTopic: `${name}-configs`,
        offsetStorageTopic: `${name}-offsets`,
        statusStorageTopic: `${name}-status`,
        config: {
          // -1: the brokers' default.replication.factor, so the offsets survive a broker loss like any topic.
          'config.storage.replication.factor': -1,
          'offset.storage.replication.factor': -1,
          'status.storage.replication.factor': -1,
          // Credentials are read from the mounted Secret at runtime; they never appear in the connector config.
          'config.providers': 'directory',
          'config.providers.directory.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
        },
        resources: crdResources(sizing.resources, (v) => KafkaConnectSpecResourcesLimits.fromString(v)),
        image: built ? undefined : this.image,
        build_: built
          ? {
              output: { type: KafkaConnectSpecBuildOutputType.DOCKER, image: this.image, pushSecret: DATA_SECRETS.debeziumBuildPush.name },
              plugins: [
                {
                  name: 'debezium-postgres',
                  artifacts: [
                    { type: KafkaConnectSpecBuildPluginsArtifactsType.MAVEN, group: 'io.debezium', artifact: 'debezium-connector-postgres', version: DEBEZIUM_VERSION },
                  ],
                },
              ],
              resources: crdResources(
                { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
                (v) => KafkaConnectSpecBuildResourcesLimits.fromString(v),
              ),
            }
          : undefined,
        template: {
          pod: {
            metadata: { labels: { [PART_LABEL]: 'debezium' } },
            imagePullSecrets: [{ name: PULL_SECRET }],
            priorityClassName: PRIORITY_CLASSES.data.name,
            affinity: nodePoolAffinity(env),
            securityContext: { runAsNonRoot: true, fsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
            // Only the two keys the connector reads (as files), so a Secret without them fails the mount.
            volumes: [{ name: 'postgres-credentials', secret: { secretName: credentials.name, items: credentials.keys.map((key) => ({ key, path: key })) } }],
          },
          connectContainer: {
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [{ name: 'postgres-credentials', mountPath: CREDENTIALS_MOUNT, readOnly: true }],
          },
          buildPod: built
            ? {
                metadata: { labels: { [PART_LABEL]: 'debezium-build' } },
                priorityClassName: PRIORITY_CLASSES.batch.name,
                affinity: nodePoolAffinity(env),
              }
            : undefined,
        },
      },
    });

    this.connector = new KafkaConnector(this, 'Connector', {
      metadata: { name: 'nx-seller-core-cdc', namespace, labels: { ...labels, 'strimzi.io/cluster': name } },
      spec: {
        class: 'io.debezium.connector.postgresql.PostgresConnector',
        // The PostgreSQL connector always runs a single task (one replication slot).
        tasksMax: 1,
        autoRestart: { enabled: true },
        config: {
          'plugin.name': 'pgoutput',
          'database.hostname': props.databaseHost,
          'database.port': DATA_PORTS.postgres,
          'database.dbname': DATA_NAMES.database,
          'database.user': `\${directory:${CREDENTIALS_MOUNT}:username}`,
          'database.password': `\${directory:${CREDENTIALS_MOUNT}:password}`,
          'database.sslmode': 'require',
          'topic.prefix': CDC.topicPrefix,
          'slot.name': CDC.slot,
          'publication.name': CDC.publication,
          // The publication is declared through CNPG; the connector must not try to create or alter it.
          'publication.autocreate.mode': 'disabled',
          'snapshot.mode': 'initial',
          // Confirms progress while the captured tables are idle, so the slot does not pin WAL on the primary.
          'heartbeat.interval.ms': 10000,
          'topic.creation.default.replication.factor': -1,
          'topic.creation.default.partitions': -1,
        },
      },
    });
  }
}

function nodePoolAffinity(env: EnvironmentSpec) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_POOL_LABEL, operator: 'In', values: [env.nodePool] }] }],
      },
    },
  };
}
