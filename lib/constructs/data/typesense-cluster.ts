import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_CONTAINER_ANNOTATION } from '../../k8s/keys';
import { clusterHost, commonLabels, PART_OF } from '../../platform/conventions';
import { DATA_IMAGES, DATA_NAMES, DATA_PORTS, DATA_SECRETS, TYPESENSE_UID, TypesenseSizing } from '../../platform/data';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { nodeSelector, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from '../pod-defaults';
import { assertInteger, assertOdd, assertResources, assertStorageSize, dataVolumeClaim, subject } from './checks';
import { DisruptionBudget } from '../disruption-budget';
import { preferDistinctNodes, spreadAcrossNodes } from '../spread';

export interface TypesenseClusterProps {
  readonly environment: EnvironmentSpec;
  /** Node count (odd), volume and resources. */
  readonly sizing: TypesenseSizing;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
}

const NAME = DATA_NAMES.typesense;
const NAMESPACE = STORE_PARTS.typesense.namespace;
const HEADLESS = `${NAME}-headless`;

/**
 * Typesense `nx-typesense` in nx-search: a StatefulSet whose nodes find each other through a nodes file of
 * pod DNS names (Raft peering on 8107, API on 8108), the admin API key from a Secret, `/health` probes, a
 * PVC per node, a headless Service publishing not-ready addresses (peers must reach a node that is still
 * catching up), a client Service and a PDB.
 */
export class TypesenseCluster extends Construct {
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly headlessService: k8s.KubeService;
  public readonly clientService: k8s.KubeService;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  public readonly nodesConfig: k8s.KubeConfigMap;
  /** The nodes file: `<pod DNS>:<peering port>:<api port>`, comma-separated. */
  public readonly nodesFile: string;

  constructor(scope: Construct, id: string, props: TypesenseClusterProps) {
    super(scope, id);
    validate(props.sizing);
    const selector = { ...STORE_PARTS.typesense.selector };
    const metadata = { name: NAME, namespace: NAMESPACE, labels: { ...commonLabels('typesense', 'search'), ...selector } };
    this.nodesFile = nodesFile(props.sizing.nodes);
    this.nodesConfig = new k8s.KubeConfigMap(this, 'Nodes', { metadata: { ...metadata, name: `${NAME}-nodes` }, data: { nodes: this.nodesFile } });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    [this.headlessService, this.clientService] = this.addServices(metadata, selector);
    this.statefulSet = this.addStatefulSet(props, metadata, selector);
    this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { metadata, selector }).resource;
  }

  /** The headless Service (peering, pod DNS names for the nodes file) and the client Service (API only). */
  private addServices(metadata: k8s.ObjectMeta, selector: Record<string, string>): [k8s.KubeService, k8s.KubeService] {
  const apiPort: k8s.ServicePort = { name: 'http', port: DATA_PORTS.typesenseApi, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' };
  const headless = new k8s.KubeService(this, 'HeadlessService', {
    metadata: { ...metadata, name: HEADLESS },
    spec: {
      clusterIp: 'None',
      publishNotReadyAddresses: true,
      selector,
      ports: [apiPort, { name: 'peering', port: DATA_PORTS.typesensePeering, targetPort: k8s.IntOrString.fromString('peering'), protocol: 'TCP' }],
    },
  });
  const client = new k8s.KubeService(this, 'Service', { metadata, spec: { type: 'ClusterIP', selector, ports: [apiPort] } });
    return [headless, client];
  }

  /** The StatefulSet: parallel start, one data volume per node, spread across nodes. */
  private addStatefulSet(props: TypesenseClusterProps, metadata: k8s.ObjectMeta, selector: Record<string, string>): k8s.KubeStatefulSet {
    const { environment: env, sizing } = props;
    const name = NAME;
    const headless = HEADLESS;
    return new k8s.KubeStatefulSet(this, 'Resource', {
      metadata,
      spec: {
        serviceName: headless,
        replicas: sizing.nodes,
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/part-of': PART_OF }, annotations: { [DEFAULT_CONTAINER_ANNOTATION]: 'typesense' } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: PRIORITY_CLASSES.data.name,
            nodeSelector: nodeSelector(env),
            securityContext: { ...restrictedPodSecurityContext(TYPESENSE_UID, TYPESENSE_UID), fsGroupChangePolicy: 'OnRootMismatch' },
            // A leader hands over and flushes its state on SIGTERM; give it time.
            terminationGracePeriodSeconds: 120,
            containers: [
              typesenseContainer(sizing),
            ],
            volumes: [{ name: 'nodes', configMap: { name: `${name}-nodes`, defaultMode: 0o444 } }, TMP_VOLUME],
            affinity: preferDistinctNodes(selector),
            topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes(selector) : undefined,
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(selector, sizing.storageSize, props.storageClass)],
      },
    });
  }
}

function validate(sizing: TypesenseClusterProps['sizing']): void {
  const where = subject('TypesenseCluster', NAME);
  assertInteger(where, 'nodes', sizing.nodes, 1, 9);
  assertOdd(where, 'nodes', sizing.nodes, 'Raft needs a strict majority: 1, 3 or 5 nodes; an even count tolerates no more failures than one node fewer');
  assertStorageSize(where, 'storageSize', sizing.storageSize);
  assertResources(where, 'resources', sizing.resources);
}

/** `<pod DNS>:<peering port>:<api port>` of every node, comma-separated (Typesense's --nodes file). */
function nodesFile(nodes: number): string {
  return Array.from(
    { length: nodes },
    (_, i) => `${NAME}-${i}.${clusterHost(HEADLESS, NAMESPACE)}:${DATA_PORTS.typesensePeering}:${DATA_PORTS.typesenseApi}`,
  ).join(',');
}

/** The typesense container: Raft peering on the pod IP, the nodes file, /health for readiness. */
function typesenseContainer(sizing: TypesenseClusterProps['sizing']): k8s.Container {
  const health: k8s.HttpGetAction = { path: '/health', port: k8s.IntOrString.fromString('http') };
  const secret = DATA_SECRETS.typesense;
  return {
  name: 'typesense',
  image: DATA_IMAGES.typesense,
  imagePullPolicy: 'IfNotPresent',
  args: [
    '--data-dir=/data',
    `--api-port=${DATA_PORTS.typesenseApi}`,
    `--peering-port=${DATA_PORTS.typesensePeering}`,
    '--peering-address=$(POD_IP)',
    '--nodes=/etc/typesense/nodes',
    // A pod that comes back with a new IP would otherwise keep its stale peer list and never rejoin.
    '--reset-peers-on-error',
  ],
  ports: [
    { name: 'http', containerPort: DATA_PORTS.typesenseApi, protocol: 'TCP' },
    { name: 'peering', containerPort: DATA_PORTS.typesensePeering, protocol: 'TCP' },
  ],
  env: [
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'TYPESENSE_API_KEY', valueFrom: { secretKeyRef: { name: secret.name, key: secret.keys[0] } } },
  ],
  resources: resourceRequirements(sizing.resources),
  securityContext: restrictedContainerSecurityContext(),
  volumeMounts: [
    { name: 'data', mountPath: '/data' },
    { name: 'nodes', mountPath: '/etc/typesense', readOnly: true },
    TMP_MOUNT,
  ],
  startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 5, failureThreshold: 120 },
  // /health answers 503 while a node catches up with the leader: not ready, but alive.
  readinessProbe: { httpGet: health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
  livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
};
}
