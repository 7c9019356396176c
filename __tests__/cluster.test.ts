import { App } from 'cdk8s';
import { ClusterChart } from '../lib/charts/cluster-chart';
import { podSecurityViolations } from '../lib/k8s/pod-security';
import { podTemplates } from '../lib/k8s/pods';
import { bytes, milliCpu } from '../lib/k8s/quantity';
import { KubeObject } from '../lib/k8s/objects';
import { PLATFORM } from '../lib/platform';
import { CLUSTER_SETTINGS, namespacesOf } from '../lib/platform/cluster';
import { PRIORITY_CLASSES } from '../lib/platform/priorities';
import { STAGING } from '../lib/platform/environments';
import { env, find, objects } from './helpers';

const ENVS = ['staging', 'production'] as const;

describe('namespaces', () => {
  for (const name of ENVS) {
    test(`${name}: exactly the operations page's namespaces, nx-watcher only where enabled`, () => {
      const names = objects(env(name), 'Namespace').map((n) => n.metadata.name).sort();
      // Portainer's namespace is created here (Pod Security labels, default-deny) where the page runs Portainer.
      const expected = ['nx-app', 'nx-backend', 'nx-broker', 'nx-internal', 'nx-persistent', 'nx-search', ...(CLUSTER_SETTINGS[name].watcher ? ['nx-watcher'] : []), ...(name === 'production' ? ['portainer'] : [])].sort();
      expect(names).toEqual(expected);
    });

    test(`${name}: Pod Security labels: enforce as declared (restricted unless a reason is given), audit and warn restricted, version pinned`, () => {
      for (const ns of objects(env(name), 'Namespace')) {
        const labels = ns.metadata.labels!;
        expect(labels['pod-security.kubernetes.io/audit']).toBe('restricted');
        expect(labels['pod-security.kubernetes.io/warn']).toBe('restricted');
        expect(labels['pod-security.kubernetes.io/enforce-version']).toBe('v1.28');
        const declared = namespacesOf(name).find((n) => n.name === ns.metadata.name)!;
        expect(labels['pod-security.kubernetes.io/enforce']).toBe(declared.enforce);
        if (declared.enforce !== 'restricted') expect(ns.metadata.annotations?.['platform.bana.com.vn/pod-security-reason']).toBeTruthy();
      }
      expect(find(env(name), 'Namespace', 'nx-backend').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(find(env(name), 'Namespace', 'nx-app').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    });

    test(`${name}: every pod we write in a namespace labelled restricted complies with restricted`, () => {
      const restricted = new Set(objects(env(name), 'Namespace').filter((n) => n.metadata.labels!['pod-security.kubernetes.io/enforce'] === 'restricted').map((n) => n.metadata.name));
      const checked = podTemplates(objects(env(name))).filter((t) => restricted.has(t.namespace));
      expect(checked.length).toBeGreaterThan(0);
      for (const t of checked) expect({ owner: t.owner, violations: podSecurityViolations(t.spec, 'restricted') }).toEqual({ owner: t.owner, violations: [] });
    });

    test(`${name}: the edge pods we write in nx-internal are restricted too, though the namespace cannot enforce it`, () => {
      const internal = podTemplates(objects(env(name))).filter((t) => t.namespace === 'nx-internal');
      expect(internal.map((t) => t.name).sort()).toEqual(['ingress-nginx-controller', 'traefik']);
      for (const t of internal) expect(podSecurityViolations(t.spec, 'restricted')).toEqual([]);
    });
  }
});

describe('Pod Security checker', () => {
  const good = (): any => ({
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [{ name: 'init', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  });
  test('admits a minimal restricted pod', () => {
    expect(podSecurityViolations(good(), 'restricted')).toEqual([]);
  });
  const tweaks: [string, (p: any) => void, 'baseline' | 'restricted'][] = [
    ['hostNetwork', (p) => (p.hostNetwork = true), 'baseline'],
    ['hostPath volume', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/var' } }), 'baseline'],
    ['privileged init container', (p) => (p.initContainers[0].securityContext.privileged = true), 'baseline'],
    ['NET_RAW capability', (p) => (p.containers[0].securityContext.capabilities.add = ['NET_RAW']), 'baseline'],
    ['hostPort', (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), 'baseline'],
    ['Unconfined seccomp', (p) => (p.securityContext.seccompProfile.type = 'Unconfined'), 'baseline'],
    ['allowPrivilegeEscalation unset', (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation, 'restricted'],
    ['runAsNonRoot missing', (p) => delete p.securityContext.runAsNonRoot, 'restricted'],
    ['runAsUser 0', (p) => (p.initContainers[0].securityContext.runAsUser = 0), 'restricted'],
    ['seccomp missing', (p) => delete p.securityContext.seccompProfile, 'restricted'],
    ['capabilities not dropped', (p) => (p.initContainers[0].securityContext.capabilities.drop = []), 'restricted'],
    ['CHOWN added', (p) => (p.containers[0].securityContext.capabilities.add = ['CHOWN']), 'restricted'],
    ['nfs volume', (p) => p.volumes.push({ name: 'n', nfs: { server: 'x', path: '/' } }), 'restricted'],
    // PSA v0.28 restrictedVolumes_1_0 has no `image` source (the 1.28 API has none): "unknown", forbidden.
    ['image volume', (p) => p.volumes.push({ name: 'i', image: { reference: 'x:1' } }), 'restricted'],
    ['a volume without a source', (p) => p.volumes.push({ name: 'none' }), 'restricted'],
    ['unsafe sysctl', (p) => (p.securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]), 'baseline'],
    ['custom SELinux type on a container', (p) => (p.containers[0].securityContext.seLinuxOptions = { type: 'spc_t' }), 'baseline'],
    ['SELinux user on the pod', (p) => (p.securityContext.seLinuxOptions = { user: 'system_u' }), 'baseline'],
    ['a probe host (policy 1.34, checked ahead)', (p) => (p.containers[0].readinessProbe = { httpGet: { host: '10.0.0.1', port: 80 } }), 'baseline'],
  ];
  test('admits the safe sysctls of policy 1.27+ and the allowed SELinux types', () => {
    const pod = good();
    pod.securityContext.sysctls = [{ name: 'net.ipv4.ip_local_reserved_ports', value: '30000' }];
    pod.containers[0].securityContext.seLinuxOptions = { type: 'container_init_t', level: 's0:c1,c2' };
    expect(podSecurityViolations(pod, 'restricted')).toEqual([]);
  });
  test('reads AppArmor annotations of the pod template (baseline): unconfined is refused, runtime/default and localhost/* are not', () => {
    const key = 'container.apparmor.security.beta.kubernetes.io/app';
    expect(podSecurityViolations(good(), 'baseline', { [key]: 'unconfined' }).map((v) => v.check)).toEqual(['appArmorProfile']);
    expect(podSecurityViolations(good(), 'restricted', { [key]: 'runtime/default' })).toEqual([]);
    expect(podSecurityViolations(good(), 'restricted', { [key]: 'localhost/custom' })).toEqual([]);
  });
  test('at restricted, the restricted checks replace the baseline ones they override (PSA OverrideCheckIDs)', () => {
    const pod = good();
    pod.volumes.push({ name: 'h', hostPath: { path: '/var' } });
    pod.containers[0].securityContext.capabilities.add = ['NET_RAW'];
    pod.securityContext.seccompProfile.type = 'Unconfined';
    expect(podSecurityViolations(pod, 'baseline').map((v) => v.check).sort()).toEqual(['capabilities_baseline', 'hostPathVolumes', 'seccompProfile_baseline']);
    expect([...new Set(podSecurityViolations(pod, 'restricted').map((v) => v.check))].sort()).toEqual(['capabilities_restricted', 'restrictedVolumes', 'seccompProfile_restricted']);
  });
  for (const [what, tweak, level] of tweaks) {
    test(`fails when ${what} (${level})`, () => {
      const pod = good();
      tweak(pod);
      expect(podSecurityViolations(pod, level).length).toBeGreaterThan(0);
      if (level === 'restricted') expect(podSecurityViolations(pod, 'baseline')).toEqual([]);
    });
  }
});

describe('PriorityClasses', () => {
  for (const name of ENVS) {
    test(`${name}: data > HA services > other services > batch, cluster-scoped, none global default`, () => {
      const classes = objects(env(name), 'PriorityClass') as any[];
      const value = (n: string) => classes.find((c) => c.metadata.name === n).value;
      const { data, haService, service, batch } = PRIORITY_CLASSES;
      expect(value(data.name)).toBeGreaterThan(value(haService.name));
      expect(value(haService.name)).toBeGreaterThan(value(service.name));
      expect(value(service.name)).toBeGreaterThan(value(batch.name));
      for (const c of classes) {
        expect(c.metadata.namespace).toBeUndefined();
        expect(c.globalDefault).toBe(false);
      }
    });

    test(`${name}: every pod we write references one of them`, () => {
      const names = new Set(objects(env(name), 'PriorityClass').map((c) => c.metadata.name));
      for (const t of podTemplates(objects(env(name)))) expect({ owner: t.owner, priorityClassName: names.has(t.spec.priorityClassName ?? '') }).toEqual({ owner: t.owner, priorityClassName: true });
    });
  }
});

/** Peak demand computed here, independently of lib/inspect/footprint.ts, for the core workload kinds. */
function peakByNamespace(all: readonly KubeObject[], defaults: { cpuRequest: number; memoryRequest: number; cpuLimit: number; memoryLimit: number }) {
  const peak = new Map<string, { pods: number; cpuRequest: number; memoryRequest: number; cpuLimit: number; memoryLimit: number }>();
  const hpa = new Map(all.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h: any) => [`${h.metadata.namespace}/${h.spec.scaleTargetRef.name}`, h.spec.maxReplicas]));
  for (const o of all as any[]) {
    if (!['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) continue;
    const ns = o.metadata.namespace;
    let pods: number;
    if (o.kind === 'Deployment') {
      const replicas = hpa.get(`${ns}/${o.metadata.name}`) ?? o.spec.replicas ?? 1;
      const surge = o.spec.strategy?.type === 'Recreate' ? 0 : o.spec.strategy?.rollingUpdate?.maxSurge ?? '25%';
      // At least one surge pod per rolling update (maxSurge as a count, or a percentage rounded up).
      pods = replicas + (typeof surge === 'number' ? surge : Math.ceil((parseInt(surge, 10) * replicas) / 100));
    } else if (o.kind === 'StatefulSet') pods = o.spec.replicas ?? 1;
    else pods = o.spec.parallelism ?? 1;
    const spec = o.spec.template.spec;
    const sum = (key: 'requests' | 'limits', res: 'cpu' | 'memory', list: any[]) =>
      list.reduce((n, c) => n + (c.resources?.[key]?.[res] !== undefined ? (res === 'cpu' ? milliCpu : bytes)(c.resources[key][res]) : res === 'cpu' ? (key === 'requests' ? defaults.cpuRequest : defaults.cpuLimit) : key === 'requests' ? defaults.memoryRequest : defaults.memoryLimit), 0);
    const per = (key: 'requests' | 'limits', res: 'cpu' | 'memory') =>
      Math.max(sum(key, res, spec.containers), ...(spec.initContainers ?? []).map((c: any) => sum(key, res, [c])));
    const p = peak.get(ns) ?? { pods: 0, cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0 };
    peak.set(ns, {
      pods: p.pods + pods,
      cpuRequest: p.cpuRequest + pods * per('requests', 'cpu'),
      memoryRequest: p.memoryRequest + pods * per('requests', 'memory'),
      cpuLimit: p.cpuLimit + pods * per('limits', 'cpu'),
      memoryLimit: p.memoryLimit + pods * per('limits', 'memory'),
    });
  }
  return peak;
}

describe('ResourceQuota and LimitRange', () => {
  for (const name of ENVS) {
    const defaultsOf = () => {
      const d = CLUSTER_SETTINGS[name].containerDefaults;
      return { cpuRequest: milliCpu(d.requests.cpu), memoryRequest: bytes(d.requests.memory), cpuLimit: milliCpu(d.limits.cpu), memoryLimit: bytes(d.limits.memory) };
    };

    test(`${name}: each quota admits every workload of its namespace at its peak (HPA max, one surge pod per rollout, Jobs)`, () => {
      const all = objects(env(name));
      const peak = peakByNamespace(all, defaultsOf());
      const quotas = objects(env(name), 'ResourceQuota') as any[];
      expect(quotas.length).toBeGreaterThan(0);
      for (const [ns, p] of peak) {
        const declared = namespacesOf(name).find((n) => n.name === ns)!;
        const quota = quotas.find((q) => q.metadata.namespace === ns);
        if (declared.quota === false) {
          // No compute quota; the object quota holds the namespace to its LoadBalancers, NodePorts and claims.
          expect(quota.metadata.name).toBe('objects');
          expect(quota.spec.hard).toEqual({
            'services.loadbalancers': declared.objectQuota!.loadBalancers,
            'services.nodeports': declared.objectQuota!.nodePorts,
            persistentvolumeclaims: declared.objectQuota!.persistentVolumeClaims,
          });
          continue;
        }
        const hard = quota.spec.hard;
        expect({ ns, fits: Number(hard.pods) >= p.pods }).toEqual({ ns, fits: true });
        expect(milliCpu(hard['requests.cpu'])).toBeGreaterThanOrEqual(p.cpuRequest);
        expect(bytes(hard['requests.memory'])).toBeGreaterThanOrEqual(p.memoryRequest);
        expect(milliCpu(hard['limits.cpu'])).toBeGreaterThanOrEqual(p.cpuLimit);
        expect(bytes(hard['limits.memory'])).toBeGreaterThanOrEqual(p.memoryLimit);
      }
    });

    test(`${name}: every namespace with a quota has a LimitRange whose max admits every container we write there`, () => {
      const ranges = objects(env(name), 'LimitRange') as any[];
      for (const ns of namespacesOf(name).filter((n) => n.quota !== false)) {
        const range = ranges.find((r) => r.metadata.namespace === ns.name);
        const max = range.spec.limits[0].max;
        for (const t of podTemplates(objects(env(name))).filter((p) => p.namespace === ns.name)) {
          for (const c of [...t.spec.containers, ...(t.spec.initContainers ?? [])]) {
            expect(milliCpu(c.resources!.limits!.cpu!)).toBeLessThanOrEqual(milliCpu(max.cpu));
            expect(bytes(c.resources!.limits!.memory!)).toBeLessThanOrEqual(bytes(max.memory));
          }
        }
      }
    });
  }

  test('staging: the runbook scale-out `kubectl scale deployment nx-identity --replicas=3` fits in nx-backend during a rollout', () => {
    const all = objects(env('staging'));
    const peak = peakByNamespace(all, { cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0 }).get('nx-backend')!;
    const identity = find(env('staging'), 'Deployment', 'nx-identity', 'nx-backend');
    const extra = 3 - identity.spec.replicas;
    const c = identity.spec.template.spec.containers[0].resources;
    const hard = find(env('staging'), 'ResourceQuota', 'compute', 'nx-backend').spec.hard;
    expect(Number(hard.pods)).toBeGreaterThanOrEqual(peak.pods + extra);
    expect(milliCpu(hard['limits.cpu'])).toBeGreaterThanOrEqual(peak.cpuLimit + extra * milliCpu(c.limits.cpu));
    expect(bytes(hard['limits.memory'])).toBeGreaterThanOrEqual(peak.memoryLimit + extra * bytes(c.limits.memory));
  });

  const pod = (securityContext: any, extra: any = {}) => ({
    securityContext,
    containers: [
      {
        name: 'x',
        image: 'x:1',
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '2', memory: '1Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
    ...extra,
  });
  const workload = (kind: string, apiVersion: string, ns: string, spec: any): KubeObject => ({ apiVersion, kind, metadata: { name: 'extra', namespace: ns }, spec }) as KubeObject;
  const build = (others: KubeObject[]) => {
    const app = new App({ outdir: '.cdk8s.out' });
    return new ClusterChart(app, '00-cluster', { platform: PLATFORM, environment: STAGING, release: { registry: 'r', tag: 't', tags: {} } }, others).toJson() as any[];
  };

  test('a new StatefulSet in the output grows its namespace quota and the LimitRange ceiling', () => {
    const before = build([]).find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'nx-broker');
    const sts = workload('StatefulSet', 'apps/v1', 'nx-broker', { replicas: 3, template: { spec: pod({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }) } });
    const after = build([sts]);
    const quota = after.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'nx-broker');
    expect(Number(before.spec.hard.pods)).toBe(0);
    expect(Number(quota.spec.hard.pods)).toBeGreaterThanOrEqual(3);
    expect(milliCpu(quota.spec.hard['limits.cpu'])).toBeGreaterThanOrEqual(6000);
    expect(after.find((o) => o.kind === 'LimitRange' && o.metadata.namespace === 'nx-broker').spec.limits[0].max).toEqual({ cpu: '2', memory: '1Gi' });
  });

  test('fails when a pod we write violates the level its namespace enforces', () => {
    const rootPod = workload('Deployment', 'apps/v1', 'nx-broker', { template: { spec: pod({ runAsUser: 0, runAsNonRoot: false }) } });
    expect(() => build([rootPod])).toThrow(/Deployment nx-broker\/extra: pod security.*'restricted'/);
  });

  test('fails when a namespace with a quota holds a workload whose pod count the output cannot state', () => {
    const ds = workload('DaemonSet', 'apps/v1', 'nx-search', { template: { spec: pod({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }) } });
    expect(() => build([ds])).toThrow(/DaemonSet nx-search\/extra.*one pod per node/);
  });

  test('sizes CloudNativePG instances and the Pooler', () => {
    const cluster = workload('Cluster', 'postgresql.cnpg.io/v1', 'nx-persistent', { instances: 3, resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } } });
    const pooler = workload('Pooler', 'postgresql.cnpg.io/v1', 'nx-persistent', { instances: 2, template: { spec: { containers: [{ name: 'pgbouncer', resources: { limits: { cpu: '500m', memory: '256Mi' } } }] } } });
    (pooler.metadata as any).name = 'pooler';
    const quota = build([cluster, pooler]).find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'nx-persistent');
    // 3 instances + 1 join pod, 2 poolers + 1 surge: 7 pods before headroom; 4 x 2 CPU + 3 x 0.5 CPU limits.
    expect(Number(quota.spec.hard.pods)).toBeGreaterThanOrEqual(7);
    expect(milliCpu(quota.spec.hard['limits.cpu'])).toBeGreaterThanOrEqual(9500);
  });

  test('sizes Strimzi node pools (from the pool or the Kafka) and Connect with its build pod', () => {
    const kafka = workload('Kafka', 'kafka.strimzi.io/v1', 'nx-broker', { kafka: { resources: { limits: { cpu: '1', memory: '1Gi' } } } });
    (kafka.metadata as any).name = 'nx';
    const pool = workload('KafkaNodePool', 'kafka.strimzi.io/v1', 'nx-broker', { replicas: 3 });
    (pool.metadata as any).labels = { 'strimzi.io/cluster': 'nx' };
    const quota = build([kafka, pool]).find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'nx-broker');
    expect(Number(quota.spec.hard.pods)).toBeGreaterThanOrEqual(3);
    expect(milliCpu(quota.spec.hard['limits.cpu'])).toBeGreaterThanOrEqual(3000);
    const connect = workload('KafkaConnect', 'kafka.strimzi.io/v1', 'nx-search', {
      replicas: 2,
      resources: { limits: { cpu: '1', memory: '1Gi' } },
      build: { resources: { limits: { cpu: '2', memory: '2Gi' } } },
    });
    const search = build([connect]).find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'nx-search');
    // 2 Connect pods + the build pod: 4 CPU of limits before headroom.
    expect(Number(search.spec.hard.pods)).toBeGreaterThanOrEqual(3);
    expect(milliCpu(search.spec.hard['limits.cpu'])).toBeGreaterThanOrEqual(4000);
  });

  test('fails when an operator kind that starts pods is not known to the sizing', () => {
    expect(() => build([workload('KafkaMirrorMaker2', 'kafka.strimzi.io/v1', 'nx-broker', { replicas: 1 })])).toThrow(/quota sizing of KafkaMirrorMaker2/);
  });
});
