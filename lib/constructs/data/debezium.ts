import { Construct } from 'constructs';
import {
  KafkaConnect,
  KafkaConnectSpecAuthenticationType,
  KafkaConnectSpecBuild,
  KafkaConnectSpecBuildOutputType,
  KafkaConnectSpecBuildPluginsArtifactsType,
  KafkaConnectSpecBuildResourcesLimits,
  KafkaConnectSpecResourcesLimits,
  KafkaConnectSpecTemplate,
} from '../../../imports/strimzi-kafkaconnect-kafka.strimzi.io';
import { KafkaConnector } from '../../../imports/strimzi-kafkaconnector-kafka.strimzi.io';
import { commonLabels, PULL_SECRET } from '../../platform/conventions';
import { CDC, DATA_NAMES, DATA_PORTS, DATA_SECRETS, DEBEZIUM_VERSION, DebeziumSizing, KAFKA_VERSION, kafkaPasswordSecret, PART_LABEL } from '../../platform/data';
import { assertPinned } from '../../platform/images';
import { DEBEZIUM_KAFKA_USER } from '../../platform/kafka';
import { InputError } from '../../platform/errors';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { assertResources, crdResources, subject } from './checks';
import { nodePoolAffinity, restrictedContainerSecurityContext } from '../pod-defaults';

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
    const where = subject('Debezium', DATA_NAMES.debezium);
    assertResources(where, 'resources', props.sizing.resources);
    validateImage(where, props);
    this.image = props.image ?? `${props.registry}/nx-debezium-connect:${KAFKA_VERSION}-${DEBEZIUM_VERSION}`;
    this.connect = this.addConnect(props);
    this.connector = this.addConnector(props);
  }

  /**
   * The KafkaConnect: TLS + SCRAM to the brokers, the directory config provider for the database credentials,
   * and (without `image`) Strimzi's in-cluster build of the Debezium plugin.
   */
  private addConnect(props: DebeziumProps): KafkaConnect {
    const { environment: env, sizing } = props;
    const name = DATA_NAMES.debezium;
    const namespace = STORE_PARTS.debezium.namespace;
    const built = props.image === undefined;
    const labels = commonLabels('debezium', 'cdc');
    const kafkaPassword = kafkaPasswordSecret('debezium');

    return new KafkaConnect(this, 'Resource', {
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
        build_: built ? connectBuild(this.image) : undefined,
        template: connectTemplate(env, built),
      },
    });
  }

  /** The PostgreSQL connector: pgoutput on the CNPG-declared publication and slot, credentials from files. */
  private addConnector(props: DebeziumProps): KafkaConnector {
    const name = DATA_NAMES.debezium;
    const namespace = STORE_PARTS.debezium.namespace;
    const labels = commonLabels('debezium', 'cdc');
    return new KafkaConnector(this, 'Connector', {
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

/** `image`: a tag, a digest, or both (`repo:tag@sha256:…`, the form production requires). */
function validateImage(where: string, props: DebeziumProps): void {
  if (props.image === undefined) return;
  if (!/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9_.-]+|(:[A-Za-z0-9_.-]+)?@sha256:[a-f0-9]{64})$/.test(props.image)) {
    throw new InputError(`${where}: 'image'`, props.image, 'allowed: a full image reference with a tag or digest');
  }
  // Production runs nothing by a movable tag. The in-cluster build is run by digest: Strimzi 1.2.0 has Kaniko
  // write `<image>@sha256:…` to the termination log (KafkaConnectBuild `--image-name-with-digest-file`) and
  // deploys that (ConnectBuildOperator `kubernetesBuildWaitForFinish`).
  if (props.environment.requireImageDigests) assertPinned(`${where}: 'image'`, props.image);
}

/** Strimzi's in-cluster build: the Debezium PostgreSQL plugin from Maven, pushed to `image`. */
function connectBuild(image: string): KafkaConnectSpecBuild {
  return {
    output: { type: KafkaConnectSpecBuildOutputType.DOCKER, image, pushSecret: DATA_SECRETS.debeziumBuildPush.name },
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
  };
}

/** The Connect and build pods: data priority, the node pool, Strimzi's uid 1001, the credentials as files. */
function connectTemplate(env: EnvironmentSpec, built: boolean): KafkaConnectSpecTemplate {
  const credentials = DATA_SECRETS.debeziumPostgres;
  return {
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
  };
}

