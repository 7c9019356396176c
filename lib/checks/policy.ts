import { identify, KubeObject } from '../k8s/objects';

/**
 * The policy gate: the Pod Security Standard *restricted* (PSA's checks, baseline included, as of the 1.28
 * API) over every pod template, and kube-linter's default checks over every object, evaluated on the
 * synthesized objects. Sources: kubernetes/pod-security-admission `policy/check_*.go`, stackrox/kube-linter
 * `internal/defaultchecks/default_checks.go` (see ../shared/notes/policy-standards.md).
 */

export type Standard = 'pss-restricted' | 'kube-linter';

export interface Finding {
  readonly standard: Standard;
  /** PSA check ID or kube-linter check name. */
  readonly check: string;
  /** `Deployment nx-backend/nx-identity`. */
  readonly object: string;
  /** Container name, for per-container checks. */
  readonly container?: string;
  readonly message: string;
}

/** Where the pod spec sits in each workload kind (kube-linter's "DeploymentLike" plus PodTemplate). */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const at = (root: any, path: readonly string[]): any => path.reduce((node, key) => node?.[key], root);

export function podSpecOf(object: KubeObject): any | undefined {
  const path = POD_SPEC_PATHS[object.kind];
  return path ? at(object, path) : undefined;
}

/** Labels of the pods a workload creates. */
export function podLabelsOf(object: KubeObject): Record<string, string> {
  const path = POD_SPEC_PATHS[object.kind];
  if (!path) return {};
  if (object.kind === 'Pod') return object.metadata.labels ?? {};
  return at(object, [...path.slice(0, -1), 'metadata', 'labels']) ?? {};
}

function containersOf(pod: any): { kind: 'container' | 'initContainer' | 'ephemeralContainer'; c: any }[] {
  return [
    ...(pod.initContainers ?? []).map((c: any) => ({ kind: 'initContainer' as const, c })),
    ...(pod.containers ?? []).map((c: any) => ({ kind: 'container' as const, c })),
    ...(pod.ephemeralContainers ?? []).map((c: any) => ({ kind: 'ephemeralContainer' as const, c })),
  ];
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (selector) for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** A `LabelSelector` (matchLabels and matchExpressions) against a label set. */
export function selects(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return false;
  if (!matches(selector.matchLabels, labels)) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);
/** PSA `sysctls` allowed list up to policy version 1.28. */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

/** PSS restricted (and the baseline checks it includes) for one pod spec. */
function podSecurityFindings(pod: any, podAnnotations: Record<string, string>, emit: (check: string, message: string, container?: string) => void): void {
  const psc = pod.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[field] === true) emit('hostNamespaces', `${field} is true`);
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) emit('restrictedVolumes', `volume '${v.name}' is of type '${type}'; allowed: ${[...RESTRICTED_VOLUME_TYPES].join(', ')}`);
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) emit('sysctls', `sysctl '${s.name}' is not in the safe set`);
  if (psc.windowsOptions?.hostProcess === true) emit('windowsHostProcess', 'pod securityContext.windowsOptions.hostProcess is true');
  const checkSeLinux = (o: any, where: string, container?: string) => {
    if (!o) return;
    if (o.type !== undefined && !SELINUX_TYPES.has(o.type)) emit('seLinuxOptions', `${where} seLinuxOptions.type '${o.type}' is not allowed`, container);
    if (o.user || o.role) emit('seLinuxOptions', `${where} seLinuxOptions sets user or role`, container);
  };
  checkSeLinux(psc.seLinuxOptions, 'pod');
  if (psc.appArmorProfile && !SECCOMP_OK.has(psc.appArmorProfile.type)) emit('appArmorProfile', `pod appArmorProfile.type '${psc.appArmorProfile.type}'`);
  for (const [key, value] of Object.entries(podAnnotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(value === 'runtime/default' || value.startsWith('localhost/'))) {
      emit('appArmorProfile', `annotation ${key}=${value}`);
    }
  }
  if (psc.runAsNonRoot === false) emit('runAsNonRoot', 'pod securityContext.runAsNonRoot is false');
  if (psc.runAsUser === 0) emit('runAsUser', 'pod securityContext.runAsUser is 0');
  if (psc.seccompProfile && !SECCOMP_OK.has(psc.seccompProfile.type)) emit('seccompProfile_restricted', `pod seccompProfile.type '${psc.seccompProfile.type}'`);

  for (const { kind, c } of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    const name = c.name as string;
    if (sc.privileged === true) emit('privileged', `${kind} is privileged`, name);
    for (const p of c.ports ?? []) if (p.hostPort) emit('hostPorts', `${kind} uses hostPort ${p.hostPort}`, name);
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const handler = c[probe];
      if (handler?.httpGet?.host || handler?.tcpSocket?.host) emit('hostProbesAndHostLifecycle', `${probe} sets a host`, name);
    }
    for (const hook of ['postStart', 'preStop']) {
      const handler = c.lifecycle?.[hook];
      if (handler?.httpGet?.host || handler?.tcpSocket?.host) emit('hostProbesAndHostLifecycle', `lifecycle.${hook} sets a host`, name);
    }
    checkSeLinux(sc.seLinuxOptions, kind, name);
    if (sc.appArmorProfile && !SECCOMP_OK.has(sc.appArmorProfile.type)) emit('appArmorProfile', `${kind} appArmorProfile.type '${sc.appArmorProfile.type}'`, name);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') emit('procMount', `${kind} procMount '${sc.procMount}'`, name);
    if (sc.windowsOptions?.hostProcess === true) emit('windowsHostProcess', `${kind} windowsOptions.hostProcess is true`, name);
    if (sc.allowPrivilegeEscalation !== false) emit('allowPrivilegeEscalation', `${kind} must set securityContext.allowPrivilegeEscalation: false`, name);
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true)) emit('runAsNonRoot', `${kind} must run as non-root (runAsNonRoot: true on the pod or the container)`, name);
    if (sc.runAsUser === 0) emit('runAsUser', `${kind} runAsUser is 0`, name);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (!SECCOMP_OK.has(seccomp)) emit('seccompProfile_restricted', `${kind} must have seccompProfile RuntimeDefault or Localhost (pod or container)`, name);
    const caps = sc.capabilities ?? {};
    if (!(caps.drop ?? []).includes('ALL')) emit('capabilities_restricted', `${kind} must drop capability ALL`, name);
    const added = (caps.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) emit('capabilities_restricted', `${kind} adds ${added.join(', ')} (only NET_BIND_SERVICE may be added)`, name);
  }
}

/** IANA_SVC_NAME: at most 15 characters, a-z0-9 and '-', at least one letter, no leading, trailing or double '-'. */
export function isIanaSvcName(name: string): boolean {
  return name.length >= 1 && name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

const SENSITIVE_HOST_PATHS = new Set(['/', '/boot', '/dev', '/etc', '/lib', '/proc', '/sys', '/usr']);
const UNSAFE_SYSCTL_PREFIXES = ['kernel.msg', 'kernel.sem', 'kernel.shm', 'fs.mqueue.', 'net.'];

/** kube-linter's default checks that look at one pod spec. */
/**
 * What the checks look up across objects, indexed once per environment: with 1,000 services, scanning every
 * object for each Service, PDB and pod was the largest part of a synth (quadratic).
 */
interface ObjectIndex {
  /** Per namespace, the objects that carry a pod template, with those pods' labels, in output order. */
  readonly podTemplates: ReadonlyMap<string, readonly { readonly object: KubeObject; readonly labels: Record<string, string> }[]>;
  /** `namespace/name` of every ServiceAccount. */
  readonly serviceAccounts: ReadonlySet<string>;
}

function indexObjects(objects: readonly KubeObject[]): ObjectIndex {
  const podTemplates = new Map<string, { object: KubeObject; labels: Record<string, string> }[]>();
  const serviceAccounts = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'ServiceAccount') serviceAccounts.add(`${o.metadata.namespace}/${o.metadata.name}`);
    if (!podSpecOf(o)) continue;
    const list = podTemplates.get(o.metadata.namespace ?? '') ?? [];
    list.push({ object: o, labels: podLabelsOf(o) });
    podTemplates.set(o.metadata.namespace ?? '', list);
  }
  return { podTemplates, serviceAccounts };
}

function podLintFindings(object: KubeObject, pod: any, all: ObjectIndex, emit: (check: string, message: string, container?: string) => void): void {
  if (pod.serviceAccount) emit('deprecated-service-account-field', 'uses the deprecated spec.serviceAccount; use serviceAccountName');
  if (pod.hostIPC === true) emit('host-ipc', 'hostIPC is true');
  if (pod.hostNetwork === true) emit('host-network', 'hostNetwork is true');
  if (pod.hostPID === true) emit('host-pid', 'hostPID is true');
  for (const v of pod.volumes ?? []) {
    if (!v.hostPath) continue;
    const p = String(v.hostPath.path).replace(/\/+$/, '') || '/';
    if (/docker\.sock$/.test(p)) emit('docker-sock', `volume '${v.name}' mounts the docker socket`);
    if (SENSITIVE_HOST_PATHS.has(p)) emit('sensitive-host-mounts', `volume '${v.name}' mounts host path ${p}`);
  }
  for (const s of pod.securityContext?.sysctls ?? []) {
    if (UNSAFE_SYSCTL_PREFIXES.some((prefix) => String(s.name).startsWith(prefix))) emit('unsafe-sysctls', `sysctl '${s.name}' is unsafe`);
  }
  const sa = pod.serviceAccountName;
  if (sa && sa !== 'default' && !all.serviceAccounts.has(`${object.metadata.namespace}/${sa}`)) {
    emit('non-existent-service-account', `serviceAccountName '${sa}' is not a ServiceAccount of the output in ${object.metadata.namespace}`);
  }
  const psc = pod.securityContext ?? {};
  for (const { kind, c } of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    const name = c.name as string;
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('NET_RAW') && !drop.includes('ALL')) emit('drop-net-raw-capability', `${kind} does not drop NET_RAW`, name);
    const envNames = (c.env ?? []).map((e: any) => e.name);
    const duplicates = envNames.filter((n: string, i: number) => envNames.indexOf(n) !== i);
    if (duplicates.length > 0) emit('duplicate-env-var', `${kind} sets ${[...new Set(duplicates)].join(', ')} twice`, name);
    for (const e of c.env ?? []) if (/secret/i.test(e.name) && typeof e.value === 'string' && e.value !== '') emit('env-var-secret', `${kind} env ${e.name} holds a literal value`, name);
    const image = String(c.image ?? '');
    if (/:(latest)$/.test(image) || /^[^:]*$/.test(image) || /(.*\/[^:]+)$/.test(image)) emit('latest-tag', `${kind} image '${image}' has no pinned tag`, name);
    const ports: any[] = c.ports ?? [];
    for (const p of ports) {
      if (p.name !== undefined && !isIanaSvcName(p.name)) emit('invalid-target-ports', `${kind} port name '${p.name}' is not an IANA service name`, name);
      if (p.containerPort === 22 && (p.protocol ?? 'TCP') === 'TCP') emit('ssh-port', `${kind} exposes port 22`, name);
    }
    if (kind === 'container') {
      for (const [probe, check] of [['livenessProbe', 'liveness-port'], ['readinessProbe', 'readiness-port'], ['startupProbe', 'startup-port']] as const) {
        const handler = c[probe];
        const port = handler?.httpGet?.port ?? handler?.tcpSocket?.port ?? handler?.grpc?.port;
        if (port === undefined) continue;
        const exposed = typeof port === 'string' ? ports.some((p) => p.name === port) : ports.some((p) => p.containerPort === port);
        if (!exposed) emit(check, `${probe} targets port ${JSON.stringify(port)}, which the container does not expose`, name);
      }
    }
    if (sc.readOnlyRootFilesystem !== true) emit('no-read-only-root-fs', `${kind} root filesystem is writable`, name);
    if (sc.allowPrivilegeEscalation === true || sc.privileged === true || (sc.capabilities?.add ?? []).includes('SYS_ADMIN')) {
      emit('privilege-escalation-container', `${kind} allows privilege escalation`, name);
    }
    if (sc.privileged === true) emit('privileged-container', `${kind} is privileged`, name);
    const runAsUser = sc.runAsUser ?? psc.runAsUser;
    const runAsNonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
    if (!(runAsUser > 0) && runAsNonRoot !== true) emit('run-as-non-root', `${kind} may run as root (no runAsUser > 0, no runAsNonRoot)`, name);
    else if (runAsNonRoot === true && runAsUser === 0) emit('run-as-non-root', `${kind} sets runAsNonRoot with runAsUser 0`, name);
    if (runAsGroup === 0) emit('run-as-non-root', `${kind} runs with group 0`, name);
    if (!c.resources?.requests?.cpu || /^0+(m)?$/.test(String(c.resources.requests.cpu))) emit('unset-cpu-requirements', `${kind} has no CPU request`, name);
    if (!c.resources?.limits?.memory || /^0+([KMGTPE]i?)?$/.test(String(c.resources.limits.memory))) emit('unset-memory-requirements', `${kind} has no memory limit`, name);
  }
}

function replicasOf(object: KubeObject): number | undefined {
  const replicas = (object as any).spec?.replicas;
  if (typeof replicas === 'number') return replicas;
  return ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(object.kind) ? 1 : undefined;
}

/** kube-linter's default checks that look at one object as a whole or across objects. */
function objectLintFindings(object: KubeObject, all: ObjectIndex, emit: (check: string, message: string) => void): void {
  const spec = (object as any).spec ?? {};
  if (object.apiVersion.startsWith('extensions/v1beta')) emit('no-extensions-v1beta', `apiVersion ${object.apiVersion} is removed`);
  const pod = podSpecOf(object);
  const labels = podLabelsOf(object);
  if (pod && object.kind !== 'Pod' && object.kind !== 'PodTemplate' && object.kind !== 'CronJob' && spec.selector && !selects(spec.selector, labels)) {
    emit('mismatching-selector', 'spec.selector does not select the pod template labels');
  }
  if (object.kind === 'Job' && spec.ttlSecondsAfterFinished === undefined) emit('job-ttl-seconds-after-finished', 'standalone Job without ttlSecondsAfterFinished');
  if (object.kind === 'CronJob' && spec.jobTemplate?.spec?.ttlSecondsAfterFinished !== undefined) {
    emit('job-ttl-seconds-after-finished', 'CronJob jobTemplate sets ttlSecondsAfterFinished (the CronJob manages its Jobs)');
  }
  const replicas = replicasOf(object);
  if (pod && replicas !== undefined && replicas >= 2) {
    const terms = [...(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t.podAffinityTerm)];
    const ok = terms.some((t: any) => t?.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector, labels));
    if (!ok) emit('no-anti-affinity', `${replicas} replicas without a podAntiAffinity on kubernetes.io/hostname that selects its pods`);
  }
  if (object.kind === 'Service' && spec.type !== 'ExternalName') {
    const selector = spec.selector ?? {};
    if (Object.keys(selector).length === 0) emit('dangling-service', 'Service has no selector');
    else if (!(all.podTemplates.get(object.metadata.namespace ?? '') ?? []).some((t) => matches(selector, t.labels))) {
      emit('dangling-service', `no pod template in ${object.metadata.namespace} matches selector ${JSON.stringify(selector)}`);
    }
    for (const p of spec.ports ?? []) {
      if (typeof p.targetPort === 'string' && !isIanaSvcName(p.targetPort)) emit('invalid-target-ports', `targetPort '${p.targetPort}' is not an IANA service name`);
      if (typeof p.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535)) emit('invalid-target-ports', `targetPort ${p.targetPort} is out of range`);
    }
  }
  if (object.kind === 'PodDisruptionBudget') {
    if (spec.unhealthyPodEvictionPolicy === undefined) emit('pdb-unhealthy-pod-eviction-policy', 'PDB without an explicit unhealthyPodEvictionPolicy');
    if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0%' || spec.maxUnavailable === '0') emit('pdb-max-unavailable', 'maxUnavailable 0 never allows a voluntary disruption');
    const targets = (all.podTemplates.get(object.metadata.namespace ?? '') ?? []).filter((t) => selects(spec.selector, t.labels)).map((t) => t.object);
    for (const target of targets) {
      const r = replicasOf(target);
      const min = spec.minAvailable;
      if (min === '100%' || (typeof min === 'number' && r !== undefined && min >= r)) {
        emit('pdb-min-available', `minAvailable ${min} never allows a disruption of ${identify(target)} (${r ?? '?'} replicas)`);
      }
    }
  }
}

/** Every finding of both standards over all objects of one environment. */
export function policyFindings(objects: readonly KubeObject[]): Finding[] {
  const findings: Finding[] = [];
  const index = indexObjects(objects);
  for (const object of objects) {
    const who = identify(object);
    const add = (standard: Standard) => (check: string, message: string, container?: string) => findings.push({ standard, check, object: who, message, ...(container ? { container } : {}) });
    const pod = podSpecOf(object);
    if (pod) {
      const annotations = object.kind === 'Pod' ? object.metadata.annotations ?? {} : at(object, [...POD_SPEC_PATHS[object.kind].slice(0, -1), 'metadata', 'annotations']) ?? {};
      podSecurityFindings(pod, annotations, add('pss-restricted'));
      podLintFindings(object, pod, index, add('kube-linter'));
    }
    objectLintFindings(object, index, add('kube-linter'));
  }
  return findings;
}

/** A reviewed exception: which check on which object (and container), and why it is acceptable. */
export interface AllowedFinding {
  readonly check: string;
  /** `Kind namespace/name`, or a pattern for objects whose name carries a version (migration Jobs). */
  readonly object: string | RegExp;
  readonly container?: string;
  /** Why this is acceptable; reviewed like code. */
  readonly reason: string;
}

export function isAllowed(finding: Finding, allowed: AllowedFinding): boolean {
  const object = typeof allowed.object === 'string' ? allowed.object === finding.object : allowed.object.test(finding.object);
  return allowed.check === finding.check && object && (allowed.container === undefined || allowed.container === finding.container);
}

/** Findings no allow-list entry explains, and allow-list entries that no longer match anything. */
export function gate(findings: readonly Finding[], allowList: readonly AllowedFinding[]): { unexplained: Finding[]; unused: AllowedFinding[] } {
  return {
    unexplained: findings.filter((f) => !allowList.some((a) => isAllowed(f, a))),
    unused: allowList.filter((a) => !findings.some((f) => isAllowed(f, a))),
  };
}

export function formatFinding(f: Finding): string {
  return `${f.standard}/${f.check}: ${f.object}${f.container ? ` container ${f.container}` : ''}: ${f.message}`;
}
