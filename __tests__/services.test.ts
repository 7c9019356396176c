import { PLATFORM } from '../lib/platform';
import { healthPathOf, versionLabel } from '../lib/platform/conventions';
import { EnvironmentName } from '../lib/platform/types';
import { env, find, FIXTURE_TAG, objects, podSpecs, synthEnv, tryFind } from './helpers';

// Expectations follow the catalogue, so adding a service (docs/services.md, "Adding a service") needs no test change.
const BACKENDS = PLATFORM.services.filter((s) => s.tier === 'backend').map((s) => s.name);
const FRONTENDS = PLATFORM.services.filter((s) => s.tier === 'frontend').map((s) => s.name);
const HA = PLATFORM.services.filter((s) => s.ha).map((s) => s.name);
/** The operations page's services; the catalogue holds them all, and may hold more. */
const PAGE_BACKENDS = ['identity', 'commerce', 'sale', 'finance', 'inventory', 'ledger', 'pricing', 'payment-api', 'payment-worker', 'signal'];
const PAGE_FRONTENDS = ['client', 'bo', 'wiki', 'sale-renderer'];
const PAGE_HA = ['identity', 'sale', 'payment-api', 'signal'];
const ENVS: EnvironmentName[] = ['staging', 'production'];
const NODE_POOL: Record<EnvironmentName, string> = { staging: 'default', production: 'app' };

describe('the catalogue', () => {
  test('holds the ten backends and four frontends of the operations page, HA flags as the page says', () => {
    expect(BACKENDS).toEqual(expect.arrayContaining(PAGE_BACKENDS));
    expect(FRONTENDS).toEqual(expect.arrayContaining(PAGE_FRONTENDS));
    for (const name of [...PAGE_BACKENDS, ...PAGE_FRONTENDS]) expect({ name, ha: HA.includes(name) }).toEqual({ name, ha: PAGE_HA.includes(name) });
  });

  test("health paths: /v1/api/<svc>/health, payment-api's segment is 'payment'", () => {
    const paths = Object.fromEntries(PLATFORM.services.filter((s) => s.tier === 'backend').map((s) => [s.name, healthPathOf(s)]));
    expect(paths['payment-api']).toBe('/v1/api/payment/health');
    expect(paths.identity).toBe('/v1/api/identity/health');
    expect(paths['payment-worker']).toBe('/v1/api/payment-worker/health');
  });
});

describe.each(ENVS)('%s: every service', (envName) => {
  const synth = env(envName);
  const all = [...BACKENDS.map((n) => ({ n, ns: 'nx-backend', component: 'backend' })), ...FRONTENDS.map((n) => ({ n, ns: 'nx-app', component: 'frontend' }))];

  test.each(all)('$n: Deployment nx-$n in $ns with the runbook labels, port 3000, image, pull secret, node pool', ({ n, ns, component }) => {
    const d = find(synth, 'Deployment', `nx-${n}`, ns);
    expect(d.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': n, 'app.kubernetes.io/component': component });
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': n, 'app.kubernetes.io/component': component });
    const pod = d.spec.template;
    expect(pod.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    const app = pod.spec.containers[0];
    expect(app.name).toBe(n);
    expect(pod.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe(n);
    expect(app.image).toBe(`bcr.bana.com.vn/nx-${n.startsWith('payment-') ? 'payment' : n}:${FIXTURE_TAG}`);
    expect(app.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'bcr-registry' }]);
    expect(pod.spec.nodeSelector).toEqual({ 'node.kubernetes.io/pool': NODE_POOL[envName] });
    expect(pod.spec.serviceAccountName).toBe(`nx-${n}`);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  test.each(all)('$n: the four envFrom sources, in order', ({ n }) => {
    const d = find(synth, 'Deployment', `nx-${n}`);
    expect(d.spec.template.spec.containers[0].envFrom).toEqual([
      { configMapRef: { name: 'nx-shared-config' } },
      { configMapRef: { name: `nx-${n}-config` } },
      { secretRef: { name: 'nx-shared-secret' } },
      { secretRef: { name: `nx-${n}-secret` } },
    ]);
  });

  test.each(all)('$n: ClusterIP Service on 3000 selecting only the Deployment\'s pods, ServiceAccount without token', ({ n, ns, component }) => {
    const svc = find(synth, 'Service', `nx-${n}`, ns);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
    // component keeps the Service off the migration Job's pods (component=migration).
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': n, 'app.kubernetes.io/component': component });
    expect(find(synth, 'ServiceAccount', `nx-${n}`, ns).automountServiceAccountToken).toBe(false);
  });

  test.each(BACKENDS)('%s: startup, readiness and liveness probes on its health path', (n) => {
    const service = PLATFORM.services.find((s) => s.name === n)!;
    const app = find(synth, 'Deployment', `nx-${n}`).spec.template.spec.containers[0];
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(app[probe].httpGet).toEqual({ path: healthPathOf(service), port: 'http' });
    }
  });

  test('every backend but identity waits for identity; identity and frontends wait for nothing', () => {
    for (const n of BACKENDS) {
      const init = find(synth, 'Deployment', `nx-${n}`).spec.template.spec.initContainers;
      if (n === 'identity') {
        expect(init).toBeUndefined();
        continue;
      }
      expect(init).toHaveLength(1);
      expect(init[0].name).toBe('wait-for-identity');
      expect(init[0].image).toMatch(/^busybox:1\.36@sha256:[a-f0-9]{64}$/);
      const script = init[0].command.join(' ');
      expect(script).toContain('wget -qO- http://nx-identity.nx-backend.svc.cluster.local:3000/v1/api/identity/health');
      expect(script).toContain('sleep 2');
    }
    for (const n of FRONTENDS) expect(find(synth, 'Deployment', `nx-${n}`).spec.template.spec.initContainers).toBeUndefined();
  });

  test('rolling updates: HA services 0 unavailable / 1 surge, the others 1 / 1; history kept for rollout undo', () => {
    for (const d of objects(synth, 'Deployment').filter((o) => ['backend', 'frontend'].includes(o.metadata.labels!['app.kubernetes.io/component']))) {
      const spec = (d as any).spec;
      const ha = HA.includes(d.metadata.labels!['app.kubernetes.io/name']);
      expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: ha ? { maxUnavailable: 0, maxSurge: 1 } : { maxUnavailable: 1, maxSurge: 1 } });
      expect(spec.revisionHistoryLimit).toBeGreaterThan(0);
    }
  });

  test('configuration: nx-shared-config in each namespace, nx-<svc>-config per service, no Secret anywhere', () => {
    for (const ns of ['nx-backend', 'nx-app']) {
      const shared = find(synth, 'ConfigMap', 'nx-shared-config', ns);
      expect(shared.data.IDENTITY_URL).toBe('http://nx-identity.nx-backend.svc.cluster.local:3000');
      expect(shared.data.APP_ENV).toBe(envName);
    }
    for (const n of [...BACKENDS, ...FRONTENDS]) {
      const own = find(synth, 'ConfigMap', `nx-${n}-config`);
      expect(own.data.SERVICE_NAME).toBe(n);
      expect(own.data.PORT).toBe('3000');
    }
    expect(find(synth, 'ConfigMap', 'nx-sale-config').data.DATABASE_HOST).toBe('nx-postgresql-pooler.nx-persistent.svc.cluster.local');
    expect(find(synth, 'ConfigMap', 'nx-signal-config').data.DATABASE_HOST).toBeUndefined();
    expect(objects(synth, 'Secret')).toEqual([]);
  });

  test('a config change rolls the pods: the pod template carries a digest of the ConfigMaps it reads', () => {
    const digests = BACKENDS.map((n) => find(synth, 'Deployment', `nx-${n}`).spec.template.metadata.annotations['platform.bana.com.vn/config-digest']);
    expect(digests.every((d) => /^[0-9a-f]{16}$/.test(d))).toBe(true);
    expect(new Set(digests).size).toBe(digests.length);
  });
});

describe.each(ENVS)('%s: Pod Security Standard restricted and resources', (envName) => {
  const pods = podSpecs(env(envName)).filter((p) => /Deployment nx-(backend|app)\//.test(p.owner));

  test('there are pods to check', () => expect(pods.length).toBe(BACKENDS.length + FRONTENDS.length));

  test.each(pods.map((p) => [p.owner, p.spec]))('%s: numeric non-root user 1000, RuntimeDefault seccomp', (_owner, spec: any) => {
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.hostNetwork ?? false).toBe(false);
    expect(spec.hostPID ?? false).toBe(false);
  });

  test.each(pods.map((p) => [p.owner, p.spec]))('%s: every container restricted, read-only root, requests and limits', (_owner, spec: any) => {
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const kind of ['requests', 'limits']) {
        expect(c.resources[kind].cpu).toBeDefined();
        expect(c.resources[kind].memory).toBeDefined();
      }
    }
  });

  test.each(pods.map((p) => [p.owner, p.spec]))('%s: writable /tmp on an emptyDir', (_owner, spec: any) => {
    expect(spec.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.anything() }));
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });
});

describe('replicas, autoscaling and disruption budgets', () => {
  test('staging: HA services run 2 replicas and have no HPA or PDB; the others 1', () => {
    const synth = env('staging');
    for (const n of BACKENDS) {
      expect(find(synth, 'Deployment', `nx-${n}`).spec.replicas).toBe(HA.includes(n) ? 2 : 1);
    }
    const appNamespaces = (o: { metadata: { namespace?: string } }) => ['nx-backend', 'nx-app'].includes(o.metadata.namespace ?? '');
    expect(objects(synth, 'HorizontalPodAutoscaler').filter(appNamespaces)).toEqual([]);
    expect(objects(synth, 'PodDisruptionBudget').filter(appNamespaces)).toEqual([]);
  });

  test('production: each HA service has an autoscaling/v2 HPA and a policy/v1 PDB; replicas left to the HPA', () => {
    const synth = env('production');
    for (const n of HA) {
      const hpa = find(synth, 'HorizontalPodAutoscaler', `nx-${n}`, 'nx-backend');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: `nx-${n}` });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      const pdb = find(synth, 'PodDisruptionBudget', `nx-${n}`, 'nx-backend');
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.selector.matchLabels).toEqual(find(synth, 'Deployment', `nx-${n}`).spec.selector.matchLabels);
      expect(find(synth, 'Deployment', `nx-${n}`).spec.replicas).toBeUndefined();
    }
    for (const n of BACKENDS.filter((b) => !HA.includes(b))) {
      expect(tryFind(synth, 'HorizontalPodAutoscaler', `nx-${n}`)).toBeUndefined();
      expect(find(synth, 'Deployment', `nx-${n}`).spec.replicas).toBe(1);
    }
  });

  test('production: HA replicas are spread across nodes, counting only the current ReplicaSet', () => {
    const spec = find(env('production'), 'Deployment', 'nx-sale').spec.template.spec;
    expect(spec.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['pod-template-hash'] }),
    );
    expect(find(env('staging'), 'Deployment', 'nx-sale').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });
});

describe('reviewable output', () => {
  test.each(ENVS)('%s: no hashed names, no cdk8s.io labels or selectors', (envName) => {
    const text = [...env(envName).files.values()].join('\n');
    expect(text).not.toContain('cdk8s.io/metadata.addr');
    for (const o of objects(env(envName))) expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$|-[0-9a-f]{8}$/);
  });

  test.each(ENVS)('%s: one file per object, named <layer>/<namespace>/<name>.<kind>.yaml', (envName) => {
    for (const m of env(envName).manifests) {
      expect(m.path).toBe(`${m.folder}/${m.object.metadata.namespace ?? '_cluster'}/${m.object.metadata.name}.${m.object.kind.toLowerCase()}.yaml`);
    }
  });
});

describe('version labels', () => {
  test('the tag itself where it is a valid label value', () => {
    expect(versionLabel('4f1c2a9')).toBe('4f1c2a9');
    expect(versionLabel('v1.2.3_rc-1')).toBe('v1.2.3_rc-1');
  });

  test('every tag the inputs accept gives a valid, distinct label: long tags and tags ending in . - _', () => {
    const long = `release-${'x'.repeat(110)}`;
    const tags = [long, `${long}y`, 'v1.0.', 'build_', '_hidden', 'a-', 'Z'.repeat(128)];
    const labels = tags.map(versionLabel);
    for (const label of labels) expect(label).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
    expect(new Set(labels).size).toBe(tags.length);
  });

  test('a synth with a 128-character tag passes validation and labels the Deployment with the short form', () => {
    const tag = 'T'.repeat(128);
    const d = find(synthEnv('staging', { tag: { value: tag, input: 'test' } }), 'Deployment', 'nx-sale');
    expect(d.spec.template.spec.containers[0].image).toBe(`bcr.bana.com.vn/nx-sale:${tag}`);
    expect(d.metadata.labels['app.kubernetes.io/version']).toBe(versionLabel(tag));
  });
});
