import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ObjectStore, ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits as SidecarQuantity, ObjectStoreSpecConfigurationDataCompression, ObjectStoreSpecConfigurationWalCompression } from '../../../imports/barman-objectstore-barmancloud.cnpg.io';
import {
  Cluster,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecPrimaryUpdateMethod,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
} from '../../../imports/cnpg-cluster-postgresql.cnpg.io';
import { Pooler, PoolerSpecPgbouncerPoolMode, PoolerSpecTemplateSpecContainersResourcesLimits as PoolerQuantity, PoolerSpecType } from '../../../imports/cnpg-pooler-postgresql.cnpg.io';
import { Publication, PublicationSpecPublicationReclaimPolicy } from '../../../imports/cnpg-publication-postgresql.cnpg.io';
import {
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
} from '../../../imports/cnpg-scheduledbackup-postgresql.cnpg.io';
import { commonLabels } from '../../platform/conventions';
import { BackupLocation, defaultBackupLocations, locationUrl } from '../../platform/backup-locations';
import { BACKUP_TARGET, CDC, DATA_IMAGES, DATA_NAMES, DATA_PORTS, DATA_SECRETS, PostgresSizing } from '../../platform/data';
import { InputError } from '../../platform/errors';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { nodeSelector } from '../pod-defaults';
import { assertInteger, assertResources, assertStorageSize, crdResources, subject } from './checks';
import { DisruptionBudget } from '../disruption-budget';
import { spreadAcrossNodes } from '../spread';

/** The Barman Cloud CNPG-I plugin, as it registers itself with the operator. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

export interface PostgresClusterProps {
  /** The environment: node pool, spread, backup prefix. */
  readonly environment: EnvironmentSpec;
  /** Instances, volumes, resources, pooler and backup schedule. */
  readonly sizing: PostgresSizing;
  /**
   * StorageClass of the data and WAL volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /**
   * Prepare the database for change-data capture: a replication role and a publication declared through CNPG,
   * and logical slots that survive a failover (pg_failover_slots on PostgreSQL 16).
   * @default false
   */
  readonly logicalReplication?: boolean;
  /**
   * Where base backups and WAL go, and the Secret with the S3 credentials (keys `ACCESS_KEY_ID`,
   * `ACCESS_SECRET_KEY`): the release file's `backups.postgres`.
   * @default - `defaultBackupLocations(env).postgres`: `s3://bana-backups/postgresql/<environment>`, `nx-postgresql-backup-s3`
   */
  readonly backupLocation?: BackupLocation;
}

/**
 * PostgreSQL 16 on CloudNativePG: the `nx-postgresql` Cluster (database `nx_seller_core` owned by
 * `nx_seller_operator`), continuous WAL archiving and daily base backups to S3 through the Barman Cloud
 * plugin, the `nx-postgresql-primary` Service, and the PgBouncer Pooler `nx-postgresql-pooler` (rw) the apps
 * use. Migrations and CDC use the primary Service, never the pooler.
 */
export class PostgresCluster extends Construct {
  public readonly cluster: Cluster;
  public readonly objectStore: ObjectStore;
  public readonly scheduledBackup: ScheduledBackup;
  public readonly primaryService: k8s.KubeService;
  public readonly pooler: Pooler;
  public readonly poolerBudget?: k8s.KubePodDisruptionBudget;
  public readonly publication?: Publication;
  public readonly backupPath: string;
  public readonly logicalReplication: boolean;
  private readonly labels = commonLabels('postgresql', 'database');

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    const { environment: env, sizing } = props;
    this.logicalReplication = props.logicalReplication ?? false;
    const location = props.backupLocation ?? defaultBackupLocations(env.name).postgres;
    this.backupPath = locationUrl(location);
    validate(subject('PostgresCluster', NAME), sizing, this.backupPath);

    this.objectStore = this.addObjectStore(sizing, location);
    this.cluster = this.addCluster(props);
    this.scheduledBackup = this.addScheduledBackup(sizing);
    this.primaryService = this.addPrimaryService();
    this.pooler = this.addPooler(sizing, env);
    // CNPG writes PDBs for the instances but none for PgBouncer.
    if (sizing.poolerInstances > 1) {
      const metadata = { name: DATA_NAMES.postgresPooler, namespace: NAMESPACE, labels: this.labels };
      this.poolerBudget = new DisruptionBudget(this, 'PoolerDisruptionBudget', { metadata, selector: STORE_PARTS.pgbouncer.selector }).resource;
    }
    if (this.logicalReplication) {
      this.publication = this.addPublication();
    }
  }

  /** Where the Barman Cloud plugin archives WAL and base backups, with the S3 credentials' Secret. */
  private addObjectStore(sizing: PostgresSizing, location: BackupLocation): ObjectStore {
    const backupSecret = { name: location.credentialSecret, keys: DATA_SECRETS.postgresBackup.keys };
    return new ObjectStore(this, 'ObjectStore', {
      metadata: { name: OBJECT_STORE_NAME, namespace: NAMESPACE, labels: this.labels },
      spec: {
        retentionPolicy: sizing.backupRetention,
        configuration: {
          destinationPath: this.backupPath,
          endpointUrl: BACKUP_TARGET.endpoint,
          s3Credentials: {
            accessKeyId: { name: backupSecret.name, key: backupSecret.keys[0] },
            secretAccessKey: { name: backupSecret.name, key: backupSecret.keys[1] },
          },
          wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP, maxParallel: 2 },
          data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP, jobs: 2 },
        },
        instanceSidecarConfiguration: {
          // The region is not a secret: botocore reads it from the environment.
          env: [{ name: 'AWS_DEFAULT_REGION', value: BACKUP_TARGET.region }],
          resources: crdResources(
            { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
            (v) => SidecarQuantity.fromString(v),
          ),
        },
      },
    });
  }

  private addCluster(props: PostgresClusterProps): Cluster {
    const { environment: env, sizing } = props;
    return new Cluster(this, 'Resource', {
      metadata: { name: NAME, namespace: NAMESPACE, labels: this.labels },
      spec: {
        description: 'BANA platform database (nx_seller_core)',
        instances: sizing.instances,
        imageName: DATA_IMAGES.postgres,
        imagePullPolicy: 'IfNotPresent',
        primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
        primaryUpdateMethod: ClusterSpecPrimaryUpdateMethod.SWITCHOVER,
        priorityClassName: PRIORITY_CLASSES.data.name,
        enableSuperuserAccess: false,
        enablePdb: true,
        bootstrap: {
          initdb: {
            database: DATA_NAMES.database,
            owner: DATA_NAMES.databaseOwner,
            secret: { name: DATA_SECRETS.postgresOwner.name },
            dataChecksums: true,
            encoding: 'UTF8',
          },
        },
        storage: { size: sizing.storageSize, storageClass: props.storageClass },
        walStorage: { size: sizing.walStorageSize, storageClass: props.storageClass },
        resources: crdResources(sizing.resources, (v) => ClusterSpecResourcesLimits.fromString(v)),
        postgresql: { parameters: this.parameters(sizing) },
        replicationSlots: {
          highAvailability: { enabled: true, synchronizeLogicalDecoding: this.logicalReplication ? true : undefined },
        },
        managed: this.logicalReplication ? { roles: [CDC_ROLE] } : undefined,
        plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWalArchiver: true, parameters: { barmanObjectName: OBJECT_STORE_NAME } }],
        affinity: {
          nodeSelector: nodeSelector(env),
          enablePodAntiAffinity: true,
          // Production: never two instances on one node. Staging may have fewer nodes than instances.
          podAntiAffinityType: env.spreadAcrossNodes ? 'required' : 'preferred',
          topologyKey: 'kubernetes.io/hostname',
        },
        topologySpreadConstraints: env.spreadAcrossNodes
          ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...STORE_PARTS.postgres.selector } } }]
          : undefined,
        inheritedMetadata: { labels: { 'app.kubernetes.io/part-of': this.labels['app.kubernetes.io/part-of'] } },
      },
    });
  }

  /** postgresql.conf parameters: sizing, the RPO, and the slot settings CDC needs. */
  private parameters(sizing: PostgresSizing): Record<string, string> {
    const parameters: Record<string, string> = {
      max_connections: String(sizing.maxConnections),
      shared_buffers: sizing.sharedBuffers,
      // RPO: a WAL segment is archived at least every 5 minutes even when the database is quiet.
      archive_timeout: '5min',
    };
    if (this.logicalReplication) {
      // Setting a pg_failover_slots option makes CNPG preload the extension (a managed extension); standbys
      // then keep a copy of the Debezium slot, so CDC resumes after a failover instead of re-snapshotting.
      parameters['pg_failover_slots.synchronize_slot_names'] = `name:${CDC.slot}`;
      // 'true', not 'on': a YAML 1.1 reader (kubectl apply -f) would turn a bare on into a boolean.
      parameters.hot_standby_feedback = 'true';
    }
    return parameters;
  }

  private addScheduledBackup(sizing: PostgresSizing): ScheduledBackup {
    return new ScheduledBackup(this, 'ScheduledBackup', {
      metadata: { name: `${NAME}-daily`, namespace: NAMESPACE, labels: this.labels },
      spec: {
        schedule: sizing.backupSchedule,
        cluster: { name: NAME },
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        // A base backup right after the cluster is created, so PITR works before the first scheduled run.
        immediate: true,
      },
    });
  }

  /** `nx-postgresql-primary`: migrations and CDC reach the primary directly, never through the pooler. */
  private addPrimaryService(): k8s.KubeService {
    return new k8s.KubeService(this, 'PrimaryService', {
      metadata: { name: DATA_NAMES.postgresPrimary, namespace: NAMESPACE, labels: this.labels },
      spec: {
        type: 'ClusterIP',
        // The labels CNPG moves to the new primary on failover and switchover (the selector of its own -rw Service).
        selector: { ...STORE_PARTS.postgres.selector, 'cnpg.io/instanceRole': 'primary' },
        ports: [{ name: 'postgres', port: DATA_PORTS.postgres, targetPort: k8s.IntOrString.fromNumber(DATA_PORTS.postgres), protocol: 'TCP' }],
      },
    });
  }

  private addPooler(sizing: PostgresSizing, env: EnvironmentSpec): Pooler {
    return new Pooler(this, 'Pooler', {
      metadata: { name: DATA_NAMES.postgresPooler, namespace: NAMESPACE, labels: this.labels },
      spec: {
        cluster: { name: NAME },
        instances: sizing.poolerInstances,
        type: PoolerSpecType.RW,
        pgbouncer: {
          // Transaction pooling multiplexes many app connections onto few server connections; PgBouncer >= 1.21
          // keeps protocol-level prepared statements working in this mode (max_prepared_statements).
          poolMode: PoolerSpecPgbouncerPoolMode.TRANSACTION,
          parameters: { max_client_conn: '2000', default_pool_size: '20', max_prepared_statements: '200' },
        },
        template: {
          metadata: { labels: { 'app.kubernetes.io/part-of': this.labels['app.kubernetes.io/part-of'] } },
          spec: {
            priorityClassName: PRIORITY_CLASSES.data.name,
            nodeSelector: nodeSelector(env),
            topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes(STORE_PARTS.pgbouncer.selector) : undefined,
            containers: [
              {
                name: 'pgbouncer',
                image: DATA_IMAGES.pgbouncer,
                resources: crdResources(sizing.poolerResources, (v) => PoolerQuantity.fromString(v)),
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
              },
            ],
          },
        },
      },
    });
  }

  /** The publication Debezium streams, declared through CNPG. */
  private addPublication(): Publication {
    return new Publication(this, 'Publication', {
      metadata: { name: 'nx-debezium', namespace: NAMESPACE, labels: this.labels },
      spec: {
        cluster: { name: NAME },
        dbname: DATA_NAMES.database,
        name: CDC.publication,
        target: { allTables: true },
        // Dropping the publication would break the connector: keep it if this object is removed.
        publicationReclaimPolicy: PublicationSpecPublicationReclaimPolicy.RETAIN,
      },
    });
  }
}

const NAME = DATA_NAMES.postgresCluster;
const NAMESPACE = STORE_PARTS.postgres.namespace;
const OBJECT_STORE_NAME = `${NAME}-backup`;

/** Debezium's replication role, managed by CNPG (read-only, logical replication). */
const CDC_ROLE = {
  name: CDC.role,
  ensure: ClusterSpecManagedRolesEnsure.PRESENT,
  comment: 'Debezium change-data capture (logical replication, read-only)',
  login: true,
  replication: true,
  inRoles: ['pg_read_all_data'],
  passwordSecret: { name: DATA_SECRETS.postgresDebezium.name },
};

/** robfig/cron with seconds, as CNPG's ScheduledBackup uses: six fields, seconds first. */
const SIX_FIELD_CRON = /^(\S+\s+){5}\S+$/;

function validate(where: string, sizing: PostgresSizing, backupPath: string): void {
  assertInteger(where, 'instances', sizing.instances, 1, 10);
  assertInteger(where, 'poolerInstances', sizing.poolerInstances, 1);
  assertInteger(where, 'maxConnections', sizing.maxConnections, 20);
  assertStorageSize(where, 'storageSize', sizing.storageSize);
  assertStorageSize(where, 'walStorageSize', sizing.walStorageSize);
  assertResources(where, 'resources', sizing.resources);
  assertResources(where, 'poolerResources', sizing.poolerResources);
  if (!/^[1-9][0-9]*(kB|MB|GB)$/.test(sizing.sharedBuffers)) {
    throw new InputError(`${where}: 'sharedBuffers'`, sizing.sharedBuffers, 'allowed: a PostgreSQL size such as 256MB or 1GB');
  }
  if (!/^[1-9][0-9]*[dwm]$/.test(sizing.backupRetention)) {
    throw new InputError(`${where}: 'backupRetention'`, sizing.backupRetention, 'allowed: a number of days, weeks or months such as 30d, 4w, 1m');
  }
  if (!SIX_FIELD_CRON.test(sizing.backupSchedule.trim())) {
    throw new InputError(
      `${where}: 'backupSchedule'`,
      sizing.backupSchedule,
      "allowed: six cron fields with seconds first, e.g. '0 0 1 * * *' (CNPG's format; a five-field CronJob schedule would shift every field)",
    );
  }
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._/-]*)?$/.test(backupPath)) {
    throw new InputError(`${where}: 'backupPath'`, backupPath, 'allowed: an s3:// URL of a bucket and optional prefix');
  }
}
