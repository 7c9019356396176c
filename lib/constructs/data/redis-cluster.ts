import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { clusterHost, commonLabels, PART_OF } from '../../platform/conventions';
import { DATA_IMAGES, DATA_NAMES, DATA_PORTS, DATA_SECRETS, REDIS_UID, redisPasswordSecret, RedisSizing } from '../../platform/data';
import { bytes } from '../../analysis/quantity';
import { InputError } from '../../platform/errors';
import { REDIS_SYSTEM_USERS } from '../../platform/redis';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { STORE_PARTS } from '../../platform/stores';
import { EnvironmentSpec } from '../../platform/types';
import { configDigest, nodeSelector, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../pod-defaults';
import { assertInteger, assertResources, assertStorageSize, dataVolumeClaim, subject } from './checks';
import { DisruptionBudget } from '../disruption-budget';
import { preferDistinctNodes, spreadAcrossNodes } from '../spread';

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

const ANNOTATION_CONFIG_DIGEST = 'platform.bana.com.vn/config-digest';

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
 */
export class RedisCluster extends Construct {
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly headlessService: k8s.KubeService;
  public readonly clientService: k8s.KubeService;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  public readonly createJob: k8s.KubeJob;
  public readonly configMap: k8s.KubeConfigMap;
  /** Pods in the StatefulSet. */
  public readonly nodes: number;
  public readonly headlessName: string;

  constructor(scope: Construct, id: string, props: RedisClusterProps) {
    super(scope, id);
    const { environment: env, sizing } = props;
    const name = DATA_NAMES.redis;
    const namespace = STORE_PARTS.redis.namespace;
    validate(subject('RedisCluster', name), sizing);

    this.nodes = sizing.masters * (1 + sizing.replicasPerMaster);
    this.headlessName = `${name}-headless`;
    const domain = clusterHost(this.headlessName, namespace);
    const selector = { ...STORE_PARTS.redis.selector };
    const labels = commonLabels('redis', 'server');
    const metadata = { name, namespace, labels: { ...labels, ...selector } };
    const secret = DATA_SECRETS.redis;
    const passwordEnv = (envName: string, key: string = REDIS_SYSTEM_USERS.default.key): k8s.EnvVar => ({ name: envName, valueFrom: { secretKeyRef: { name: secret.name, key } } });
    const users = props.users ?? [];
    // Every password the server needs, each key named (a missing key fails the mount, SECRETS.md lists it).
    const passwords: k8s.Volume = {
      name: 'passwords',
      projected: {
        defaultMode: 0o440,
        sources: [
          { secret: { name: secret.name, items: Object.values(REDIS_SYSTEM_USERS).map((u) => ({ key: u.key, path: u.key })) } },
          ...users.map((u) => ({ secret: { name: redisPasswordSecret(u.secretUser).name, items: [{ key: 'password', path: u.name }] } })),
        ],
      },
    };

    const files = {
      'redis.conf': redisConf(sizing),
      'users.rules': usersRules(users),
      'prepare.sh': PREPARE_SCRIPT,
      'create-cluster.sh': createClusterScript(name, domain, this.nodes, sizing.replicasPerMaster),
    };
    this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { ...metadata, name: `${name}-config` }, data: files });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });

    const ports: k8s.ServicePort[] = [
      { name: 'redis', port: DATA_PORTS.redis, targetPort: k8s.IntOrString.fromString('redis'), protocol: 'TCP' },
      { name: 'bus', port: DATA_PORTS.redisBus, targetPort: k8s.IntOrString.fromString('bus'), protocol: 'TCP' },
    ];
    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: { ...metadata, name: this.headlessName },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports },
    });
    this.clientService = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: { type: 'ClusterIP', selector, ports: [ports[0]] },
    });

    const cli = `redis-cli -h 127.0.0.1 -p ${DATA_PORTS.redis}`;
    const container: k8s.Container = {
      name: 'redis',
      image: DATA_IMAGES.redis,
      imagePullPolicy: 'IfNotPresent',
      command: ['redis-server', '/run/redis/redis.conf'],
      ports: [
        { name: 'redis', containerPort: DATA_PORTS.redis, protocol: 'TCP' },
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
      ],
      // Loading a large AOF can take minutes: liveness only starts once the port answers.
      startupProbe: { tcpSocket: { port: k8s.IntOrString.fromString('redis') }, periodSeconds: 5, failureThreshold: 120 },
      // Ready only when this node sees the whole cluster healthy, so a rollout never takes down a second node
      // before the previous one has rejoined and the cluster covers all slots again.
      readinessProbe: {
        exec: { command: ['sh', '-c', `${cli} cluster info | grep -q '^cluster_state:ok'`] },
        periodSeconds: 5,
        timeoutSeconds: 3,
        failureThreshold: 3,
      },
      // Alive while it answers, including LOADING (AOF replay) and MASTERDOWN (replica without its master).
      livenessProbe: {
        exec: { command: ['sh', '-c', `r=$(${cli} ping 2>&1); case "$r" in PONG|*LOADING*|*MASTERDOWN*) exit 0;; *) echo "$r"; exit 1;; esac`] },
        periodSeconds: 10,
        timeoutSeconds: 5,
        failureThreshold: 6,
      },
    };

    const prepare: k8s.Container = {
      name: 'prepare',
      image: DATA_IMAGES.redis,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '/etc/redis/prepare.sh'],
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'CLUSTER_DOMAIN', value: domain },
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

    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata,
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
              'kubectl.kubernetes.io/default-container': 'redis',
              [ANNOTATION_CONFIG_DIGEST]: configDigest(Object.keys(files).sort().map((key) => `${key}\0${files[key as keyof typeof files]}\0`)),
            },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: PRIORITY_CLASSES.data.name,
            nodeSelector: nodeSelector(env),
            securityContext: { ...restrictedPodSecurityContext(REDIS_UID, REDIS_UID), fsGroupChangePolicy: 'OnRootMismatch' },
            terminationGracePeriodSeconds: 60,
            initContainers: [prepare],
            containers: [container],
            volumes: [
              { name: 'config', configMap: { name: `${name}-config`, defaultMode: 0o444 } },
              passwords,
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

    this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { metadata, selector }).resource;

    const jobSelector = { ...STORE_PARTS.redisClusterCreate.selector };
    const jobName = `${name}-cluster-create`;
    this.createJob = new k8s.KubeJob(this, 'CreateJob', {
      metadata: { name: jobName, namespace, labels: { ...commonLabels('redis', 'cluster-create'), ...jobSelector } },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: { ...jobSelector, 'app.kubernetes.io/part-of': PART_OF } },
          spec: {
            restartPolicy: 'OnFailure',
            serviceAccountName: name,
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
                // `redis-cli --user nx-admin` with this password: creating a cluster needs admin commands.
                env: [passwordEnv('REDISCLI_AUTH', REDIS_SYSTEM_USERS['nx-admin'].key)],
                resources: resourceRequirements({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } }),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: 'config', mountPath: '/etc/redis', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: `${name}-config`, defaultMode: 0o444 } }],
          },
        },
      },
    });
  }
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
    `port ${DATA_PORTS.redis}`,
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
 * Runs before redis-server on every start: writes the ACL file (users with their passwords) and the runtime
 * configuration (replication credentials, announced address) to a memory-backed volume, then replaces stale peer IPs in nodes.conf by re-resolving the pod DNS
 * name each node stored next to its address.
 */
const PREPARE_SCRIPT = `set -eu
umask 077
# One ACL user per line of users.rules: <user> <password file> <rules>. Passwords come from the mounted
# Secrets; only A-Z a-z 0-9 _ - are accepted, so no password can inject an ACL rule.
secrets=${SECRETS_DIR}
password() {
  value=$(cat "$secrets/$1") || { echo "missing password file $secrets/$1" >&2; exit 1; }
  case "$value" in
    ''|*[!A-Za-z0-9_-]*) echo "the Redis password $1 must be non-empty and contain only A-Z a-z 0-9 _ -" >&2; exit 1 ;;
  esac
  printf '%s' "$value"
}
: > /run/redis/users.acl
while read -r user file rules; do
  case "$user" in ''|'#'*) continue ;; esac
  # Assigned first: a failing command substitution stops the script only outside another command.
  pw=$(password "$file")
  echo "user $user reset on >$pw $rules" >> /run/redis/users.acl
done < /etc/redis/users.rules
replication=$(password replication-password)
cat > /run/redis/redis.conf <<CONF
include /etc/redis/redis.conf
aclfile /run/redis/users.acl
masteruser nx-replication
masterauth $replication
cluster-announce-ip $POD_IP
cluster-announce-hostname $POD_NAME.$CLUSTER_DOMAIN
CONF
nodes=/data/nodes.conf
[ -f "$nodes" ] || exit 0
# Line format: <id> <ip>:<port>@<cport>[,<hostname>[,aux...]] <flags> ...; the 'vars' line is kept as is.
awk -v me="$POD_IP" '
  $1 == "vars" { print; next }
  {
    n = split($2, parts, ",")
    endpoint = parts[1]; host = (n > 1) ? parts[2] : ""
    at = index(endpoint, "@"); hostport = substr(endpoint, 1, at - 1)
    if (!match(hostport, /:[0-9]+$/)) { print; next }
    ip = substr(hostport, 1, RSTART - 1); rest = substr($2, RSTART)
    new = ip
    if ($3 ~ /myself/) new = me
    else if (host != "") {
      cmd = "getent hosts " host
      if ((cmd | getline resolved) > 0) { split(resolved, fields, " "); new = fields[1] }
      close(cmd)
    }
    if (new != ip) { $2 = new rest; printf "nodes.conf: %s %s -> %s\\n", host, ip, new > "/dev/stderr" }
    print
  }' "$nodes" > "$nodes.tmp"
mv "$nodes.tmp" "$nodes"
`;

/**
 * Creates the cluster once. Any node that already knows another node or owns slots means the cluster was
 * created before: the Job then only reports the state and exits 0, so re-applying it never re-creates or
 * resets anything. Scaling out is an operator task (redis-cli --cluster add-node + rebalance, see README).
 */
function createClusterScript(name: string, domain: string, nodes: number, replicas: number): string {
  const hosts = Array.from({ length: nodes }, (_, i) => `${name}-${i}.${domain}`).join(' ');
  return `set -eu
hosts="${hosts}"
# As nx-admin (password in REDISCLI_AUTH): --cluster create needs CLUSTER ADDSLOTS, MEET, REPLICATE.
cli="redis-cli --user nx-admin"
for h in $hosts; do
  until [ "$($cli -h "$h" -p ${DATA_PORTS.redis} ping 2>/dev/null)" = "PONG" ]; do echo "waiting for $h"; sleep 2; done
done
for h in $hosts; do
  info=$($cli -h "$h" -p ${DATA_PORTS.redis} cluster info | tr -d '\\r')
  known=$(echo "$info" | sed -n 's/^cluster_known_nodes://p')
  slots=$(echo "$info" | sed -n 's/^cluster_slots_assigned://p')
  if [ "$known" -gt 1 ] || [ "$slots" -gt 0 ]; then
    echo "cluster already created ($h knows $known nodes, $slots slots assigned); nothing to do"
    echo "$info" | grep -E '^cluster_(state|size|known_nodes)'
    exit 0
  fi
done
addresses=""
for h in $hosts; do
  ip=$(getent hosts "$h" | awk '{ print $1 }')
  [ -n "$ip" ] || { echo "cannot resolve $h" >&2; exit 1; }
  addresses="$addresses $ip:${DATA_PORTS.redis}"
done
# CLUSTER MEET takes IP addresses; every node still announces its DNS name to clients.
$cli --cluster create $addresses --cluster-replicas ${replicas} --cluster-yes
for h in $hosts; do
  until $cli -h "$h" -p ${DATA_PORTS.redis} cluster info | grep -q '^cluster_state:ok'; do echo "waiting for $h to see the cluster"; sleep 2; done
done
echo "cluster created: ${nodes} nodes, ${replicas} replica(s) per master"
`;
}

/** users.rules: the cluster's own users, then one per service, as `<user> <password file> <rules>`. */
function usersRules(users: readonly { readonly name: string; readonly rules: string }[]): string {
  const lines = [
    '# <user> <password file in ' + SECRETS_DIR + '> <ACL rules>; prepare.sh writes /run/redis/users.acl from it.',
    ...Object.entries(REDIS_SYSTEM_USERS).map(([user, u]) => `${user} ${u.key} ${u.rules}`),
    ...users.map((u) => `${u.name} ${u.name} ${u.rules}`),
  ];
  return lines.join('\n') + '\n';
}
