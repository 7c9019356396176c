import { secretReferences } from '../lib/inspect/secret-refs';
import { KubeObject } from '../lib/k8s/objects';
import { env, objects } from './helpers';

const ENVS = ['staging', 'production'] as const;

describe('secrets', () => {
  for (const name of ENVS) {
    test(`${name}: no Secret object anywhere in the output`, () => {
      expect(objects(env(name), 'Secret')).toEqual([]);
      for (const [file, content] of env(name).files) expect({ file, secret: /^kind: Secret$/m.test(content) }).toEqual({ file, secret: false });
    });

    test(`${name}: no literal value in an environment variable that looks like a credential`, () => {
      for (const o of objects(env(name)) as any[]) {
        const spec = o.spec?.template?.spec;
        for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
          for (const e of c.env ?? []) if (/secret|password|token|key/i.test(e.name)) expect({ env: e.name, value: e.value }).toEqual({ env: e.name, value: undefined });
        }
      }
    });

    test(`${name}: SECRETS.md lists every Secret the output references, with its namespace, keys and users`, () => {
      const doc = env(name).files.get('SECRETS.md')!;
      const refs = secretReferences(objects(env(name)));
      expect(refs.length).toBeGreaterThan(0);
      for (const r of refs) {
        const row = doc.split('\n').find((l) => l.startsWith(`| ${r.namespace} | \`${r.name}\``));
        expect({ secret: `${r.namespace}/${r.name}`, listed: row !== undefined }).toEqual({ secret: `${r.namespace}/${r.name}`, listed: true });
        expect(row).toContain(r.user);
        if (r.key) expect(row).toContain(`\`${r.key}\``);
      }
    });

    test(`${name}: the keys read by name are listed and checked: Connect's push Secret, CNPG's basic-auth Secrets, the connector's credentials, Kafka passwords`, () => {
      const doc = env(name).files.get('SECRETS.md')!;
      const expected: [string, string, string[]][] = [
        ['nx-search', 'nx-debezium-build-push', ['.dockerconfigjson']],
        ['nx-persistent', 'nx-postgresql-owner', ['password', 'username']],
        ['nx-persistent', 'nx-postgresql-debezium', ['password', 'username']],
        ['nx-search', 'nx-debezium-postgres', ['password', 'username']],
        ['nx-search', 'nx-kafka-debezium', ['password']],
        ['nx-search', 'nx-kafka-cluster-ca', ['ca.crt']],
        ['nx-backend', 'nx-kafka-cluster-ca', ['ca.crt']],
        ['nx-broker', 'nx-kafka-sale', ['password']],
        ['nx-backend', 'nx-kafka-sale', ['password']],
      ];
      for (const [ns, secret, keys] of expected) {
        const row = doc.split('\n').find((l) => l.startsWith(`| ${ns} | \`${secret}\``));
        expect({ secret, row: row !== undefined, whole: row?.includes('every key') }).toEqual({ secret, row: true, whole: false });
        expect(doc).toContain(`check '${ns}' '${secret}' ${keys.map((k) => `'${k}'`).join(' ')}\n`);
      }
      expect(doc).toMatch(/^\| nx-search \| `nx-debezium-build-push` \| kubernetes.io\/dockerconfigjson/m);
    });

    test(`${name}: bcr-registry is listed for every namespace that pulls from the registry, and checked`, () => {
      const registry = env(name).release.registry;
      const pulling = new Set(
        (objects(env(name)) as any[]).filter((o) => (o.spec?.template?.spec?.containers ?? []).some((c: any) => c.image.startsWith(`${registry}/`))).map((o) => o.metadata.namespace),
      );
      expect(pulling.size).toBeGreaterThan(0);
      const doc = env(name).files.get('SECRETS.md')!;
      for (const ns of pulling) {
        expect(doc).toMatch(new RegExp(`^\\| ${ns} \\| \`bcr-registry\` \\| kubernetes.io/dockerconfigjson`, 'm'));
        expect(doc).toContain(`check '${ns}' 'bcr-registry'`);
      }
    });
  }

  test('finds references in every shape: env, envFrom, volumes, projected, pull secrets, CRD selectors; never ConfigMap data', () => {
    const objs = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd', namespace: 'n' },
        spec: {
          template: {
            spec: {
              imagePullSecrets: [{ name: 'pull' }],
              containers: [{ name: 'c', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'password' } } }, { name: 'Q', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }], envFrom: [{ secretRef: { name: 'whole' } }] }],
              volumes: [{ name: 'v', secret: { secretName: 'vol', items: [{ key: 'a', path: 'a' }] } }, { name: 'p', projected: { sources: [{ secret: { name: 'proj' } }] } }],
            },
          },
        },
      },
      { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'db' }, spec: { superuserSecret: { name: 'su' }, bootstrap: { initdb: { secret: { name: 'app' } } } } },
      { apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name: 'o', namespace: 'db' }, spec: { configuration: { s3Credentials: { accessKeyId: { name: 's3', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 's3', key: 'ACCESS_SECRET_KEY' } } } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'n' }, data: { JWT_SECRET_NAME: 'not-a-ref' } },
    ] as unknown as KubeObject[];
    const found = secretReferences(objs).map((r) => `${r.namespace}/${r.name}${r.key ? `:${r.key}` : ''}`).sort();
    // CNPG's initdb.secret is basic-auth (username, password); a volume with `items` reads those keys only.
    expect(found).toEqual(['db/app:password', 'db/app:username', 'db/s3:ACCESS_KEY_ID', 'db/s3:ACCESS_SECRET_KEY', 'db/su', 'n/env-secret:password', 'n/proj', 'n/pull', 'n/vol:a', 'n/whole']);
  });
});

describe('post-deploy checks', () => {
  for (const name of ENVS) {
    test(`${name}: the script waits for every rollout and Job, and checks every service's health endpoint inside its pod`, () => {
      const script = env(name).files.get('post-deploy-check.sh')!;
      for (const d of objects(env(name), 'Deployment')) expect(script).toContain(`rollout status deployment/${d.metadata.name}`);
      for (const j of objects(env(name), 'Job')) expect(script).toContain(`job/${j.metadata.name}`);
      for (const d of objects(env(name), 'Deployment') as any[]) {
        const c = d.spec.template.spec.containers[0];
        if (!c.image.startsWith(env(name).release.registry)) continue;
        expect(script).toContain(`exec deploy/${d.metadata.name} -c ${c.name} -- wget -qO- http://localhost:3000${c.readinessProbe.httpGet.path}`);
      }
      expect(script).toContain('http://localhost:3000/v1/api/payment/health');
    });
  }
});
