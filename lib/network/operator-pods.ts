import { DATA_NAMES, DATA_PORTS, PART_LABEL } from '../platform/data';
import { NAMESPACES, PART_OF } from '../platform/conventions';
import { ACME_SOLVER, INGRESS_NGINX, PORTAINER, TRAEFIK } from '../platform/edge';
import { EnvironmentName } from '../platform/types';

/**
 * Every pod that an operator, an add-on or one of our own controllers creates or runs around the data layer
 * and the edge, with the labels its creator puts on it (cited from the creator's source at the version we
 * pin), and every flow it needs. Written from the upstream sources, not from lib/network/flows.ts: the
 * network evaluator (__tests__/operator-flows.test.ts) proves the generated NetworkPolicies allow exactly
 * these flows among these pods, the API server, object storage and the internet, and nothing else.
 */

/** Where a flow starts or ends: one of the pods below, an operator outside our namespaces, or the outside. */
export type FlowEnd =
  | { readonly pod: string }
  /** The Kubernetes API server (the `apiServerCidrs` input, on `apiServerPorts`). */
  | { readonly external: 'api-server' }
  /** The S3 endpoint (the `objectStorageCidrs` input). */
  | { readonly external: 'object-storage' }
  /** Anywhere: ACME, Maven Central, the image registry, clients of the load balancer. */
  | { readonly external: 'internet' };

export interface OperatorPod {
  /** Short name used in the needs and in test messages. */
  readonly id: string;
  /** Who creates the pod, with the version we pin. */
  readonly createdBy: string;
  /** Where the labels are set (file and function of the creator's source at that version). */
  readonly source: string;
  readonly namespace: string;
  /** The pod's labels, as its creator sets them (a representative instance where a label carries a name or index). */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * Environments where the pod exists.
   * @default - every environment
   */
  readonly environments?: readonly EnvironmentName[];
}

export interface FlowNeed {
  readonly from: FlowEnd | { readonly operator: 'cnpg' | 'strimzi' };
  readonly to: FlowEnd;
  /** TCP ports; the API server's are the input's, written `'api'`. */
  readonly ports: readonly (number | 'api')[];
  readonly why: string;
}

/** The operators outside our namespaces, as their release manifests label them. */
export const OPERATORS = {
  cnpg: { namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
  strimzi: { namespace: 'strimzi', labels: { name: 'strimzi-cluster-operator', 'strimzi.io/kind': 'cluster-operator' } },
} as const;

const CNPG = 'CloudNativePG v1.30.0';
const STRIMZI = 'Strimzi 1.2.0';
const PG = DATA_NAMES.postgresCluster;

/** Labels CloudNativePG v1.30.0 puts on a cluster's Job pods (pkg/specs/jobs.go `CreatePrimaryJob`): no `cnpg.io/podRole`. */
function cnpgJob(instance: number, role: string): Record<string, string> {
  return {
    'cnpg.io/cluster': PG,
    'cnpg.io/instanceName': `${PG}-${instance}`,
    'cnpg.io/jobRole': role,
    'app.kubernetes.io/name': 'postgresql',
    'app.kubernetes.io/instance': PG,
    'app.kubernetes.io/version': '16',
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/managed-by': 'cloudnative-pg',
  };
}

/**
 * Labels of an instance pod: pkg/specs/pods.go `buildInstance` sets cluster, instanceName, podRole and the
 * app.kubernetes.io set; pkg/reconciler/instance/metadata.go adds `cnpg.io/instanceRole` (and the deprecated
 * `role`); the Cluster's `inheritedMetadata` adds our part-of label.
 */
function cnpgInstance(instance: number, role: 'primary' | 'replica'): Record<string, string> {
  return {
    'cnpg.io/cluster': PG,
    'cnpg.io/instanceName': `${PG}-${instance}`,
    'cnpg.io/podRole': 'instance',
    'cnpg.io/instanceRole': role,
    role,
    'app.kubernetes.io/name': 'postgresql',
    'app.kubernetes.io/instance': PG,
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/managed-by': 'cloudnative-pg',
    'app.kubernetes.io/part-of': PART_OF,
  };
}

/** Labels Strimzi 1.2.0 puts on a node pool's pods (operator-common Labels.java, cluster-operator KafkaPool.java, KafkaCluster.java). */
function kafkaNode(pool: string, index: number, broker: boolean, controller: boolean): Record<string, string> {
  return {
    'strimzi.io/cluster': DATA_NAMES.kafkaCluster,
    'strimzi.io/kind': 'Kafka',
    'strimzi.io/name': `${DATA_NAMES.kafkaCluster}-kafka`,
    'strimzi.io/component-type': 'kafka',
    'strimzi.io/pool-name': pool,
    'strimzi.io/pod-name': `${DATA_NAMES.kafkaCluster}-${pool}-${index}`,
    'strimzi.io/broker-role': String(broker),
    'strimzi.io/controller-role': String(controller),
    // Ours, from the KafkaNodePool's pod template.
    [PART_LABEL]: 'kafka',
  };
}

/** Every Job role CloudNativePG v1.30.0 runs for a cluster (pkg/specs/jobs.go, pkg/reconciler/majorupgrade/job.go). */
const CNPG_JOB_ROLES = ['initdb', 'join', 'full-recovery', 'pgbasebackup', 'import', 'snapshot-recovery', 'major-upgrade'] as const;

export const OPERATOR_PODS: readonly OperatorPod[] = [
  // CloudNativePG: the instances, the Job pods that bootstrap, clone or restore them, and the pooler.
  { id: 'cnpg instance (primary)', createdBy: CNPG, source: 'pkg/specs/pods.go buildInstance, pkg/reconciler/instance/metadata.go', namespace: NAMESPACES.persistent, labels: cnpgInstance(1, 'primary') },
  { id: 'cnpg instance (replica)', createdBy: CNPG, source: 'pkg/specs/pods.go buildInstance, pkg/reconciler/instance/metadata.go', namespace: NAMESPACES.persistent, labels: cnpgInstance(2, 'replica'), environments: ['production'] },
  ...CNPG_JOB_ROLES.map(
    (role): OperatorPod => ({
      id: `cnpg ${role} job`,
      createdBy: CNPG,
      source: role === 'major-upgrade' ? 'pkg/reconciler/majorupgrade/job.go (through specs.CreatePrimaryJob)' : 'pkg/specs/jobs.go CreatePrimaryJob (jobRole constants)',
      namespace: NAMESPACES.persistent,
      labels: cnpgJob(role === 'join' ? 2 : 1, role),
    }),
  ),
  {
    id: 'cnpg pooler',
    createdBy: CNPG,
    source: 'pkg/specs/pgbouncer/deployments.go `Deployment`',
    namespace: NAMESPACES.persistent,
    labels: {
      'cnpg.io/cluster': PG,
      'cnpg.io/poolerName': DATA_NAMES.postgresPooler,
      'cnpg.io/podRole': 'pooler',
      'app.kubernetes.io/name': 'postgresql',
      'app.kubernetes.io/instance': PG,
      'app.kubernetes.io/component': 'pooler',
      'app.kubernetes.io/managed-by': 'cloudnative-pg',
    },
  },
  // Strimzi: the node pools, the Entity Operator (User Operator only), Kafka Connect (Debezium) and its image
  // build. No topic operator, Cruise Control or exporter is configured, so Strimzi runs no other pod here.
  {
    id: 'kafka user operator',
    createdBy: STRIMZI,
    source: 'cluster-operator EntityOperator.java (COMPONENT_TYPE entity-operator), api KafkaResources.entityOperatorDeploymentName',
    namespace: NAMESPACES.broker,
    labels: {
      'strimzi.io/cluster': DATA_NAMES.kafkaCluster,
      'strimzi.io/kind': 'Kafka',
      'strimzi.io/name': `${DATA_NAMES.kafkaCluster}-entity-operator`,
      'strimzi.io/component-type': 'entity-operator',
      // Ours, from entityOperator.template.pod.
      [PART_LABEL]: 'kafka-user-operator',
    },
  },
  { id: 'kafka broker (combined)', createdBy: STRIMZI, source: 'cluster-operator KafkaPool.java, KafkaCluster.java', namespace: NAMESPACES.broker, labels: kafkaNode(DATA_NAMES.kafkaBrokerPool, 0, true, true), environments: ['staging'] },
  { id: 'kafka broker', createdBy: STRIMZI, source: 'cluster-operator KafkaPool.java, KafkaCluster.java', namespace: NAMESPACES.broker, labels: kafkaNode(DATA_NAMES.kafkaBrokerPool, 0, true, false), environments: ['production'] },
  { id: 'kafka controller', createdBy: STRIMZI, source: 'cluster-operator KafkaPool.java, KafkaCluster.java', namespace: NAMESPACES.broker, labels: kafkaNode(DATA_NAMES.kafkaControllerPool, 100, false, true), environments: ['production'] },
  {
    id: 'kafka connect',
    createdBy: STRIMZI,
    source: 'cluster-operator KafkaConnectCluster.java (COMPONENT_TYPE kafka-connect), api KafkaConnectResources.componentName',
    namespace: NAMESPACES.search,
    labels: {
      'strimzi.io/cluster': DATA_NAMES.debezium,
      'strimzi.io/kind': 'KafkaConnect',
      'strimzi.io/name': `${DATA_NAMES.debezium}-connect`,
      'strimzi.io/component-type': 'kafka-connect',
      [PART_LABEL]: 'debezium',
    },
  },
  {
    id: 'kafka connect build',
    createdBy: STRIMZI,
    source: 'cluster-operator KafkaConnectBuild.java (COMPONENT_TYPE kafka-connect-build), api KafkaConnectResources.buildPodName',
    namespace: NAMESPACES.search,
    labels: {
      'strimzi.io/cluster': DATA_NAMES.debezium,
      'strimzi.io/kind': 'KafkaConnect',
      'strimzi.io/name': `${DATA_NAMES.debezium}-connect-build`,
      'strimzi.io/component-type': 'kafka-connect-build',
      [PART_LABEL]: 'debezium-build',
    },
  },
  // The Redis Cluster and its create Job: ours (lib/constructs/data/redis-cluster.ts).
  { id: 'redis node', createdBy: 'this repository', source: 'lib/constructs/data/redis-cluster.ts', namespace: NAMESPACES.broker, labels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': DATA_NAMES.redis, 'app.kubernetes.io/component': 'server' } },
  { id: 'redis cluster-create job', createdBy: 'this repository', source: 'lib/constructs/data/redis-cluster.ts', namespace: NAMESPACES.broker, labels: { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': DATA_NAMES.redis, 'app.kubernetes.io/component': 'cluster-create' } },
  // The edge: ours. ingress-nginx runs without its admission webhook, so no admission Job pods exist.
  { id: 'ingress-nginx controller', createdBy: 'this repository', source: 'lib/constructs/edge/ingress-nginx.ts', namespace: INGRESS_NGINX.namespace, labels: { ...INGRESS_NGINX.selector } },
  { id: 'traefik', createdBy: 'this repository', source: 'lib/constructs/edge/traefik-gateway.ts', namespace: TRAEFIK.namespace, labels: { ...TRAEFIK.selector } },
  // cert-manager v1.21.1 (deploy/charts/cert-manager/templates/*.yaml) and its HTTP-01 solvers.
  ...['controller', 'webhook', 'cainjector', 'startupapicheck'].map(
    (component): OperatorPod => ({
      id: `cert-manager ${component}`,
      createdBy: 'cert-manager v1.21.1 Helm chart',
      source: 'deploy/charts/cert-manager/templates (app.kubernetes.io/component)',
      namespace: NAMESPACES.internal,
      labels: { app: component === 'controller' ? 'cert-manager' : component, 'app.kubernetes.io/name': component === 'controller' ? 'cert-manager' : component, 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': component },
    }),
  ),
  {
    id: 'acme solver (nx-internal)',
    createdBy: 'cert-manager v1.21.1',
    source: 'pkg/apis/acme/v1/types.go (http01-solver, http-domain, http-token label keys), pkg/issuer/acme/http/pod.go',
    namespace: NAMESPACES.internal,
    labels: { ...ACME_SOLVER.selector, 'acme.cert-manager.io/http-domain': '1234567890', 'acme.cert-manager.io/http-token': '987654321' },
  },
  {
    id: 'acme solver (portainer)',
    createdBy: 'cert-manager v1.21.1',
    source: 'pkg/apis/acme/v1/types.go, pkg/issuer/acme/http/pod.go',
    namespace: PORTAINER.namespace,
    labels: { ...ACME_SOLVER.selector, 'acme.cert-manager.io/http-domain': '1234567890', 'acme.cert-manager.io/http-token': '987654321' },
    environments: ['production'],
  },
  // Velero v1.18.1 (`velero install --use-node-agent`).
  { id: 'velero server', createdBy: 'Velero v1.18.1', source: 'pkg/install/resources.go (component), pkg/install/deployment.go (deploy)', namespace: NAMESPACES.internal, labels: { component: 'velero', deploy: 'velero' } },
  { id: 'velero node-agent', createdBy: 'Velero v1.18.1', source: 'pkg/install/resources.go (component), pkg/install/daemonset.go (name, role)', namespace: NAMESPACES.internal, labels: { component: 'velero', name: 'node-agent', role: 'node-agent' } },
  // Portainer (production), from its Helm chart.
  {
    id: 'portainer',
    createdBy: 'Portainer Helm chart (portainer/k8s)',
    source: 'charts/portainer/templates/_helpers.tpl portainer.selectorLabels',
    namespace: PORTAINER.namespace,
    labels: { ...PORTAINER.selector, 'app.kubernetes.io/instance': 'portainer' },
    environments: ['production'],
  },
];

const CNPG_DB_PODS = ['cnpg instance (primary)', 'cnpg instance (replica)', ...CNPG_JOB_ROLES.map((role) => `cnpg ${role} job`)];
const KAFKA_NODES = ['kafka broker (combined)', 'kafka broker', 'kafka controller'];
const pod = (id: string): FlowEnd => ({ pod: id });
const API: FlowEnd = { external: 'api-server' };

/**
 * Every flow the pods above need. Pairs not listed here must be denied. A pod paired with itself stands for
 * two pods with the same labels (two instances, two brokers).
 */
export const OPERATOR_FLOW_NEEDS: readonly FlowNeed[] = [
  // CloudNativePG's networking page: the operator reaches every pod of a cluster on 8000 (instance manager)
  // and 5432, and the pods reach each other. A Job pod becomes an instance of the same name, so the Job pods
  // are in the group: join and pgbasebackup stream from the primary, initdb and recovery load their Cluster.
  ...CNPG_DB_PODS.flatMap((a) => CNPG_DB_PODS.map((b): FlowNeed => ({ from: pod(a), to: pod(b), ports: [DATA_PORTS.postgres, DATA_PORTS.postgresStatus], why: 'CNPG instances and their Job pods reach each other' }))),
  ...CNPG_DB_PODS.map((a): FlowNeed => ({ from: { operator: 'cnpg' }, to: pod(a), ports: [DATA_PORTS.postgresStatus, DATA_PORTS.postgres], why: 'the CNPG operator reaches the instance manager and PostgreSQL' })),
  ...CNPG_DB_PODS.map((a): FlowNeed => ({ from: pod(a), to: API, ports: ['api'], why: 'the instance manager and the bootstrap Jobs read their Cluster and write status' })),
  // The Barman Cloud plugin runs as a sidecar of the instance pods (and of the recovery Jobs that restore
  // from the archive); its own Deployment lives in cnpg-system.
  ...CNPG_DB_PODS.map((a): FlowNeed => ({ from: pod(a), to: { external: 'object-storage' }, ports: [443], why: 'WAL archive and base backups (Barman Cloud sidecar)' })),
  ...CNPG_DB_PODS.filter((a) => a.startsWith('cnpg instance')).map((a): FlowNeed => ({ from: pod('cnpg pooler'), to: pod(a), ports: [DATA_PORTS.postgres], why: 'PgBouncer connects to the instances' })),
  { from: { operator: 'cnpg' }, to: pod('cnpg pooler'), ports: [DATA_PORTS.postgresStatus], why: 'the CNPG operator reaches the pooler instance manager' },
  { from: pod('cnpg pooler'), to: API, ports: ['api'], why: 'the pooler instance manager watches its Pooler and Secrets' },
  // Strimzi: nodes among themselves on the control-plane and replication listeners; the operator on those
  // and the agent. No node calls the API (no rack awareness, no node ports: KafkaCluster.java createInitContainer).
  ...KAFKA_NODES.flatMap((a) => KAFKA_NODES.map((b): FlowNeed => ({ from: pod(a), to: pod(b), ports: [DATA_PORTS.kafkaControlPlane, DATA_PORTS.kafkaReplication], why: 'KRaft quorum and replication' }))),
  ...KAFKA_NODES.map((a): FlowNeed => ({ from: { operator: 'strimzi' }, to: pod(a), ports: [DATA_PORTS.kafkaControlPlane, DATA_PORTS.kafkaReplication, DATA_PORTS.kafkaAgent], why: 'the Strimzi operator administers the nodes and reads the agent' })),
  ...KAFKA_NODES.map((a): FlowNeed => ({ from: pod('kafka connect'), to: pod(a), ports: [DATA_PORTS.kafkaClients], why: 'Debezium writes change events to Kafka' })),
  // The User Operator applies SCRAM credentials and ACLs over the Admin API on the replication listener
  // (EntityUserOperatorSpec DEFAULT_BOOTSTRAP_SERVERS_PORT 9091) and watches KafkaUsers and Secrets.
  ...KAFKA_NODES.map((a): FlowNeed => ({ from: pod('kafka user operator'), to: pod(a), ports: [DATA_PORTS.kafkaReplication], why: 'the User Operator manages SCRAM users and ACLs' })),
  { from: pod('kafka user operator'), to: { external: 'api-server' }, ports: ['api'], why: 'the User Operator watches KafkaUsers and their password Secrets' },
  ...CNPG_DB_PODS.filter((a) => a.startsWith('cnpg instance')).map((a): FlowNeed => ({ from: pod('kafka connect'), to: pod(a), ports: [DATA_PORTS.postgres], why: "Debezium streams the primary's logical replication slot" })),
  { from: pod('kafka connect'), to: pod('kafka connect'), ports: [DATA_PORTS.kafkaConnectRest], why: 'Connect workers forward REST requests to the leader' },
  { from: { operator: 'strimzi' }, to: pod('kafka connect'), ports: [DATA_PORTS.kafkaConnectRest], why: 'the Strimzi operator manages connectors over the REST API' },
  { from: pod('kafka connect build'), to: { external: 'internet' }, ports: [443], why: 'the build downloads the connector from Maven Central and pushes the image to the registry' },
  // Redis: the bus between nodes, the create Job as a client of every node, all over TLS (the plain port is
  // for the pod itself).
  { from: pod('redis node'), to: pod('redis node'), ports: [DATA_PORTS.redis, DATA_PORTS.redisBus], why: 'Redis Cluster replication (TLS port) and bus' },
  { from: pod('redis cluster-create job'), to: pod('redis node'), ports: [DATA_PORTS.redis], why: 'redis-cli --cluster create' },
  // The edge.
  { from: { external: 'internet' }, to: pod('ingress-nginx controller'), ports: [INGRESS_NGINX.ports.http, INGRESS_NGINX.ports.https], why: 'public HTTP(S) through the load balancer' },
  { from: pod('ingress-nginx controller'), to: pod('traefik'), ports: [TRAEFIK.ports.web], why: 'public hosts are routed to the gateway' },
  { from: pod('ingress-nginx controller'), to: pod('acme solver (nx-internal)'), ports: [ACME_SOLVER.port], why: 'HTTP-01 challenges of the public hosts' },
  { from: pod('ingress-nginx controller'), to: pod('acme solver (portainer)'), ports: [ACME_SOLVER.port], why: "HTTP-01 challenge of Portainer's host" },
  { from: pod('ingress-nginx controller'), to: pod('portainer'), ports: [PORTAINER.port], why: 'the Portainer UI, from the admin allow-list' },
  { from: pod('ingress-nginx controller'), to: API, ports: ['api'], why: 'ingress-nginx watches Ingresses, Services, EndpointSlices, Secrets' },
  { from: pod('traefik'), to: API, ports: ['api'], why: 'Traefik watches IngressRoutes, Middlewares, Services, EndpointSlices' },
  // cert-manager.
  ...['controller', 'webhook', 'cainjector', 'startupapicheck'].map((c): FlowNeed => ({ from: pod(`cert-manager ${c}`), to: API, ports: ['api'], why: `cert-manager's ${c} is an API client` })),
  { from: pod('cert-manager controller'), to: { external: 'internet' }, ports: [443, 80], why: 'the ACME API, and the HTTP-01 self-check through the public load balancer' },
  { from: API, to: pod('cert-manager webhook'), ports: [10250], why: 'the API server calls the admission webhook' },
  // Velero.
  ...['velero server', 'velero node-agent'].flatMap((v): FlowNeed[] => [
    { from: pod(v), to: API, ports: ['api'], why: 'Velero reads and writes its resources and the backed-up objects' },
    { from: pod(v), to: { external: 'object-storage' }, ports: [443], why: 'the backup location' },
  ]),
  // Portainer administers the cluster.
  { from: pod('portainer'), to: API, ports: ['api'], why: 'Portainer manages the cluster through the API' },
];

/** The pods of the inventory present in an environment. */
export function operatorPodsOf(env: EnvironmentName): OperatorPod[] {
  return OPERATOR_PODS.filter((p) => !p.environments || p.environments.includes(env));
}
