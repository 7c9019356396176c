import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages } from '../../../imports/certmanager-certificate-cert-manager.io';
import { Issuer } from '../../../imports/certmanager-issuer-cert-manager.io';
import { DEFAULT_CONTAINER_ANNOTATION } from '../../k8s/keys';
import { clusterHost, commonLabels, CONFIG_DIGEST_ANNOTATION, PART_OF } from '../../platform/conventions';
import { DATA_IMAGES, DATA_NAMES, DATA_PORTS, DATA_SECRETS, REDIS_TLS, REDIS_UID, redisPasswordSecret, RedisSizing } from '../../platform/data';
import { bytes } from '../../k8s/quantity';
import { InputError } from '../../platform/errors';
import { REDIS_SYSTEM_USERS } from '../../platform/redis';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { configDigest, nodeSelector, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../pod-defaults';
import { assertInteger, assertResources, assertStorageSize, dataVolumeClaim, subject } from './checks';
import { DisruptionBudget } from '../disruption-budget';
import { preferDistinctNodes, spreadAcrossNodes } from '../spread';
import { renderCommand, renderScript } from '../scripts';
import CREATE_CLUSTER_SCRIPT from './redis-cluster.create-cluster.sh';
import LIVENESS_SCRIPT from './redis-cluster.liveness.sh';
import PREPARE_SCRIPT from './redis-cluster.prepare.sh';
import READINESS_SCRIPT from './redis-cluster.readiness.sh';

export interface RedisClusterProps {
  readonly environment: EnvironmentSpec;
  /** Masters, replicas per master, volume, resources, maxmemory. */
  readonly sizing: RedisSizing;
  /**
   * StorageClass of the data volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /**
   * One ACL user per service: `name` (`nx-<service>`), `secretUser` (its password Secret `nx-redis-<secretUser>`,
   * key `password`) and `rules` (lib/platform/redis.ts `redisRules`).
   * @default - no service users
   */
  readonly users?: readonly { readonly name: string; readonly secretUser: string; readonly rules: string }[];
}

/** Where the passwords are mounted in the pods: one file per user, named after the user (system users: their key). */
const SECRETS_DIR = '/etc/redis-secrets';
/** Where the nodes' TLS certificate, key and CA are mounted (Secret `nx-redis-tls`, kept current by the kubelet). */
const TLS_DIR = '/etc/redis-tls';

/**
 * Redis Cluster `nx-redis` without an operator: a StatefulSet of `masters * (1 + replicasPerMaster)` pods
 * with stable DNS names, AOF and `nodes.conf` on a PVC, a headless Service that publishes not-ready
 * addresses (peers must find each other before the cluster is formed), a client Service, a PDB, and a
 * one-time Job that creates the cluster and does nothing once it exists (safe under GitOps re-sync).
 *
 * Nodes announce their pod DNS names (`cluster-announce-hostname`, `cluster-preferred-endpoint-type
 * hostname`), so clients follow MOVED redirects by name; on every start a node re-resolves the peers named
 * in its `nodes.conf` and replaces their stale IPs, so even a cluster whose pods all restarted with new IPs
 * re-forms by itself.
 *
 * TLS: clients, replicas and the bus speak TLS only (`tls-port`, `tls-replication`, `tls-cluster`), with a
 * certificate from the cluster's own CA (cert-manager, `REDIS_TLS`). The plain `port` stays for the runbook and
 * the probes over loopback; no NetworkPolicy admits a pod to it.
 */
export class RedisCluster extends Construct {
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly headlessService: k8s.KubeService;
  public readonly clientService: k8s.KubeService;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  public readonly createJob: k8s.KubeJob;
  public readonly configMap: k8s.KubeConfigMap;
  /** The nodes' TLS certificate (Secret `nx-redis-tls`). */
  public readonly certificate: Certificate;
  /** Pods in the StatefulSet. */
  public readonly nodes: number;
  public readonly headlessName: string;
  /** The headless Service's DNS domain: node `i` is `nx-redis-<i>.<domain>`. */
  private readonly domain: string;
  private readonly selector: Record<string, string> = { ...STORE_PARTS.redis.selector };
  private readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };

  constructor(scope: Construct, id: string, props: RedisClusterProps) {
    super(scope, id);
    const { environment: env, sizing } = props;
    validate(subject('RedisCluster', NAME), sizing);
    this.nodes = sizing.masters * (1 + sizing.replicasPerMaster);
    this.headlessName = `${NAME}-headless`;
    this.domain = clusterHost(this.headlessName, NAMESPACE);
    this.metadata = { name: NAME, namespace: NAMESPACE, labels: { ...commonLabels('redis', 'server'), ...this.selector } };
    this.certificate = this.addCertificates();

    const files = this.configFiles(sizing, props.users ?? []);
    this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { ...this.metadata, name: CONFIG_NAME }, data: files });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata, automountServiceAccountToken: false });
    this.headlessService = this.addService('HeadlessService', true);
    this.clientService = this.addService('Service', false);
    this.statefulSet = this.addStatefulSet(props, configDigest(Object.keys(files).sort().map((key) => `${key}\0${files[key as keyof typeof files]}\0`)));
    this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { metadata: this.metadata, selector: this.selector }).resource;
    this.createJob = this.addCreateJob(env);
  }

  /**
   * The cluster's own CA and the nodes' certificate, in nx-broker. A dedicated CA because Redis servers check a
   * peer's certificate chain but not its name (bus and replication): any certificate of this CA is a Redis
   * node, so no other issuer may sign for it. The CA is self-signed and its key is kept across renewals
   * (`rotationPolicy: Never`), so the copy clients hold keeps verifying certificates issued before and after.
   *
   * One certificate for every node, not one per pod: a StatefulSet's pods share one template, so per-pod
   * Secrets would need a volume per pod (cert-manager's CSI driver, not installed). Its SANs are each pod's
   * DNS name (what CLUSTER SLOTS and MOVED announce: `cluster-preferred-endpoint-type hostname`) and the
   * client Service (the seed in REDIS_NODES); no IP SANs, as pod IPs change. Raising the node count adds SANs.
   */
  private addCertificates(): Certificate {
    const meta = (name: string) => ({ name, namespace: NAMESPACE, labels: commonLabels('redis', 'tls') });
    new Issuer(this, 'SelfSignedIssuer', { metadata: meta(REDIS_TLS.selfSignedIssuer), spec: { selfSigned: {} } });
    new Certificate(this, 'CaCertificate', {
      metadata: meta(REDIS_TLS.caCertificate),
      spec: {
        isCa: true,
        commonName: 'nx-redis CA',
        secretName: REDIS_TLS.caSecret,
        duration: REDIS_TLS.caDuration,
        renewBefore: REDIS_TLS.caRenewBefore,
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.NEVER },
        issuerRef: { kind: 'Issuer', name: REDIS_TLS.selfSignedIssuer, group: 'cert-manager.io' },
      },
    });
    new Issuer(this, 'CaIssuer', { metadata: meta(REDIS_TLS.caIssuer), spec: { ca: { secretName: REDIS_TLS.caSecret } } });
    return new Certificate(this, 'ServerCertificate', {
      metadata: meta(REDIS_TLS.serverCertificate),
      spec: {
        secretName: REDIS_TLS.serverSecret,
        commonName: clusterHost(NAME, NAMESPACE),
        dnsNames: [clusterHost(NAME, NAMESPACE), ...Array.from({ length: this.nodes }, (_, i) => `${NAME}-${i}.${this.domain}`)],
        duration: REDIS_TLS.serverDuration,
        renewBefore: REDIS_TLS.serverRenewBefore,
        // Server for clients; client too: a node presents it when it connects to a peer's bus or its master.
        usages: [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH],
        privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
        issuerRef: { kind: 'Issuer', name: REDIS_TLS.caIssuer, group: 'cert-manager.io' },
      },
    });
  }

  /** The ConfigMap's files: static config, the users' ACL rules and the two scripts. */
  private configFiles(sizing: RedisSizing, users: RedisUsers): Record<string, string> {
    return {
      'redis.conf': redisConf(sizing),
      'users.rules': usersRules(users),
      'prepare.sh': renderScript('redis-cluster.prepare.sh', PREPARE_SCRIPT, { SECRETS_DIR }),
      'create-cluster.sh': createClusterScript(this.domain, this.nodes, sizing.replicasPerMaster),
    };
  }

  /**
   * The headless Service publishes not-ready addresses (peers must find each other before the cluster is
   * formed) and both TLS ports; the client Service only the TLS client port. The plain port is in neither.
   */
  private addService(id: string, headless: boolean): k8s.KubeService {
    const ports: k8s.ServicePort[] = [
      { name: 'redis-tls', port: DATA_PORTS.redis, targetPort: k8s.IntOrString.fromString('redis-tls'), protocol: 'TCP' },
      { name: 'bus', port: DATA_PORTS.redisBus, targetPort: k8s.IntOrString.fromString('bus'), protocol: 'TCP' },
    ];
    return new k8s.KubeService(this, id, {
      metadata: headless ? { ...this.metadata, name: this.headlessName } : this.metadata,
      spec: headless
        ? { clusterIp: 'None', publishNotReadyAddresses: true, selector: this.selector, ports }
        : { type: 'ClusterIP', selector: this.selector, ports: [ports[0]] },
    });
  }

  private addStatefulSet(props: RedisClusterProps, configDigest: string): k8s.KubeStatefulSet {
    const { environment: env, sizing } = props;
    const selector = this.selector;
    return new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: this.metadata,
      spec: {
        serviceName: this.headlessName,
        replicas: this.nodes,
        // Every node must be up (not ready: readiness needs a formed cluster) for the cluster to be created.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...selector, 'app.kubernetes.io/part-of': PART_OF },
            annotations: {
              [DEFAULT_CONTAINER_ANNOTATION]: 'redis',
              [CONFIG_DIGEST_ANNOTATION]: configDigest,
            },
          },
          spec: {
            serviceAccountName: NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: PRIORITY_CLASSES.data.name,
            nodeSelector: nodeSelector(env),
            securityContext: { ...restrictedPodSecurityContext(REDIS_UID, REDIS_UID), fsGroupChangePolicy: 'OnRootMismatch' },
            terminationGracePeriodSeconds: 60,
            initContainers: [this.prepareContainer()],
            containers: [serverContainer(sizing)],
            volumes: [
              CONFIG_VOLUME,
              passwordsVolume(props.users ?? []),
              TLS_VOLUME,
              // Holds the generated config and ACL file with the passwords: memory-backed, never on disk.
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
            ],
            affinity: preferDistinctNodes(selector),
            topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes(selector) : undefined,
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(selector, sizing.storageSize, props.storageClass)],
      },
    });
  }

  /** `prepare` (prepare.sh): the ACL file and runtime configuration, and fresh peer IPs in nodes.conf. */
  private prepareContainer(): k8s.Container {
    return {
      name: 'prepare',
      image: DATA_IMAGES.redis,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '/etc/redis/prepare.sh'],
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'CLUSTER_DOMAIN', value: this.domain },
      ],
      resources: resourceRequirements({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } }),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'run', mountPath: '/run/redis' },
        { name: 'config', mountPath: '/etc/redis', readOnly: true },
        { name: 'passwords', mountPath: SECRETS_DIR, readOnly: true },
      ],
    };
  }

  /** The one-time Job that creates the cluster (create-cluster.sh) and does nothing once it exists. */
  private addCreateJob(env: EnvironmentSpec): k8s.KubeJob {
    const jobSelector = { ...STORE_PARTS.redisClusterCreate.selector };
    return new k8s.KubeJob(this, 'CreateJob', {
      metadata: { name: `${NAME}-cluster-create`, namespace: NAMESPACE, labels: { ...commonLabels('redis', 'cluster-create'), ...jobSelector } },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: { ...jobSelector, 'app.kubernetes.io/part-of': PART_OF } },
          spec: {
            restartPolicy: 'OnFailure',
            serviceAccountName: NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: PRIORITY_CLASSES.data.name,
            nodeSelector: nodeSelector(env),
            securityContext: restrictedPodSecurityContext(REDIS_UID, REDIS_UID),
            containers: [
              {
                name: 'create-cluster',
                image: DATA_IMAGES.redis,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '/etc/redis/create-cluster.sh'],
                // `redis-cli --tls --user nx-admin` with this password: creating a cluster needs admin commands.
                env: [passwordEnv('REDISCLI_AUTH', REDIS_SYSTEM_USERS['nx-admin'].key)],
                resources: resourceRequirements({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } }),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/redis', readOnly: true },
                  { name: 'tls-ca', mountPath: TLS_DIR, readOnly: true },
                ],
              },
            ],
            // Only the CA: the Job verifies the nodes (tls-auth-clients optional asks it for no certificate).
            volumes: [CONFIG_VOLUME, { name: 'tls-ca', secret: { secretName: REDIS_TLS.serverSecret, defaultMode: 0o444, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }],
          },
        },
      },
    });
  }
}

type RedisUsers = NonNullable<RedisClusterProps['users']>;

const NAME = DATA_NAMES.redis;
const NAMESPACE = STORE_PARTS.redis.namespace;
const CONFIG_NAME = `${NAME}-config`;
const CONFIG_VOLUME: k8s.Volume = { name: 'config', configMap: { name: CONFIG_NAME, defaultMode: 0o444 } };
/** The nodes' certificate, key and CA; readable by the redis group only (fsGroup). */
const TLS_VOLUME: k8s.Volume = {
  name: 'tls',
  secret: { secretName: REDIS_TLS.serverSecret, defaultMode: 0o440, items: ['tls.crt', 'tls.key', 'ca.crt'].map((key) => ({ key, path: key })) },
};

/** An environment variable holding a password of the cluster's own Secret (default: user `default`'s). */
function passwordEnv(envName: string, key: string = REDIS_SYSTEM_USERS.default.key): k8s.EnvVar {
  return { name: envName, valueFrom: { secretKeyRef: { name: DATA_SECRETS.redis.name, key } } };
}

/** Every password the server needs, each key named (a missing key fails the mount, SECRETS.md lists it). */
function passwordsVolume(users: RedisUsers): k8s.Volume {
  const secret = DATA_SECRETS.redis;
  return {
    name: 'passwords',
    projected: {
      defaultMode: 0o440,
      sources: [
        { secret: { name: secret.name, items: Object.values(REDIS_SYSTEM_USERS).map((u) => ({ key: u.key, path: u.key })) } },
        ...users.map((u) => ({ secret: { name: redisPasswordSecret(u.secretUser).name, items: [{ key: 'password', path: u.name }] } })),
      ],
    },
  };
}

/** The `redis` container: the server, its probes and mounts. */
function serverContainer(sizing: RedisSizing): k8s.Container {
  return {
    name: 'redis',
    image: DATA_IMAGES.redis,
    imagePullPolicy: 'IfNotPresent',
    command: ['redis-server', '/run/redis/redis.conf'],
    // The plain port (runbook, probes over loopback) is not declared: nothing outside the pod may use it.
    ports: [
      { name: 'redis-tls', containerPort: DATA_PORTS.redis, protocol: 'TCP' },
      { name: 'bus', containerPort: DATA_PORTS.redisBus, protocol: 'TCP' },
    ],
    // REDIS_PASSWORD for the runbook's `redis-cli -a` (user `default`: read-only and cluster inspection);
    // REDISCLI_AUTH lets redis-cli (probes, operators) authenticate as `default` without -a.
    env: [passwordEnv('REDIS_PASSWORD'), passwordEnv('REDISCLI_AUTH')],
    resources: resourceRequirements(sizing.resources),
    securityContext: restrictedContainerSecurityContext(),
    // redis-server reads /run/redis/redis.conf, which `include`s the static settings from the ConfigMap:
    // the official image has no /etc/redis, so the ConfigMap is mounted here as well as in `prepare`.
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'run', mountPath: '/run/redis' },
      { name: 'config', mountPath: '/etc/redis', readOnly: true },
      { name: 'tls', mountPath: TLS_DIR, readOnly: true },
    ],
    // Loading a large AOF can take minutes: liveness only starts once the port answers.
    startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('redis-tls') }, periodSeconds: 5, failureThreshold: 120 },
    // Ready only when this node sees the whole cluster healthy, so a rollout never takes down a second node
    // before the previous one has rejoined and the cluster covers all slots again.
    readinessProbe: {
      exec: { command: ['sh', '-c', renderCommand('redis-cluster.readiness.sh', READINESS_SCRIPT, { PORT: DATA_PORTS.redisLocal })] },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    // Alive while it answers, including LOADING (AOF replay) and MASTERDOWN (replica without its master).
    livenessProbe: {
      exec: { command: ['sh', '-c', renderCommand('redis-cluster.liveness.sh', LIVENESS_SCRIPT, { PORT: DATA_PORTS.redisLocal })] },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
  };
}

function validate(where: string, sizing: RedisSizing): void {
  if (!Number.isInteger(sizing.masters) || sizing.masters < 3) {
    throw new InputError(`${where}: 'masters'`, sizing.masters, 'allowed: a whole number >= 3 (Redis Cluster needs a majority of masters to fail a node over)');
  }
  assertInteger(where, 'replicasPerMaster', sizing.replicasPerMaster, 0, 5);
  assertStorageSize(where, 'storageSize', sizing.storageSize);
  assertResources(where, 'resources', sizing.resources);
  if (!/^[1-9][0-9]*(mb|gb)$/.test(sizing.maxMemory)) {
    throw new InputError(`${where}: 'maxMemory'`, sizing.maxMemory, 'allowed: a Redis size such as 768mb or 2gb');
  }
  const maxMemoryBytes = Number(sizing.maxMemory.slice(0, -2)) * (sizing.maxMemory.endsWith('gb') ? 2 ** 30 : 2 ** 20);
  const limit = sizing.resources.limits.memory;
  if (maxMemoryBytes > bytes(limit) * 0.8) {
    throw new InputError(`${where}: 'maxMemory'`, sizing.maxMemory, `allowed: at most 80% of the memory limit (${limit}), leaving room for AOF rewrites and client buffers`);
  }
}

function redisConf(sizing: RedisSizing): string {
  return [
    '# Static part of the configuration; prepare.sh includes it from the generated /run/redis/redis.conf.',
    // Upstream names below: redis.conf, src/config.c, cluster.c, cluster_legacy.c, redis-cli.c of redis/redis, read
    // at unstable 4f8cdc2 (2024-10, the 8.0 line; the pinned 8.10.2's own tree was not available to read), and
    // run with Debian's 7.0.15 in the behaviour tier: every directive here exists since 7.0.
    // Plain port: the runbook's `redis-cli -a $REDIS_PASSWORD` and the exec probes, over loopback only (no
    // NetworkPolicy admits it; `bind` is shared by every listener, so it cannot be bound to loopback alone).
    `port ${DATA_PORTS.redisLocal}`,
    `tls-port ${DATA_PORTS.redis}`,
    // The bus stays on 16379: with tls-cluster it would default to tls-port + 10000 (cluster_legacy.c
    // `defaultClientPort`, `clusterInitLast`); redis-cli --cluster create reads it from CLUSTER NODES and
    // passes it to CLUSTER MEET (redis-cli.c `clusterManagerNodeLoadInfo`, `clusterManagerCommandCreate`).
    `cluster-port ${DATA_PORTS.redisBus}`,
    `tls-cert-file ${TLS_DIR}/tls.crt`,
    `tls-key-file ${TLS_DIR}/tls.key`,
    `tls-ca-cert-file ${TLS_DIR}/ca.crt`,
    // Bus and replication over TLS. The bus always demands a peer certificate of this CA (cluster_legacy.c
    // `clusterAcceptHandler`: require_auth = TLS_CLIENT_AUTH_YES); a replica connects to its master's TLS port
    // (`getNodeDefaultReplicationPort`: tls_port when tls-replication is on) and presents its certificate.
    'tls-cluster yes',
    'tls-replication yes',
    // Client certificates optional: a certificate presented must chain to the CA, none is required. Services
    // authenticate with their ACL user and password (one per service); mTLS would need a client certificate per
    // service in nx-backend, which a namespaced Issuer in nx-broker cannot issue there (docs/security.md).
    'tls-auth-clients optional',
    // CLUSTER SLOTS/SHARDS/NODES and MOVED answer a TLS client with the TLS port and a plain one with the plain
    // port (cluster.c `shouldReturnTlsInfo`, `clusterNodeClientPort`); each node announces both as it listens
    // (cluster_legacy.c `deriveAnnouncedPorts`), so no cluster-announce-tls-port is needed (no port mapping).
    'bind * -::*',
    // Every user has a password (users.acl), so protected mode never refuses a client; it stays on as the
    // safety net it is meant to be: should `default` ever lose its password, only loopback clients get in.
    'protected-mode yes',
    'dir /data',
    'cluster-enabled yes',
    'cluster-config-file /data/nodes.conf',
    'cluster-node-timeout 15000',
    'cluster-preferred-endpoint-type hostname',
    'appendonly yes',
    'appendfsync everysec',
    `maxmemory ${sizing.maxMemory}`,
    // The platform keeps sessions, locks and queues in Redis: refuse writes when full rather than evict silently.
    'maxmemory-policy noeviction',
    '',
  ].join('\n');
}

/**
 * prepare.sh (redis-cluster.prepare.sh) runs before redis-server on every start: writes the ACL file (users
 * with their passwords) and the runtime configuration (replication credentials, announced address) to a
 * memory-backed volume, then replaces stale peer IPs in nodes.conf by re-resolving the pod DNS name each node
 * stored next to its address.
 *
 * create-cluster.sh (redis-cluster.create-cluster.sh) creates the cluster once. Any node that already knows another node or
 * owns slots means the cluster was created before: the Job then only reports the state and exits 0, so
 * re-applying it never re-creates or resets anything. Scaling out is an operator task (redis-cli --cluster
 * add-node + rebalance, see docs/data-layer.md).
 */
function createClusterScript(domain: string, nodes: number, replicas: number): string {
  const hosts = Array.from({ length: nodes }, (_, i) => `${NAME}-${i}.${domain}`).join(' ');
  return renderScript('redis-cluster.create-cluster.sh', CREATE_CLUSTER_SCRIPT, { HOSTS: hosts, PORT: DATA_PORTS.redis, CA_FILE: `${TLS_DIR}/ca.crt`, REPLICAS: replicas, NODES: nodes });
}

/** users.rules: the cluster's own users, then one per service, as `<user> <password file> <rules>`. */
function usersRules(users: RedisUsers): string {
  const lines = [
    '# <user> <password file in ' + SECRETS_DIR + '> <ACL rules>; prepare.sh writes /run/redis/users.acl from it.',
    ...Object.entries(REDIS_SYSTEM_USERS).map(([user, u]) => `${user} ${u.key} ${u.rules}`),
    ...users.map((u) => `${u.name} ${u.name} ${u.rules}`),
  ];
  return lines.join('\n') + '\n';
}
