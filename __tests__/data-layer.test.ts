import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { DataLayer, DataLayerProps } from '../lib/constructs/data/data-layer';
import { DATA_LAYER, DataLayerSpec, PART_LABEL } from '../lib/platform/data';
import { STORE_ENDPOINTS } from '../lib/platform/endpoints';
import { PRODUCTION, STAGING } from '../lib/platform/environments';
import { InputError } from '../lib/platform/errors';
import { PRIORITY_CLASSES } from '../lib/platform/priorities';
import { STORE_PARTS } from '../lib/platform/stores';
import { EnvironmentSpec } from '../lib/platform/types';
import { SERVICES } from '../lib/platform/services';
import { env, find, objects, tempDir, tryFind } from './helpers';

const ENVS = ['staging', 'production'] as const;
const data = (name: (typeof ENVS)[number]) => objects(env(name)).filter((o) => env(name).manifests.find((m) => m.object === o)!.folder === '03-data');
/** The workloads whose pod templates we write ourselves (operators write the pods of their custom resources). */
const workloads = (name: (typeof ENVS)[number]) => data(name).filter((o) => ['StatefulSet', 'Deployment', 'Job'].includes(o.kind));

/** Builds a DataLayer alone, with a modified spec, and returns its objects (or throws). */
function buildDataLayer(environment: EnvironmentSpec, patch: (spec: DataLayerSpec) => DataLayerSpec, extra: Partial<DataLayerProps> = {}): any[] {
  const app = new App();
  const chart = new Chart(app, 'test', { disableResourceNameHashes: true });
  new DataLayer(chart, 'DataLayer', {
    environment,
    spec: patch(DATA_LAYER[environment.name]),
    registry: 'bcr.bana.com.vn',
    kafkaClientNamespaces: ['nx-backend'],
    ...extra,
  });
  return chart.toJson();
}

function expectInputError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InputError);
  for (const fragment of fragments) expect((caught as Error).message).toContain(fragment);
}

describe('names the services and the runbook use', () => {
  for (const name of ENVS) {
    test(`${name}: nx-postgresql-primary:5432 in nx-persistent selects only the CNPG primary`, () => {
      const service = find(env(name), 'Service', 'nx-postgresql-primary', 'nx-persistent');
      expect(service.spec.ports).toEqual([expect.objectContaining({ port: 5432, targetPort: 5432 })]);
      expect(service.spec.selector).toEqual({ 'cnpg.io/cluster': 'nx-postgresql', 'cnpg.io/podRole': 'instance', 'cnpg.io/instanceRole': 'primary' });
    });

    test(`${name}: the CNPG Cluster bootstraps nx_seller_core owned by nx_seller_operator on a pinned PostgreSQL 16`, () => {
      const cluster = find(env(name), 'Cluster', 'nx-postgresql', 'nx-persistent');
      expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
      expect(cluster.spec.bootstrap.initdb).toMatchObject({ database: 'nx_seller_core', owner: 'nx_seller_operator', secret: { name: 'nx-postgresql-owner' } });
      expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:16\.\d+-\d{12}-standard-trixie@sha256:[0-9a-f]{64}$/);
    });

    test(`${name}: the rw Pooler nx-postgresql-pooler is what DATABASE_HOST names, the primary is DATABASE_PRIMARY_HOST`, () => {
      const pooler = find(env(name), 'Pooler', 'nx-postgresql-pooler', 'nx-persistent');
      expect(pooler.spec).toMatchObject({ cluster: { name: 'nx-postgresql' }, type: 'rw' });
      expect(STORE_ENDPOINTS.postgres.DATABASE_HOST).toBe('nx-postgresql-pooler.nx-persistent.svc.cluster.local');
      expect(STORE_ENDPOINTS.postgres.DATABASE_PRIMARY_HOST).toBe('nx-postgresql-primary.nx-persistent.svc.cluster.local');
    });

    test(`${name}: pod nx-redis-0 exists in nx-broker and its first container has redis-cli and REDIS_PASSWORD`, () => {
      const sts = find(env(name), 'StatefulSet', 'nx-redis', 'nx-broker');
      expect(sts.spec.replicas).toBeGreaterThanOrEqual(1);
      const [first] = sts.spec.template.spec.containers;
      expect(first.name).toBe('redis');
      expect(first.image).toMatch(/^redis:8\.\d+\.\d+-trixie@sha256:[a-f0-9]{64}$/);
      expect(first.env).toEqual(expect.arrayContaining([{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'nx-redis', key: 'password' } } }]));
    });

    test(`${name}: every file the runtime redis.conf includes is mounted in the redis container itself`, () => {
      const sts = find(env(name), 'StatefulSet', 'nx-redis', 'nx-broker');
      const spec = sts.spec.template.spec;
      const redis = spec.containers.find((c: any) => c.name === 'redis');
      const configMaps = Object.fromEntries(objects(env(name), 'ConfigMap').map((c: any) => [c.metadata.name, c]));
      const includes = [...find(env(name), 'ConfigMap', 'nx-redis-config').data['prepare.sh'].matchAll(/^include (\S+)$/gm)].map((m) => m[1]);
      expect(includes.length).toBeGreaterThan(0);
      for (const file of includes) {
        const mount = redis.volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
        if (!mount) throw new Error(`StatefulSet nx-redis, container redis: redis.conf includes ${file}, but no volume is mounted there`);
        const volume = spec.volumes.find((v: any) => v.name === mount.name);
        const key = file.slice(mount.mountPath.length + 1);
        expect(volume.configMap && Object.keys(configMaps[volume.configMap.name].data)).toContain(key);
      }
    });

    test(`${name}: Kafka pods are nx-kafka-<id> with ids from 0; clients on TLS + SCRAM 9093, the runbook's plain 29092 for the broker pod only`, () => {
      const kafka = find(env(name), 'Kafka', 'nx', 'nx-broker');
      const pool = find(env(name), 'KafkaNodePool', 'kafka', 'nx-broker');
      // Strimzi names pods <cluster>-<pool>-<node id>.
      expect(`${kafka.metadata.name}-${pool.metadata.name}-0`).toBe('nx-kafka-0');
      expect(pool.metadata.annotations['strimzi.io/next-node-ids']).toBe('[0-99]');
      expect(pool.metadata.labels['strimzi.io/cluster']).toBe('nx');
      expect(pool.spec.roles).toContain('broker');
      expect(kafka.spec.kafka.listeners).toEqual([
        expect.objectContaining({ name: 'clients', port: 9093, tls: true, type: 'internal', authentication: { type: 'scram-sha-512' } }),
        expect.objectContaining({ name: 'local', port: 29092, tls: false, type: 'internal' }),
      ]);
      // Strimzi's own policy (if generated) admits only the brokers to the runbook's listener.
      expect(kafka.spec.kafka.listeners[1].networkPolicyPeers).toEqual([{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'nx', 'platform.bana.com.vn/part': 'kafka', 'strimzi.io/broker-role': 'true' } } }]);
      expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple', superUsers: ['ANONYMOUS'] });
      const service = find(env(name), 'Service', 'nx-kafka', 'nx-broker');
      expect(service.spec.ports.map((p: any) => p.port)).toEqual([9093]);
      expect(STORE_ENDPOINTS.kafka.KAFKA_BROKERS).toBe('nx-kafka.nx-broker.svc.cluster.local:9093');
    });

    test(`${name}: no NetworkPolicy of the platform admits any pod to the runbook's listener 29092`, () => {
      for (const p of objects(env(name), 'NetworkPolicy') as any[]) {
        for (const rule of p.spec.ingress ?? []) {
          const ports = (rule.ports ?? []).map((x: any) => x.port);
          expect({ policy: `${p.metadata.namespace}/${p.metadata.name}`, opens29092: ports.includes(29092) || (ports.length === 0 && p.metadata.namespace === 'nx-broker') }).toEqual({
            policy: `${p.metadata.namespace}/${p.metadata.name}`,
            opens29092: false,
          });
        }
      }
    });

    test(`${name}: one KafkaUser per Kafka-using service and one for Connect, SCRAM from a named Secret, ACLs from the catalogue`, () => {
      const users = objects(env(name), 'KafkaUser') as any[];
      const kafkaServices = SERVICES.filter((s) => (s.uses ?? []).includes('kafka'));
      expect(users.map((u) => u.metadata.name).sort()).toEqual([...kafkaServices.map((s) => `nx-${s.name}`), 'nx-debezium'].sort());
      for (const u of users) {
        expect(u.metadata.namespace).toBe('nx-broker');
        expect(u.metadata.labels['strimzi.io/cluster']).toBe('nx');
        expect(u.spec.authentication).toEqual({ type: 'scram-sha-512', password: { valueFrom: { secretKeyRef: { name: u.metadata.name.replace(/^nx-/, 'nx-kafka-'), key: 'password' } } } });
        expect(u.spec.authorization.type).toBe('simple');
        // Never cluster-wide, never all topics.
        for (const acl of u.spec.authorization.acls) {
          expect(['topic', 'group']).toContain(acl.resource.type);
          expect(acl.resource.name).not.toBe('*');
          expect(acl.resource.name.length).toBeGreaterThan(3);
        }
      }
      const sale = users.find((u) => u.metadata.name === 'nx-sale');
      const rule = (n: string) => sale.spec.authorization.acls.find((a: any) => a.resource.name === n);
      expect(rule('nx.sale.')).toEqual({ resource: { type: 'topic', name: 'nx.sale.', patternType: 'prefix' }, operations: ['Create', 'Describe', 'Write'] });
      expect(rule('nx.payment.')).toEqual({ resource: { type: 'topic', name: 'nx.payment.', patternType: 'prefix' }, operations: ['Describe', 'Read'] });
      expect(rule('nx-sale')).toEqual({ resource: { type: 'group', name: 'nx-sale', patternType: 'prefix' }, operations: ['Read'] });
      // Nobody but Debezium writes CDC topics, and no service reads all of them (identity and payment tables included).
      for (const u of users.filter((x) => x.metadata.name !== 'nx-debezium')) {
        for (const acl of u.spec.authorization.acls) {
          if (acl.resource.name.startsWith('nx-seller-core')) {
            expect(acl.operations).not.toContain('Write');
            expect(acl.resource.name).toMatch(/^nx-seller-core\.[a-z]+\.$/);
          }
        }
      }
      const debezium = users.find((u) => u.metadata.name === 'nx-debezium');
      const names = debezium.spec.authorization.acls.map((a: any) => `${a.resource.type}:${a.resource.name}:${a.resource.patternType}`);
      expect(names).toEqual([
        'topic:nx-debezium-configs:literal',
        'topic:nx-debezium-offsets:literal',
        'topic:nx-debezium-status:literal',
        'topic:nx-seller-core:prefix',
        'topic:__debezium-heartbeat.nx-seller-core:literal',
        'group:nx-debezium:literal',
      ]);
    });

    test(`${name}: the User Operator runs (KafkaUsers need it), restricted, with our part label`, () => {
      const kafka = find(env(name), 'Kafka', 'nx', 'nx-broker');
      expect(kafka.spec.entityOperator.userOperator.resources.limits.memory).toBeDefined();
      expect(kafka.spec.entityOperator.topicOperator).toBeUndefined();
      expect(kafka.spec.entityOperator.template.pod.metadata.labels).toEqual({ 'platform.bana.com.vn/part': STORE_PARTS.kafkaUserOperator.selector['platform.bana.com.vn/part'] });
      expect(kafka.spec.entityOperator.template.userOperatorContainer.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    });

    test(`${name}: Kafka-using services get broker, mechanism, user and Secret name as config, the password and CA by key from Secrets`, () => {
      for (const s of SERVICES) {
        const cm = find(env(name), 'ConfigMap', `nx-${s.name}-config`, s.tier === 'backend' ? 'nx-backend' : 'nx-app');
        const deploy = find(env(name), 'Deployment', `nx-${s.name}`, s.tier === 'backend' ? 'nx-backend' : 'nx-app');
        const envVars = (deploy.spec.template.spec.containers[0].env ?? []).filter((e: any) => e.name.startsWith('KAFKA_'));
        if (!(s.uses ?? []).includes('kafka')) {
          expect(cm.data.KAFKA_BROKERS).toBeUndefined();
          expect(envVars).toEqual([]);
          continue;
        }
        expect(cm.data).toMatchObject({
          KAFKA_BROKERS: 'nx-kafka.nx-broker.svc.cluster.local:9093',
          KAFKA_SSL: 'true',
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: `nx-${s.name}`,
          KAFKA_SASL_PASSWORD_SECRET: `nx-kafka-${s.name}`,
        });
        expect(envVars).toEqual([
          { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: `nx-kafka-${s.name}`, key: 'password' } } },
          { name: 'KAFKA_SSL_CA', valueFrom: { secretKeyRef: { name: 'nx-kafka-cluster-ca', key: 'ca.crt' } } },
        ]);
      }
    });

    test(`${name}: Redis-using services get their ACL user name as config and its password by key; the nodes mount every password by key`, () => {
      const sts = find(env(name), 'StatefulSet', 'nx-redis', 'nx-broker');
      const sources = sts.spec.template.spec.volumes.find((v: any) => v.name === 'passwords').projected.sources;
      expect(sources[0]).toEqual({ secret: { name: 'nx-redis', items: ['password', 'admin-password', 'replication-password'].map((k) => ({ key: k, path: k })) } });
      const rules = find(env(name), 'ConfigMap', 'nx-redis-config').data['users.rules'];
      for (const s of SERVICES) {
        const cm = find(env(name), 'ConfigMap', `nx-${s.name}-config`, s.tier === 'backend' ? 'nx-backend' : 'nx-app');
        const envVars = (find(env(name), 'Deployment', `nx-${s.name}`, s.tier === 'backend' ? 'nx-backend' : 'nx-app').spec.template.spec.containers[0].env ?? []).filter((e: any) => e.name.startsWith('REDIS_'));
        if (!(s.uses ?? []).includes('redis')) {
          expect({ s: s.name, user: cm.data.REDIS_USERNAME, env: envVars }).toEqual({ s: s.name, user: undefined, env: [] });
          expect(rules).not.toContain(`nx-${s.name} `);
          continue;
        }
        expect(cm.data.REDIS_USERNAME).toBe(`nx-${s.name}`);
        expect(envVars).toEqual([
          { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: `nx-redis-${s.name}`, key: 'password' } } },
          { name: 'REDIS_TLS_CA', valueFrom: { secretKeyRef: { name: 'nx-redis-ca-cert', key: 'ca.crt' } } },
        ]);
        // TLS only: the seed is the TLS port, and the client is told to use TLS.
        expect({ nodes: cm.data.REDIS_NODES, tls: cm.data.REDIS_TLS }).toEqual({ nodes: 'nx-redis.nx-broker.svc.cluster.local:6380', tls: 'true' });
        expect(sources).toContainEqual({ secret: { name: `nx-redis-${s.name}`, items: [{ key: 'password', path: `nx-${s.name}` }] } });
        expect(rules).toMatch(new RegExp(`^nx-${s.name} nx-${s.name} ~`, 'm'));
      }
      // The create Job authenticates as nx-admin; the redis container (runbook, probes) as default.
      const job = find(env(name), 'Job', 'nx-redis-cluster-create', 'nx-broker');
      expect(job.spec.template.spec.containers[0].env).toEqual([{ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'nx-redis', key: 'admin-password' } } }]);
      expect(find(env(name), 'ConfigMap', 'nx-redis-config').data['redis.conf']).toContain('protected-mode yes');
    });

    test(`${name}: Typesense and Debezium run in nx-search; Debezium reads the primary and writes to nx-kafka:9093 with TLS and SCRAM`, () => {
      find(env(name), 'StatefulSet', 'nx-typesense', 'nx-search');
      const connect = find(env(name), 'KafkaConnect', 'nx-debezium', 'nx-search');
      expect(connect.spec.bootstrapServers).toBe('nx-kafka.nx-broker.svc.cluster.local:9093');
      expect(connect.spec.tls).toEqual({ trustedCertificates: [{ secretName: 'nx-kafka-cluster-ca', certificate: 'ca.crt' }] });
      expect(connect.spec.authentication).toEqual({ type: 'scram-sha-512', username: 'nx-debezium', passwordSecret: { secretName: 'nx-kafka-debezium', password: 'password' } });
      expect(connect.metadata.annotations['strimzi.io/use-connector-resources']).toBe('true');
      const connector = find(env(name), 'KafkaConnector', 'nx-seller-core-cdc', 'nx-search');
      expect(connector.metadata.labels['strimzi.io/cluster']).toBe('nx-debezium');
      expect(connector.spec.config).toMatchObject({
        'plugin.name': 'pgoutput',
        'database.hostname': 'nx-postgresql-primary.nx-persistent.svc.cluster.local',
        'database.dbname': 'nx_seller_core',
        'publication.name': 'nx_debezium_publication',
        'publication.autocreate.mode': 'disabled',
        'slot.name': 'nx_debezium_seller_core',
        'topic.prefix': 'nx-seller-core',
      });
      expect(connector.spec.config['database.password']).toMatch(/^\$\{directory:/);
    });

    test(`${name}: every store endpoint a service is configured with is a Service (or Pooler) in the output`, () => {
      for (const entries of Object.values(STORE_ENDPOINTS)) {
        for (const [key, value] of Object.entries(entries)) {
          const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local/.exec(value);
          if (!match) continue;
          const [, svc, ns] = match;
          const found = tryFind(env(name), 'Service', svc, ns) ?? tryFind(env(name), 'Pooler', svc, ns);
          expect({ key, found: found !== undefined }).toEqual({ key, found: true });
        }
      }
    });
  }
});

describe('sizes per environment', () => {
  test('production runs 3 PostgreSQL instances, Redis 3 masters + 3 replicas, 3 brokers + 3 controllers, 3 Typesense nodes', () => {
    const prod = env('production');
    expect(find(prod, 'Cluster', 'nx-postgresql').spec.instances).toBe(3);
    expect(find(prod, 'StatefulSet', 'nx-redis').spec.replicas).toBe(6);
    expect(find(prod, 'ConfigMap', 'nx-redis-config').data['create-cluster.sh']).toContain('--cluster-replicas 1');
    expect(find(prod, 'KafkaNodePool', 'kafka').spec).toMatchObject({ replicas: 3, roles: ['broker'] });
    expect(find(prod, 'KafkaNodePool', 'kafka-controller').spec).toMatchObject({ replicas: 3, roles: ['controller'] });
    expect(find(prod, 'Kafka', 'nx').spec.kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2 });
    expect(find(prod, 'StatefulSet', 'nx-typesense').spec.replicas).toBe(3);
  });

  test('staging runs 2 PostgreSQL instances, Redis 3 masters without replicas, 3 combined Kafka nodes, 1 Typesense node', () => {
    const staging = env('staging');
    expect(find(staging, 'Cluster', 'nx-postgresql').spec.instances).toBe(2);
    expect(find(staging, 'StatefulSet', 'nx-redis').spec.replicas).toBe(3);
    expect(find(staging, 'ConfigMap', 'nx-redis-config').data['create-cluster.sh']).toContain('--cluster-replicas 0');
    expect(find(staging, 'KafkaNodePool', 'kafka').spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
    expect(tryFind(staging, 'KafkaNodePool', 'kafka-controller')).toBeUndefined();
    expect(find(staging, 'StatefulSet', 'nx-typesense').spec.replicas).toBe(1);
  });

  test('the Typesense nodes file lists every pod by DNS name with peering and API ports', () => {
    const nodes = find(env('production'), 'ConfigMap', 'nx-typesense-nodes').data.nodes;
    expect(nodes.split(',')).toEqual([0, 1, 2].map((i) => `nx-typesense-${i}.nx-typesense-headless.nx-search.svc.cluster.local:8107:8108`));
  });
});

describe('backups', () => {
  for (const name of ENVS) {
    test(`${name}: WAL archiving and base backups go through the Barman Cloud plugin to the seed's S3`, () => {
      const cluster = find(env(name), 'Cluster', 'nx-postgresql');
      const store = find(env(name), 'ObjectStore', 'nx-postgresql-backup', 'nx-persistent');
      expect(cluster.spec.backup).toBeUndefined();
      expect(cluster.spec.plugins).toEqual([
        { name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: store.metadata.name } },
      ]);
      expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
      expect(store.spec.configuration).toMatchObject({
        destinationPath: `s3://bana-backups/postgresql/${name}`,
        endpointURL: 'https://s3.vnpaycloud.vn',
        s3Credentials: {
          accessKeyId: { name: 'nx-postgresql-backup-s3', key: 'ACCESS_KEY_ID' },
          secretAccessKey: { name: 'nx-postgresql-backup-s3', key: 'ACCESS_SECRET_KEY' },
        },
      });
      expect(store.spec.instanceSidecarConfiguration.env).toEqual([{ name: 'AWS_DEFAULT_REGION', value: 'ap-southeast-1' }]);
    });

    test(`${name}: the ScheduledBackup uses the plugin and a six-field schedule`, () => {
      const backup = find(env(name), 'ScheduledBackup', 'nx-postgresql-daily', 'nx-persistent');
      expect(backup.spec).toMatchObject({ cluster: { name: 'nx-postgresql' }, method: 'plugin', pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' } });
      expect(backup.spec.schedule.split(/\s+/)).toHaveLength(6);
    });
  }
});

describe('store parts contract (STORE_PARTS) matches the pods', () => {
  for (const name of ENVS) {
    test(`${name}: every pod template we write carries exactly one part's selector and uses only that part's ports`, () => {
      const parts = Object.values(STORE_PARTS);
      for (const o of workloads(name)) {
        const pod = (o as any).spec.template;
        const labels = pod.metadata.labels;
        const matching = parts.filter((p) => p.namespace === o.metadata.namespace && Object.entries(p.selector).every(([k, v]) => labels[k] === v));
        expect({ owner: `${o.kind}/${o.metadata.name}`, parts: matching.length }).toEqual({ owner: `${o.kind}/${o.metadata.name}`, parts: 1 });
        const allowed = new Set([...Object.values(matching[0].clientPorts), ...Object.values(matching[0].peerPorts)] as number[]);
        for (const c of pod.spec.containers) for (const port of c.ports ?? []) expect(allowed).toContain(port.containerPort);
      }
    });

    test(`${name}: the operator-managed pods get the part labels through their templates`, () => {
      for (const pool of objects(env(name), 'KafkaNodePool')) {
        expect((pool as any).spec.template.pod.metadata.labels[PART_LABEL]).toBe('kafka');
        expect(pool.metadata.labels!['strimzi.io/cluster']).toBe(STORE_PARTS.kafka.selector['strimzi.io/cluster']);
      }
      const connect = find(env(name), 'KafkaConnect', 'nx-debezium');
      expect(connect.spec.template.pod.metadata.labels[PART_LABEL]).toBe(STORE_PARTS.debezium.selector[PART_LABEL]);
      expect(connect.spec.template.buildPod.metadata.labels[PART_LABEL]).toBe(STORE_PARTS.debeziumBuild.selector[PART_LABEL]);
      expect(find(env(name), 'Pooler', 'nx-postgresql-pooler').metadata.name).toBe(STORE_PARTS.pgbouncer.selector['cnpg.io/poolerName']);
      expect(STORE_PARTS.postgres.selector['cnpg.io/cluster']).toBe(find(env(name), 'Cluster', 'nx-postgresql').metadata.name);
    });

    test(`${name}: Services of the data layer select exactly their part's pods`, () => {
      for (const o of data(name).filter((x) => x.kind === 'Service')) {
        const selector = (o as any).spec.selector as Record<string, string>;
        const part = Object.values(STORE_PARTS).find((p) => p.namespace === o.metadata.namespace && Object.entries(p.selector).every(([k, v]) => selector[k] === v));
        expect({ service: o.metadata.name, hasPart: part !== undefined }).toEqual({ service: o.metadata.name, hasPart: true });
        const ports = new Set([...Object.values(part!.clientPorts), ...Object.values(part!.peerPorts)] as number[]);
        for (const p of (o as any).spec.ports) expect(ports).toContain(p.port);
      }
    });
  }
});

describe('pods of the data layer meet the platform bar', () => {
  for (const name of ENVS) {
    test(`${name}: restricted security, numeric user, requests and limits, data priority, node pool`, () => {
      for (const o of workloads(name)) {
        const spec = (o as any).spec.template.spec;
        const owner = `${o.kind}/${o.metadata.name}`;
        expect({ owner, runAsNonRoot: spec.securityContext.runAsNonRoot, uid: typeof spec.securityContext.runAsUser }).toEqual({ owner, runAsNonRoot: true, uid: 'number' });
        expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
        expect(spec.priorityClassName).toBe(PRIORITY_CLASSES.data.name);
        expect(spec.nodeSelector).toEqual({ 'node.kubernetes.io/pool': name === 'production' ? 'app' : 'default' });
        expect(spec.automountServiceAccountToken).toBe(false);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
          expect(c.resources.requests).toEqual({ cpu: expect.anything(), memory: expect.anything() });
          expect(c.resources.limits).toEqual({ cpu: expect.anything(), memory: expect.anything() });
          expect(c.image).not.toMatch(/:latest$|^[^:]+$/);
        }
      }
    });

    test(`${name}: every StatefulSet has a PDB, a headless Service that publishes not-ready addresses, and probes`, () => {
      for (const sts of objects(env(name), 'StatefulSet').filter((o) => data(name).includes(o)) as any[]) {
        const pdb = find(env(name), 'PodDisruptionBudget', sts.metadata.name, sts.metadata.namespace);
        expect(pdb.spec.selector.matchLabels).toEqual(sts.spec.selector.matchLabels);
        const headless = find(env(name), 'Service', sts.spec.serviceName, sts.metadata.namespace);
        expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
        const main = sts.spec.template.spec.containers[0];
        expect([main.startupProbe, main.readinessProbe, main.livenessProbe].every((p) => p !== undefined)).toBe(true);
      }
    });
  }

  test('production spreads every store across nodes; staging does not require it', () => {
    const prod = env('production');
    for (const sts of ['nx-redis', 'nx-typesense']) {
      expect(find(prod, 'StatefulSet', sts).spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' });
      expect(find(env('staging'), 'StatefulSet', sts).spec.template.spec.topologySpreadConstraints).toBeUndefined();
    }
    expect(find(prod, 'Cluster', 'nx-postgresql').spec.affinity.podAntiAffinityType).toBe('required');
    expect(find(prod, 'KafkaNodePool', 'kafka').spec.template.pod.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
  });

  test('Redis readiness requires cluster_state:ok', () => {
    const probe = find(env('production'), 'StatefulSet', 'nx-redis').spec.template.spec.containers[0].readinessProbe.exec.command.join(' ');
    expect(probe).toContain("grep -q '^cluster_state:ok'");
  });

  test('no Secret objects are written; only references', () => {
    for (const name of ENVS) expect(objects(env(name), 'Secret')).toEqual([]);
  });
});

describe('change-data capture toggle', () => {
  test('with CDC on, CNPG declares the replication role, the publication and failover-safe logical slots', () => {
    const cluster = find(env('production'), 'Cluster', 'nx-postgresql');
    expect(cluster.spec.managed.roles).toEqual([expect.objectContaining({ name: 'nx_debezium', login: true, replication: true, passwordSecret: { name: 'nx-postgresql-debezium' } })]);
    expect(cluster.spec.replicationSlots.highAvailability.synchronizeLogicalDecoding).toBe(true);
    expect(cluster.spec.postgresql.parameters['pg_failover_slots.synchronize_slot_names']).toBe('name:nx_debezium_seller_core');
    const publication = find(env('production'), 'Publication', 'nx-debezium', 'nx-persistent');
    expect(publication.spec).toMatchObject({ cluster: { name: 'nx-postgresql' }, dbname: 'nx_seller_core', name: 'nx_debezium_publication', target: { allTables: true } });
  });

  test('with CDC off, nothing of Debezium is written: no Connect, connector, publication, role or slot settings', () => {
    const out = buildDataLayer(STAGING, (spec) => ({ ...spec, debezium: { ...spec.debezium, enabled: false } }));
    const kinds = out.map((o) => o.kind);
    expect(kinds).not.toContain('KafkaConnect');
    expect(kinds).not.toContain('KafkaConnector');
    expect(kinds).not.toContain('Publication');
    const cluster = out.find((o) => o.kind === 'Cluster');
    expect(cluster.spec.managed).toBeUndefined();
    expect(Object.keys(cluster.spec.postgresql.parameters).some((k) => k.startsWith('pg_failover_slots'))).toBe(false);
    const kafka = out.find((o) => o.kind === 'Kafka');
    // Strimzi's own policy admits only pods labelled as Kafka clients, never a whole namespace.
    expect(kafka.spec.kafka.listeners[0].networkPolicyPeers).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nx-backend' } }, podSelector: { matchLabels: { 'platform.bana.com.vn/uses-kafka': 'true' } } },
    ]);
  });

  test('a prebuilt Connect image replaces the in-cluster build', () => {
    // Production requires the digest (staging would take the tag alone).
    const image = `bcr.bana.com.vn/nx-debezium-connect:4.3.1-3.6.1.Final-ci@sha256:${'e'.repeat(64)}`;
    const out = buildDataLayer(PRODUCTION, (spec) => spec, { debeziumImage: image });
    const connect = out.find((o) => o.kind === 'KafkaConnect');
    expect(connect.spec.image).toBe(image);
    expect(connect.spec.build).toBeUndefined();
  });
});

describe('validation', () => {
  test('fails when Redis has fewer than 3 masters', () => {
    expectInputError(() => buildDataLayer(STAGING, (s) => ({ ...s, redis: { ...s.redis, masters: 2 } })), "RedisCluster 'nx-redis': 'masters'", '2', '>= 3');
  });

  test('fails when Redis maxmemory leaves no headroom under the memory limit', () => {
    expectInputError(() => buildDataLayer(STAGING, (s) => ({ ...s, redis: { ...s.redis, maxMemory: '256mb' } })), "'maxMemory'", '80%');
  });

  test('fails when Typesense has an even node count', () => {
    expectInputError(() => buildDataLayer(STAGING, (s) => ({ ...s, typesense: { ...s.typesense, nodes: 2 } })), "TypesenseCluster 'nx-typesense': 'nodes'", 'odd');
  });

  test('fails when Kafka min ISR is not below the replication factor', () => {
    expectInputError(
      () => buildDataLayer(STAGING, (s) => ({ ...s, kafka: { ...s.kafka, minInSyncReplicas: 3 } })),
      "KafkaCluster 'nx': 'minInSyncReplicas'",
      "less than 'replicationFactor' (3)",
    );
  });

  test('fails when the Kafka replication factor exceeds the brokers', () => {
    expectInputError(() => buildDataLayer(STAGING, (s) => ({ ...s, kafka: { ...s.kafka, replicationFactor: 4 } })), "'replicationFactor'", '4');
  });

  test('fails when the KRaft quorum is even', () => {
    expectInputError(() => buildDataLayer(PRODUCTION, (s) => ({ ...s, kafka: { ...s.kafka, dedicatedControllers: 4 } })), "'dedicatedControllers'", 'odd');
  });

  test('fails when an HA environment runs fewer than 3 PostgreSQL instances', () => {
    expectInputError(
      () => buildDataLayer(PRODUCTION, (s) => ({ ...s, postgres: { ...s.postgres, instances: 2 } })),
      "DataLayer 'production' (highAvailability): 'postgres.instances'",
      'at least 3',
    );
  });

  test('fails when an HA environment has Redis masters without replicas', () => {
    expectInputError(() => buildDataLayer(PRODUCTION, (s) => ({ ...s, redis: { ...s.redis, replicasPerMaster: 0 } })), "'redis.replicasPerMaster'");
  });

  test('fails when the backup schedule has five cron fields instead of six', () => {
    expectInputError(() => buildDataLayer(STAGING, (s) => ({ ...s, postgres: { ...s.postgres, backupSchedule: '0 1 * * *' } })), "'backupSchedule'", 'six cron fields');
  });

  test('fails when a request exceeds its limit', () => {
    expectInputError(
      () => buildDataLayer(STAGING, (s) => ({ ...s, typesense: { ...s.typesense, resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } })),
      "'resources.requests.cpu'",
    );
  });

  test('fails when a volume size is not a size', () => {
    expectInputError(() => buildDataLayer(STAGING, (s) => ({ ...s, postgres: { ...s.postgres, storageSize: '20GB' } })), "'storageSize'", '20GB');
  });

  test('the committed sizes are valid in every environment', () => {
    for (const e of [STAGING, PRODUCTION]) expect(() => buildDataLayer(e, (s) => s)).not.toThrow();
  });
});

const shell = spawnSync('sh', ['-c', 'command -v awk'], { encoding: 'utf8' });
(shell.status === 0 ? describe : describe.skip)('Redis start-up script (sh and awk are installed)', () => {
  /** Runs prepare.sh with its absolute paths moved into a temp dir and `getent` answering from a table. */
  function prepare(nodesConf: string, hosts: Record<string, string>, podIp: string, secrets: Record<string, string> = {}): { nodes: string; conf: string; acl: string; status: number | null; stderr: string } {
    const dir = tempDir('bana-redis-');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(path.join(dir, 'run'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'data', 'nodes.conf'), nodesConf);
    const table = Object.entries(hosts).map(([h, ip]) => `${h}) echo "${ip}      ${h}" ;;`).join('\n');
    fs.writeFileSync(path.join(dir, 'bin', 'getent'), `#!/bin/sh\ncase "$2" in\n${table}\n*) exit 2 ;;\nesac\n`, { mode: 0o755 });
    const data = find(env('production'), 'ConfigMap', 'nx-redis-config').data;
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc', 'users.rules'), data['users.rules']);
    fs.mkdirSync(path.join(dir, 'secrets'));
    for (const line of data['users.rules'].split('\n').filter((l: string) => l && !l.startsWith('#'))) {
      const file = line.split(' ')[1];
      fs.writeFileSync(path.join(dir, 'secrets', file), secrets[file] ?? 'abc_123-XYZ');
    }
    const script = data['prepare.sh']
      .replace(/\/data\//g, `${dir}/data/`)
      .replace(/\/run\/redis\//g, `${dir}/run/`)
      .replace(/\/etc\/redis-secrets/g, `${dir}/secrets`)
      .replace(/\/etc\/redis\/users\.rules/g, `${dir}/etc/users.rules`);
    const result = spawnSync('sh', ['-c', script], {
      encoding: 'utf8',
      env: { PATH: `${dir}/bin:${process.env.PATH}`, POD_IP: podIp, POD_NAME: 'nx-redis-0', CLUSTER_DOMAIN: 'nx-redis-headless.nx-broker.svc.cluster.local' },
    });
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    return { nodes: read(path.join(dir, 'data', 'nodes.conf')), conf: read(path.join(dir, 'run', 'redis.conf')), acl: read(path.join(dir, 'run', 'users.acl')), status: result.status, stderr: result.stderr };
  }

  const h = (i: number) => `nx-redis-${i}.nx-redis-headless.nx-broker.svc.cluster.local`;
  const NODES = [
    `aaa 10.0.0.1:6379@16379,${h(0)},shard-id=s1 myself,master - 0 0 1 connected 0-5460`,
    `bbb 10.0.0.2:6379@16379,${h(1)},shard-id=s2 master - 0 1700000000000 2 connected 5461-10922`,
    `ccc 10.0.0.3:6379@16379,${h(2)},shard-id=s3 master - 0 1700000000000 3 connected 10923-16383`,
    'vars currentEpoch 3 lastVoteEpoch 0',
    '',
  ].join('\n');

  test('replaces the stale IPs of itself and of every peer it can resolve, and keeps everything else', () => {
    const out = prepare(NODES, { [h(1)]: '10.1.0.22' }, '10.1.0.11');
    expect(out.status).toBe(0);
    expect(out.nodes.split('\n')).toEqual([
      `aaa 10.1.0.11:6379@16379,${h(0)},shard-id=s1 myself,master - 0 0 1 connected 0-5460`,
      `bbb 10.1.0.22:6379@16379,${h(1)},shard-id=s2 master - 0 1700000000000 2 connected 5461-10922`,
      // Not resolvable (pod not scheduled yet): left as it was, gossip fixes it once that node is back.
      `ccc 10.0.0.3:6379@16379,${h(2)},shard-id=s3 master - 0 1700000000000 3 connected 10923-16383`,
      'vars currentEpoch 3 lastVoteEpoch 0',
      '',
    ]);
  });

  test('writes the ACL file (every user with its own password), the replication credentials and the announced name', () => {
    const out = prepare(NODES, {}, '10.1.0.11', { password: 'runbook_1', 'admin-password': 'admin_2', 'replication-password': 'repl_3', 'nx-sale': 'sale_4' });
    expect(out.status).toBe(0);
    expect(out.conf).toContain('aclfile ');
    expect(out.conf).toContain('masteruser nx-replication\nmasterauth repl_3\n');
    expect(out.conf).not.toContain('requirepass');
    expect(out.acl).toMatch(/^user default reset on >runbook_1 ~\* resetchannels -@all \+@read /m);
    expect(out.acl).toMatch(/^user nx-admin reset on >admin_2 ~\* &\* \+@all$/m);
    expect(out.acl).toMatch(/^user nx-sale reset on >sale_4 ~sale:\* ~cart:\* resetchannels /m);
    expect(out.conf).toContain(`cluster-announce-hostname ${h(0)}`);
    expect(out.conf).toContain('include /etc/redis/redis.conf');
  });

  test('fails, writing no user, when a password is missing or could inject an ACL rule', () => {
    const injected = prepare(NODES, {}, '10.1.0.11', { 'nx-sale': 'x ~* +@all' });
    expect(injected.status).not.toBe(0);
    expect(injected.stderr).toContain('the Redis password nx-sale must be non-empty and contain only');
    expect(injected.acl).not.toContain('nx-sale');
    const empty = prepare(NODES, {}, '10.1.0.11', { 'admin-password': '' });
    expect(empty.status).not.toBe(0);
    expect(empty.acl).not.toContain('nx-admin');
  });
});
