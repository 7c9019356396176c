import { KubeObject } from '../lib/k8s/objects';
import { formatFinding, gate, isIanaSvcName, policyFindings } from '../lib/checks/policy';
import { POLICY_ALLOW_LIST } from '../lib/checks/policy-allowlist';
import { env, find, objects } from './helpers';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

describe('policy gate over the synthesized output', () => {
  const findings = [...policyFindings(objects(env('staging'))), ...policyFindings(objects(env('production')))];

  test('no finding is left unexplained, and no allow-list entry is stale', () => {
    const { unexplained, unused } = gate(findings, POLICY_ALLOW_LIST);
    expect(unexplained.map(formatFinding)).toEqual([]);
    expect(unused).toEqual([]);
  });

  test('every allow-list entry gives a reason', () => {
    for (const entry of POLICY_ALLOW_LIST) expect(entry.reason.trim().length).toBeGreaterThan(20);
  });
});

/**
 * One compliant workload (Deployment, its Service and ServiceAccount, a PDB), then one mutation per rule: each
 * must raise exactly the expected check. The base raising nothing proves the fixtures are meaningful.
 */
describe('each rule fires on its violation', () => {
  const base = () => {
    const synth = env('staging');
    const deployment = clone(find(synth, 'Deployment', 'nx-sale', 'nx-backend'));
    const service = clone(find(synth, 'Service', 'nx-sale', 'nx-backend'));
    const account = clone(find(synth, 'ServiceAccount', 'nx-sale', 'nx-backend'));
    const pdb = clone(find(env('production'), 'PodDisruptionBudget', 'nx-sale', 'nx-backend'));
    return { deployment, service, account, pdb, all: [deployment, service, account, pdb] as KubeObject[] };
  };
  const checksAfter = (mutate: (b: ReturnType<typeof base>) => KubeObject[] | void): string[] => {
    const b = base();
    const result = mutate(b) ?? b.all;
    return [...new Set(policyFindings(result).map((f) => `${f.standard}/${f.check}`))].sort();
  };
  const pod = (b: ReturnType<typeof base>) => b.deployment.spec.template.spec;
  const app = (b: ReturnType<typeof base>) => pod(b).containers[0];
  const init = (b: ReturnType<typeof base>) => pod(b).initContainers[0];

  test('the compliant base raises nothing', () => {
    expect(checksAfter(() => undefined)).toEqual([]);
  });

  const cases: [string, (b: ReturnType<typeof base>) => KubeObject[] | void, string[]][] = [
    ['hostNetwork is true', (b) => void (pod(b).hostNetwork = true), ['kube-linter/host-network', 'pss-restricted/hostNamespaces']],
    ['hostPID is true', (b) => void (pod(b).hostPID = true), ['kube-linter/host-pid', 'pss-restricted/hostNamespaces']],
    ['hostIPC is true', (b) => void (pod(b).hostIPC = true), ['kube-linter/host-ipc', 'pss-restricted/hostNamespaces']],
    ['a container is privileged', (b) => void (app(b).securityContext.privileged = true), ['kube-linter/privilege-escalation-container', 'kube-linter/privileged-container', 'pss-restricted/privileged']],
    ['an init container may escalate privileges (unset)', (b) => void delete init(b).securityContext.allowPrivilegeEscalation, ['pss-restricted/allowPrivilegeEscalation']],
    ['a container allows privilege escalation explicitly', (b) => void (app(b).securityContext.allowPrivilegeEscalation = true), ['kube-linter/privilege-escalation-container', 'pss-restricted/allowPrivilegeEscalation']],
    ['a capability other than NET_BIND_SERVICE is added', (b) => void (app(b).securityContext.capabilities.add = ['SYS_ADMIN']), ['kube-linter/privilege-escalation-container', 'pss-restricted/capabilities_restricted']],
    ['capabilities are not dropped', (b) => void delete app(b).securityContext.capabilities, ['kube-linter/drop-net-raw-capability', 'pss-restricted/capabilities_restricted']],
    ['a hostPath volume is mounted', (b) => void pod(b).volumes.push({ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }), ['kube-linter/docker-sock', 'pss-restricted/restrictedVolumes']],
    ['a sensitive host path is mounted', (b) => void pod(b).volumes.push({ name: 'etc', hostPath: { path: '/etc' } }), ['kube-linter/sensitive-host-mounts', 'pss-restricted/restrictedVolumes']],
    ['an image volume is mounted (no such source at 1.28)', (b) => void pod(b).volumes.push({ name: 'img', image: { reference: 'x:1' } }), ['pss-restricted/restrictedVolumes']],
    ['a hostPort is used', (b) => void (app(b).ports[0].hostPort = 3000), ['pss-restricted/hostPorts']],
    ['a probe names a host', (b) => void (app(b).livenessProbe.httpGet.host = '10.0.0.1'), ['pss-restricted/hostProbesAndHostLifecycle']],
    ['an unsafe sysctl is set', (b) => void (pod(b).securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]), ['kube-linter/unsafe-sysctls', 'pss-restricted/sysctls']],
    ['SELinux type is custom', (b) => void (pod(b).securityContext.seLinuxOptions = { type: 'spc_t' }), ['pss-restricted/seLinuxOptions']],
    ['AppArmor is unconfined', (b) => void (b.deployment.spec.template.metadata.annotations['container.apparmor.security.beta.kubernetes.io/sale'] = 'unconfined'), ['pss-restricted/appArmorProfile']],
    ['procMount is Unmasked', (b) => void (app(b).securityContext.procMount = 'Unmasked'), ['pss-restricted/procMount']],
    ['seccomp is unset everywhere', (b) => {
      delete pod(b).securityContext.seccompProfile;
      for (const c of [...pod(b).containers, ...pod(b).initContainers]) delete c.securityContext.seccompProfile;
    }, ['pss-restricted/seccompProfile_restricted']],
    ['seccomp is Unconfined on a container', (b) => void (app(b).securityContext.seccompProfile = { type: 'Unconfined' }), ['pss-restricted/seccompProfile_restricted']],
    ['runAsNonRoot is not set anywhere', (b) => {
      delete pod(b).securityContext.runAsNonRoot;
      delete pod(b).securityContext.runAsUser;
      for (const c of [...pod(b).containers, ...pod(b).initContainers]) delete c.securityContext.runAsNonRoot;
    }, ['kube-linter/run-as-non-root', 'pss-restricted/runAsNonRoot']],
    ['runAsUser is 0', (b) => void (app(b).securityContext.runAsUser = 0), ['kube-linter/run-as-non-root', 'pss-restricted/runAsUser']],
    ['runAsGroup is 0', (b) => void (pod(b).securityContext.runAsGroup = 0), ['kube-linter/run-as-non-root']],
    ['Windows hostProcess is requested', (b) => void (pod(b).securityContext.windowsOptions = { hostProcess: true }), ['pss-restricted/windowsHostProcess']],
    ['the root filesystem is writable', (b) => void (init(b).securityContext.readOnlyRootFilesystem = false), ['kube-linter/no-read-only-root-fs']],
    ['an env var is set twice', (b) => void (app(b).env = [{ name: 'A', value: '1' }, { name: 'A', value: '2' }]), ['kube-linter/duplicate-env-var']],
    ['a secret is a literal env value', (b) => void (app(b).env = [{ name: 'DB_SECRET', value: 'hunter2' }]), ['kube-linter/env-var-secret']],
    ['an image has the latest tag', (b) => void (init(b).image = 'busybox:latest'), ['kube-linter/latest-tag']],
    ['an image has no tag', (b) => void (app(b).image = 'bcr.bana.com.vn/nx-sale'), ['kube-linter/latest-tag']],
    ['a probe targets a port the container does not expose', (b) => void (app(b).readinessProbe.httpGet.port = 'metrics'), ['kube-linter/readiness-port']],
    ['the liveness probe targets a wrong number', (b) => void (app(b).livenessProbe.httpGet.port = 8080), ['kube-linter/liveness-port']],
    ['the startup probe targets a wrong name', (b) => void (app(b).startupProbe.httpGet.port = 'web'), ['kube-linter/startup-port']],
    ['a port is named against IANA_SVC_NAME', (b) => {
      app(b).ports[0].name = 'http_port';
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) app(b)[p].httpGet.port = 'http_port';
      b.service.spec.ports[0].targetPort = 'http_port';
    }, ['kube-linter/invalid-target-ports']],
    ['port 22 is exposed', (b) => void app(b).ports.push({ name: 'ssh', containerPort: 22, protocol: 'TCP' }), ['kube-linter/ssh-port']],
    ['the CPU request is missing', (b) => void delete init(b).resources.requests.cpu, ['kube-linter/unset-cpu-requirements']],
    ['the memory limit is missing', (b) => void delete app(b).resources.limits.memory, ['kube-linter/unset-memory-requirements']],
    ['the deprecated serviceAccount field is used', (b) => void (pod(b).serviceAccount = 'nx-sale'), ['kube-linter/deprecated-service-account-field']],
    ['the ServiceAccount does not exist', (b) => [b.deployment, b.service, b.pdb], ['kube-linter/non-existent-service-account']],
    ['the selector does not match the template', (b) => void (b.deployment.spec.selector.matchLabels['app.kubernetes.io/name'] = 'other'), ['kube-linter/mismatching-selector']],
    ['two replicas have no anti-affinity', (b) => void delete pod(b).affinity, ['kube-linter/no-anti-affinity']],
    ['a Service selects no pod template', (b) => void (b.service.spec.selector = { 'app.kubernetes.io/name': 'nobody' }), ['kube-linter/dangling-service']],
    ['a Service has no selector', (b) => void delete b.service.spec.selector, ['kube-linter/dangling-service']],
    ['a PDB has no unhealthyPodEvictionPolicy', (b) => void delete b.pdb.spec.unhealthyPodEvictionPolicy, ['kube-linter/pdb-unhealthy-pod-eviction-policy']],
    ['a PDB allows no unavailability', (b) => void (b.pdb.spec.maxUnavailable = 0), ['kube-linter/pdb-max-unavailable']],
    ['a PDB requires all replicas', (b) => {
      delete b.pdb.spec.maxUnavailable;
      b.pdb.spec.minAvailable = 2;
    }, ['kube-linter/pdb-min-available']],
    ['an extensions/v1beta1 object is written', (b) => [...b.all, { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'x', namespace: 'nx-backend' } } as KubeObject], ['kube-linter/no-extensions-v1beta']],
    ['a standalone Job has no ttlSecondsAfterFinished', (b) => {
      const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'nx-sale-migrate-abc', namespace: 'nx-backend' }, spec: { template: clone(b.deployment.spec.template) } };
      job.spec.template.spec.affinity = undefined;
      return [...b.all, job as KubeObject];
    }, ['kube-linter/job-ttl-seconds-after-finished']],
  ];

  test.each(cases)('fails when %s', (_name, mutate, expected) => {
    expect(checksAfter(mutate)).toEqual(expected);
  });

  test('IANA service names', () => {
    expect(['http', 'grpc-web', 'h2c', 'a1'].every(isIanaSvcName)).toBe(true);
    expect(['', 'HTTP', '123', '-x', 'x-', 'a--b', 'sixteen-chars-xx'].some(isIanaSvcName)).toBe(false);
  });
});

describe('allow-list', () => {
  test('an entry explains exactly its finding; an entry that matches nothing is reported', () => {
    const findings = [
      { standard: 'kube-linter' as const, check: 'no-read-only-root-fs', object: 'StatefulSet nx-broker/nx-kafka', container: 'kafka', message: 'x' },
      { standard: 'kube-linter' as const, check: 'no-read-only-root-fs', object: 'StatefulSet nx-broker/nx-redis', container: 'redis', message: 'x' },
    ];
    const allow = [
      { check: 'no-read-only-root-fs', object: 'StatefulSet nx-broker/nx-kafka', container: 'kafka', reason: 'the image writes its config under /opt at start' },
      { check: 'no-read-only-root-fs', object: 'StatefulSet nx-search/nx-typesense', reason: 'gone' },
    ];
    const { unexplained, unused } = gate(findings, allow);
    expect(unexplained.map((f) => f.object)).toEqual(['StatefulSet nx-broker/nx-redis']);
    expect(unused.map((a) => a.object)).toEqual(['StatefulSet nx-search/nx-typesense']);
  });
});
