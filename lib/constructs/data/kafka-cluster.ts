import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Kafka,
  KafkaSpecEntityOperatorUserOperatorResourcesLimits,
  KafkaSpecKafkaAuthorizationType,
  KafkaSpecKafkaListenersAuthenticationType,
  KafkaSpecKafkaListenersType,
} from '../../../imports/strimzi-kafka-kafka.strimzi.io';
import {
  KafkaUser,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAclsOperations,
  KafkaUserSpecAuthorizationAclsResourcePatternType,
  KafkaUserSpecAuthorizationAclsResourceType,
  KafkaUserSpecAuthorizationType,
} from '../../../imports/strimzi-kafkauser-kafka.strimzi.io';
import { KafkaAcl } from '../../platform/kafka';
import {
  KafkaNodePool,
  KafkaNodePoolSpecResourcesLimits,
  KafkaNodePoolSpecRoles,
  KafkaNodePoolSpecStorageType,
  KafkaNodePoolSpecStorageVolumesKraftMetadata,
  KafkaNodePoolSpecStorageVolumesType,
  KafkaNodePoolSpecTemplate,
} from '../../../imports/strimzi-kafkanodepool-kafka.strimzi.io';
import { commonLabels } from '../../platform/conventions';
import { DATA_NAMES, DATA_PORTS, KAFKA_METADATA_VERSION, KAFKA_VERSION, kafkaPasswordSecret, KafkaSizing, PART_LABEL } from '../../platform/data';
import { InputError } from '../../platform/errors';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { assertInteger, assertOdd, assertResources, assertStorageSize, crdResources, subject } from './checks';
import { spreadAcrossNodes } from '../spread';
import { nodePoolAffinity, restrictedContainerSecurityContext } from '../pod-defaults';

export interface KafkaClusterProps {
  readonly environment: EnvironmentSpec;
  /** Brokers, controllers, volumes, resources, replication factor and min ISR. */
  readonly sizing: KafkaSizing;
  /**
   * Pods that may connect to the client listener, for the NetworkPolicy Strimzi generates itself. Policies
   * add up, so these must be as narrow as the platform's own (01-network): a namespace and pod labels.
   */
  readonly clientPeers: readonly { readonly namespace: string; readonly selector: Readonly<Record<string, string>> }[];
  /**
   * One KafkaUser per client: `name` is the principal (`User:<name>`), `secretUser` names its password
   * Secret (`kafkaPasswordSecret(secretUser)`, SCRAM-SHA-512), `acls` what it may do.
   */
  readonly users: readonly { readonly name: string; readonly secretUser: string; readonly acls: readonly KafkaAcl[] }[];
  /**
   * StorageClass of the Kafka volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
}

const OPERATIONS: Record<KafkaAcl['operations'][number], KafkaUserSpecAuthorizationAclsOperations> = {
  Read: KafkaUserSpecAuthorizationAclsOperations.READ,
  Write: KafkaUserSpecAuthorizationAclsOperations.WRITE,
  Create: KafkaUserSpecAuthorizationAclsOperations.CREATE,
  Describe: KafkaUserSpecAuthorizationAclsOperations.DESCRIBE,
  DescribeConfigs: KafkaUserSpecAuthorizationAclsOperations.DESCRIBE_CONFIGS,
};

/** Strimzi's label on pods that run the broker role (the selector of its own bootstrap Service). */
const BROKER_ROLE_LABEL = 'strimzi.io/broker-role';

const CLUSTER = DATA_NAMES.kafkaCluster;
const NAMESPACE = STORE_PARTS.kafka.namespace;
const LABELS = commonLabels('kafka', 'broker');
const POOL_LABELS = { ...LABELS, 'strimzi.io/cluster': CLUSTER };

/**
 * Kafka in KRaft mode through Strimzi (`kafka.strimzi.io/v1`): the Kafka `nx` with the broker node pool
 * `kafka`, so the brokers are the pods `nx-kafka-0..N-1` the runbook execs into, and Strimzi's image has
 * `/opt/kafka/bin/kafka-topics.sh`. Clients use the TLS listener 9093 with SCRAM-SHA-512 through the Service
 * `nx-kafka`, as the KafkaUser the User Operator keeps in step with its ACLs (`authorization: simple`). The
 * runbook's `localhost:29092` is a plain listener no other pod may reach. Production runs a dedicated
 * controller pool (`nx-kafka-controller-N`); staging runs combined controller+broker nodes.
 */
export class KafkaCluster extends Construct {
  public readonly kafka: Kafka;
  public readonly brokerPool: KafkaNodePool;
  public readonly controllerPool?: KafkaNodePool;
  public readonly clientService: k8s.KubeService;
  /** KRaft quorum size: dedicated controllers, or the brokers when they also act as controllers. */
  public readonly quorum: number;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    validate(subject('KafkaCluster', DATA_NAMES.kafkaCluster), props.sizing);
    this.quorum = props.sizing.dedicatedControllers > 0 ? props.sizing.dedicatedControllers : props.sizing.brokers;
    this.kafka = this.addKafka(props);
    for (const user of props.users) this.addUser(user);
    this.brokerPool = this.addBrokerPool(props);
    this.controllerPool = props.sizing.dedicatedControllers > 0 ? this.addControllerPool(props) : undefined;
    this.clientService = this.addClientService();
  }

  /** The Kafka: listeners (TLS + SCRAM for clients, the runbook's local one), authorization, the User Operator. */
  private addKafka(props: KafkaClusterProps): Kafka {
    const { sizing } = props;
    const partSelector = { ...STORE_PARTS.kafka.selector };
    return new Kafka(this, 'Resource', {
      metadata: { name: CLUSTER, namespace: NAMESPACE, labels: LABELS },
      spec: {
        kafka: {
          version: KAFKA_VERSION,
          metadataVersion: KAFKA_METADATA_VERSION,
          listeners: [
            {
              name: 'clients',
              port: DATA_PORTS.kafkaClients,
              type: KafkaSpecKafkaListenersType.INTERNAL,
              // Server certificates from Strimzi's cluster CA; clients verify them with a copy of its ca.crt.
              tls: true,
              authentication: { type: KafkaSpecKafkaListenersAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512 },
              networkPolicyPeers: props.clientPeers.map((peer) => ({
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
                podSelector: { matchLabels: { ...peer.selector } },
              })),
            },
            {
              // The runbook's `kafka-topics.sh --bootstrap-server localhost:29092` inside a broker pod, with no
              // client config: plain and unauthenticated, so its principal is User:ANONYMOUS (a super user below).
              // Strimzi binds it on 0.0.0.0 like every listener; the platform's policies admit no pod to 29092,
              // and Strimzi's own generated policy (if enabled) only the brokers themselves.
              name: 'local',
              port: DATA_PORTS.kafkaLocal,
              type: KafkaSpecKafkaListenersType.INTERNAL,
              tls: false,
              networkPolicyPeers: [{ podSelector: { matchLabels: { ...partSelector, [BROKER_ROLE_LABEL]: 'true' } } }],
            },
          ],
          // StandardAuthorizer: deny unless an ACL allows. ANONYMOUS is only ever the local listener's principal.
          authorization: { type: KafkaSpecKafkaAuthorizationType.SIMPLE, superUsers: ['ANONYMOUS'] },
          config: {
            'default.replication.factor': sizing.replicationFactor,
            'min.insync.replicas': sizing.minInSyncReplicas,
            'offsets.topic.replication.factor': sizing.replicationFactor,
            'transaction.state.log.replication.factor': sizing.replicationFactor,
            'transaction.state.log.min.isr': sizing.minInSyncReplicas,
            // Never elect an out-of-sync replica: losing acknowledged writes is worse than a short outage.
            'unclean.leader.election.enable': false,
          },
          template: { podDisruptionBudget: { maxUnavailable: 1 } },
        },
        // Only the User Operator: it applies the KafkaUsers' SCRAM credentials and ACLs (topics are created by
        // their producers under the ACLs). It reaches the brokers on 9091 with its own certificate.
        entityOperator: {
          userOperator: {
            resources: crdResources(
              { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              (v) => KafkaSpecEntityOperatorUserOperatorResourcesLimits.fromString(v),
            ),
          },
          template: {
            pod: {
              metadata: { labels: { [PART_LABEL]: STORE_PARTS.kafkaUserOperator.selector[PART_LABEL] } },
              priorityClassName: PRIORITY_CLASSES.data.name,
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            },
            userOperatorContainer: { securityContext: restrictedContainerSecurityContext() },
          },
        },
      },
    });
  }

  /** One KafkaUser: SCRAM-SHA-512 with the password from its Secret, and its ACLs (authorization: simple). */
  private addUser(user: KafkaClusterProps['users'][number]): KafkaUser {
    const secret = kafkaPasswordSecret(user.secretUser);
    return new KafkaUser(this, `User-${user.name}`, {
      // Named after its owner (the service, or debezium), so tooling and reviews attribute it like the owner's policies.
      metadata: { name: user.name, namespace: NAMESPACE, labels: { ...commonLabels(user.secretUser, 'kafka-user'), 'strimzi.io/cluster': CLUSTER } },
      spec: {
        authentication: {
          type: KafkaUserSpecAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512,
          password: { valueFrom: { secretKeyRef: { name: secret.name, key: secret.keys[0] } } },
        },
        authorization: {
          type: KafkaUserSpecAuthorizationType.SIMPLE,
          acls: user.acls.map((acl) => ({
            resource: {
              type: acl.resource.type === 'topic' ? KafkaUserSpecAuthorizationAclsResourceType.TOPIC : KafkaUserSpecAuthorizationAclsResourceType.GROUP,
              name: acl.resource.name,
              patternType: acl.resource.patternType === 'prefix' ? KafkaUserSpecAuthorizationAclsResourcePatternType.PREFIX : KafkaUserSpecAuthorizationAclsResourcePatternType.LITERAL,
            },
            operations: acl.operations.map((op) => OPERATIONS[op]),
          })),
        },
      },
    });
  }

  /** The broker pool `kafka` (pods nx-kafka-N); in staging its nodes are also the KRaft controllers. */
  private addBrokerPool(props: KafkaClusterProps): KafkaNodePool {
    const { sizing } = props;
    const combined = sizing.dedicatedControllers === 0;
    const roles = combined ? [KafkaNodePoolSpecRoles.CONTROLLER, KafkaNodePoolSpecRoles.BROKER] : [KafkaNodePoolSpecRoles.BROKER];
    // Broker ids start at 0, so the pods are nx-kafka-0, -1, -2 (the runbook's nx-kafka-0).
    return this.addPool('BrokerPool', DATA_NAMES.kafkaBrokerPool, '[0-99]', props, { replicas: sizing.brokers, roles, storageSize: sizing.storageSize, resources: sizing.resources });
  }

  /** The dedicated KRaft controller pool (production). */
  private addControllerPool(props: KafkaClusterProps): KafkaNodePool {
    const { sizing } = props;
    return this.addPool('ControllerPool', DATA_NAMES.kafkaControllerPool, '[100-199]', props, {
      replicas: sizing.dedicatedControllers,
      roles: [KafkaNodePoolSpecRoles.CONTROLLER],
      storageSize: sizing.controllerStorageSize,
      resources: sizing.controllerResources,
    });
  }

  private addPool(
    id: string,
    name: string,
    nodeIds: string,
    props: KafkaClusterProps,
    pool: { replicas: number; roles: KafkaNodePoolSpecRoles[]; storageSize: string; resources: KafkaSizing['resources'] },
  ): KafkaNodePool {
    return new KafkaNodePool(this, id, {
      metadata: { name, namespace: NAMESPACE, labels: POOL_LABELS, annotations: { 'strimzi.io/next-node-ids': nodeIds } },
      spec: {
        replicas: pool.replicas,
        roles: pool.roles,
        storage: poolStorage(pool.storageSize, props.storageClass),
        resources: crdResources(pool.resources, (v) => KafkaNodePoolSpecResourcesLimits.fromString(v)),
        template: poolTemplate(props.environment, { [PART_LABEL]: 'kafka' }),
      },
    });
  }

  /** The Service `nx-kafka` the clients bootstrap from: the brokers' TLS client listener. */
  private addClientService(): k8s.KubeService {
    return new k8s.KubeService(this, 'ClientService', {
      metadata: { name: DATA_NAMES.kafkaService, namespace: NAMESPACE, labels: LABELS },
      spec: {
        type: 'ClusterIP',
        selector: { ...STORE_PARTS.kafka.selector, [BROKER_ROLE_LABEL]: 'true' },
        ports: [{ name: 'clients', port: DATA_PORTS.kafkaClients, targetPort: k8s.IntOrString.fromNumber(DATA_PORTS.kafkaClients), protocol: 'TCP' }],
      },
    });
  }
}

/** A node pool's pod template: data priority, the environment's node pool, spread, Strimzi's uid 1001. */
function poolTemplate(env: EnvironmentSpec, part: Record<string, string>): KafkaNodePoolSpecTemplate {
  return {
    pod: {
      metadata: { labels: part },
      priorityClassName: PRIORITY_CLASSES.data.name,
      // Strimzi's pod template has no nodeSelector: the node pool is a required node affinity.
      affinity: nodePoolAffinity(env),
      topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes({ 'strimzi.io/cluster': CLUSTER, ...part }) : undefined,
      // The Strimzi images run as uid 1001; fsGroup 0 is Strimzi's own default, which lets that user write the volumes.
      securityContext: { runAsNonRoot: true, fsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
    },
    kafkaContainer: { securityContext: restrictedContainerSecurityContext() },
  };
}

/** One JBOD persistent volume per node, shared with the KRaft metadata log, kept when the pool shrinks. */
function poolStorage(size: string, storageClass: string | undefined) {
  return {
    type: KafkaNodePoolSpecStorageType.JBOD,
    volumes: [
      {
        id: 0,
        type: KafkaNodePoolSpecStorageVolumesType.PERSISTENT_HYPHEN_CLAIM,
        size,
        class: storageClass,
        deleteClaim: false,
        kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED,
      },
    ],
  };
}

function validate(where: string, sizing: KafkaSizing): void {
  assertInteger(where, 'brokers', sizing.brokers, 1);
  assertInteger(where, 'dedicatedControllers', sizing.dedicatedControllers, 0, 9);
  const quorum = sizing.dedicatedControllers > 0 ? sizing.dedicatedControllers : sizing.brokers;
  const quorumField = sizing.dedicatedControllers > 0 ? 'dedicatedControllers' : 'brokers';
  assertOdd(where, quorumField, quorum, 'the KRaft controller quorum needs a strict majority; an even count adds a voter without adding tolerance');
  assertStorageSize(where, 'storageSize', sizing.storageSize);
  assertStorageSize(where, 'controllerStorageSize', sizing.controllerStorageSize);
  assertResources(where, 'resources', sizing.resources);
  assertResources(where, 'controllerResources', sizing.controllerResources);
  assertInteger(where, 'replicationFactor', sizing.replicationFactor, 1, sizing.brokers);
  assertInteger(where, 'minInSyncReplicas', sizing.minInSyncReplicas, 1);
  if (sizing.minInSyncReplicas >= sizing.replicationFactor) {
    throw new InputError(
      `${where}: 'minInSyncReplicas'`,
      sizing.minInSyncReplicas,
      `allowed: less than 'replicationFactor' (${sizing.replicationFactor}), or producers with acks=all stop as soon as one broker is down`,
    );
  }
}
