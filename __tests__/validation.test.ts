import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../lib/cli/cli';
import { KubeObject } from '../lib/k8s/objects';
import { readTree } from '../lib/output/writer';
import { PLATFORM } from '../lib/platform';
import { PlatformSpec } from '../lib/platform/types';
import { formatProblem, manifestProblems, objectProblems } from '../lib/checks/validate';
import { env, find, objects, RELEASE_DIR, tempDir } from './helpers';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const problems = (object: unknown) => objectProblems(object as KubeObject).map((p) => formatProblem(p));

describe('validation of every synthesized object', () => {
  test.each(['staging', 'production'] as const)('every object of %s is valid', (name) => {
    expect(manifestProblems(objects(env(name))).map((p) => formatProblem(p))).toEqual([]);
  });
});

describe('core objects against the Kubernetes 1.28 schema (strict)', () => {
  const deployment = () => clone(find(env('production'), 'Deployment', 'nx-sale', 'nx-backend'));

  test('fails when a container field is misspelt, naming object, path and the likely field', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolcy = 'Always';
    expect(problems(d)).toEqual([
      'Deployment nx-backend/nx-sale: spec.template.spec.containers[0].imagePullPolcy = "Always": unknown field (did you mean \'imagePullPolicy\'?)',
    ]);
  });

  test('fails when a field is unknown at the top level', () => {
    const d = deployment();
    d.status = { replicas: 1 };
    d.specs = {};
    expect(problems(d)).toEqual([
      'Deployment nx-backend/nx-sale: status = {"replicas":1}: unknown field (allowed: apiVersion, kind, metadata, spec)',
      "Deployment nx-backend/nx-sale: specs = {}: unknown field (did you mean 'spec'?)",
    ]);
  });

  test('fails when a value has the wrong type (replicas as a string, a fractional port)', () => {
    const d = deployment();
    d.spec.replicas = '2';
    d.spec.template.spec.containers[0].ports[0].containerPort = 3000.5;
    expect(problems(d)).toEqual([
      'Deployment nx-backend/nx-sale: spec.replicas = "2": must be integer',
      'Deployment nx-backend/nx-sale: spec.template.spec.containers[0].ports[0].containerPort = 3000.5: must be integer',
    ]);
  });

  test('fails when a required field is missing', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].name;
    delete d.spec.selector;
    expect(problems(d)).toEqual([
      'Deployment nx-backend/nx-sale: spec.selector: required field is missing',
      'Deployment nx-backend/nx-sale: spec.template.spec.containers[0].name: required field is missing',
    ]);
  });

  test('fails when a quantity is not a quantity', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limits.memory = '512 MB';
    expect(problems(d)).toEqual(['Deployment nx-backend/nx-sale: spec.template.spec.containers[0].resources.limits.memory = "512 MB": must be a Kubernetes quantity (e.g. 250m, 1, 512Mi, 2Gi)']);
  });

  test('int-or-string takes a number or a name, nothing else', () => {
    const d = deployment();
    d.spec.strategy.rollingUpdate.maxSurge = '25%';
    d.spec.strategy.rollingUpdate.maxUnavailable = 0;
    expect(problems(d)).toEqual([]);
    d.spec.strategy.rollingUpdate.maxSurge = true;
    expect(problems(d)).toEqual(['Deployment nx-backend/nx-sale: spec.strategy.rollingUpdate.maxSurge = true: must match one of: integer | string']);
  });

  test('fails when apiVersion/kind is not a Kubernetes 1.28 kind nor an imported CRD', () => {
    expect(problems({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'x', namespace: 'y' } })).toEqual([
      expect.stringContaining('Deployment y/x: apiVersion = "apps/v1beta1/Deployment": unknown kind'),
    ]);
    expect(problems({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x', namespace: 'y' } })).toEqual([expect.stringContaining('unknown kind')]);
  });

  test('embedded objects need no apiVersion/kind (volumeClaimTemplates), top-level objects do', () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'nx-redis', namespace: 'nx-broker' },
      spec: {
        serviceName: 'nx-redis',
        selector: { matchLabels: { app: 'redis' } },
        template: { metadata: { labels: { app: 'redis' } }, spec: { containers: [{ name: 'redis', image: 'redis:7.2' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
      },
    };
    expect(problems(sts)).toEqual([]);
    (sts.spec.volumeClaimTemplates[0] as any).kind = 'Pod';
    expect(problems(sts)).toEqual(['StatefulSet nx-broker/nx-redis: spec.volumeClaimTemplates[0].kind = "Pod": must be "PersistentVolumeClaim"']);
    const { kind: _kind, ...withoutKind } = sts;
    expect(objectProblems(withoutKind as any).map((p) => `${p.path}: ${p.reason}`)).toEqual(['kind: required field is missing']);
  });

  test('knows the kinds the other layers write', () => {
    const kinds: [string, string, boolean][] = [
      ['v1', 'Namespace', false],
      ['v1', 'ResourceQuota', true],
      ['v1', 'LimitRange', true],
      ['scheduling.k8s.io/v1', 'PriorityClass', false],
      ['networking.k8s.io/v1', 'NetworkPolicy', true],
      ['networking.k8s.io/v1', 'Ingress', true],
      ['batch/v1', 'Job', true],
      ['batch/v1', 'CronJob', true],
      ['apps/v1', 'StatefulSet', true],
      ['policy/v1', 'PodDisruptionBudget', true],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole', false],
    ];
    for (const [apiVersion, kind, namespaced] of kinds) {
      const metadata = namespaced ? { name: 'x', namespace: 'nx-backend' } : { name: 'x' };
      expect(problems({ apiVersion, kind, metadata }).filter((p) => p.includes('unknown kind') || p.includes('metadata.namespace'))).toEqual([]);
    }
  });
});

describe('custom resources against their CRD openAPIV3Schema (strict)', () => {
  const cluster = () => ({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'nx-postgresql', namespace: 'nx-persistent' },
    spec: { instances: 3, storage: { size: '20Gi' }, postgresql: { parameters: { max_connections: '200' } } },
  });

  test('a valid CNPG Cluster passes', () => {
    expect(problems(cluster())).toEqual([]);
  });

  test('fails when a CRD field is misspelt', () => {
    const c: any = cluster();
    c.spec.storage.storageclass = 'fast';
    expect(problems(c)).toEqual(['Cluster nx-persistent/nx-postgresql: spec.storage.storageclass = "fast": unknown field (did you mean \'storageClass\'?)']);
  });

  test('fails when a CRD value breaks its type or enum', () => {
    const c: any = cluster();
    c.spec.instances = 'three';
    c.spec.primaryUpdateStrategy = 'sometimes';
    expect(problems(c)).toEqual([
      'Cluster nx-persistent/nx-postgresql: spec.instances = "three": must be integer',
      expect.stringMatching(/^Cluster nx-persistent\/nx-postgresql: spec.primaryUpdateStrategy = "sometimes": must be one of "unsupervised", "supervised"$/),
    ]);
  });

  test('fields marked x-kubernetes-preserve-unknown-fields take anything (Argo CD helm valuesObject)', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'platform', namespace: 'argocd' },
      spec: {
        project: 'default',
        destination: { server: 'https://kubernetes.default.svc', namespace: 'nx-backend' },
        source: { repoURL: 'https://git.example/bana/platform.git', path: 'dist/production', helm: { valuesObject: { any: { nested: ['thing'] } } } },
      },
    };
    expect(problems(app)).toEqual([]);
    (app.spec.source as any).helmm = {};
    expect(problems(app)).toEqual([expect.stringContaining("spec.source.helmm = {}: unknown field (did you mean 'helm'?)")]);
  });

  test('metadata of a custom resource is the core ObjectMeta', () => {
    const c: any = cluster();
    c.metadata.label = { a: 'b' };
    expect(problems(c)).toEqual(["Cluster nx-persistent/nx-postgresql: metadata.label = {\"a\":\"b\"}: unknown field (did you mean 'labels'?)"]);
  });
});

describe('names, namespaces and labels', () => {
  const base = (kind: string, name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'nx-backend', ...extra } });

  test('fails when a name is not a DNS-1123 subdomain', () => {
    expect(problems(base('ConfigMap', 'Bad_Name'))).toEqual([expect.stringContaining('ConfigMap nx-backend/Bad_Name: metadata.name = "Bad_Name": a ConfigMap name is a DNS-1123 subdomain')]);
  });

  test('fails when a Service name starts with a digit (DNS-1035)', () => {
    expect(problems({ ...base('Service', '1st'), spec: {} })).toEqual([expect.stringContaining('metadata.name = "1st": a Service name is a DNS-1035 label')]);
  });

  test('fails when a CronJob name is longer than 52 characters', () => {
    const name = 'n'.repeat(53);
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'nx-backend' }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } };
    expect(problems(cron)).toEqual([expect.stringContaining('and at most 52 characters')]);
  });

  test('fails when a namespaced object has no namespace, or a cluster-scoped one has one', () => {
    expect(problems({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toEqual([expect.stringContaining('metadata.namespace: ConfigMap is namespaced')]);
    expect(problems({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'y' } })).toEqual([expect.stringContaining('Namespace is cluster-scoped')]);
  });

  test('fails when a label value is too long or a label key has a bad prefix, also in pod templates and selectors', () => {
    const d = clone(find(env('staging'), 'Deployment', 'nx-sale', 'nx-backend'));
    d.metadata.labels['app.kubernetes.io/version'] = 'v'.repeat(64);
    d.spec.template.metadata.labels['Bad_Prefix/x'] = 'y';
    d.spec.selector.matchLabels['app.kubernetes.io/name'] = 'sale!';
    expect(problems(d)).toEqual([
      expect.stringContaining('metadata.labels["app.kubernetes.io/version"] = "vvvv'),
      expect.stringContaining('spec.selector.matchLabels["app.kubernetes.io/name"] = "sale!": a label value'),
      expect.stringContaining("spec.template.metadata.labels = \"Bad_Prefix/x\": the prefix 'Bad_Prefix' must be a DNS-1123 subdomain"),
    ]);
  });
});

describe('synthesis refuses invalid objects before writing anything', () => {
  const broken: PlatformSpec = {
    ...PLATFORM,
    services: PLATFORM.services.map((s) => (s.name === 'ledger' ? { ...s, resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: 'one core', memory: '512Mi' } } } : s)),
  };

  test('fails with one line naming the object, its file, the field path and the reason; exit 2; dist untouched', () => {
    const out = tempDir();
    fs.mkdirSync(path.join(out, 'staging'));
    fs.writeFileSync(path.join(out, 'staging', 'marker'), 'before');
    const stderr: string[] = [];
    const status = runCli(broken, ['--out', out, '--release-dir', RELEASE_DIR], {}, { stdout: () => undefined, stderr: (l) => stderr.push(l) });
    expect(status).toBe(2);
    expect(stderr).toEqual([
      'error: Deployment nx-backend/nx-ledger (06-5-services/nx-backend/nx-ledger.deployment.yaml): spec.template.spec.containers[0].resources.limits.cpu: "one core" is not valid; must be a Kubernetes quantity (e.g. 250m, 1, 512Mi, 2Gi)',
    ]);
    expect([...readTree(out).keys()]).toEqual(['staging/marker']);
  });
});
