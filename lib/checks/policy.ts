import { podSecurityViolations } from '../k8s/pod-security';
import { allContainers, LabelSelectorView, PodSpecView, PodTemplate, podTemplateOf } from '../k8s/pods';
import { identify, KubeObject } from '../k8s/objects';

/**
 * The policy gate: the Pod Security Standard *restricted* (PSA's checks, baseline included, as of the 1.28
 * API; the one implementation is ../k8s/pod-security.ts) over every pod template, and kube-linter's
 * default checks over every object, evaluated on the synthesized objects. Sources: kubernetes/pod-security-admission `policy/check_*.go`, stackrox/kube-linter
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

function matches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (selector) for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** A `LabelSelector` (matchLabels and matchExpressions) against a label set. */
export function selects(selector: LabelSelectorView | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return false;
  if (!matches(selector.matchLabels, labels)) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
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
  readonly podTemplates: ReadonlyMap<string, readonly PodTemplate[]>;
  /** `namespace/name` of every ServiceAccount. */
  readonly serviceAccounts: ReadonlySet<string>;
}

function indexObjects(objects: readonly KubeObject[]): ObjectIndex {
  const podTemplates = new Map<string, PodTemplate[]>();
  const serviceAccounts = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'ServiceAccount') serviceAccounts.add(`${o.metadata.namespace}/${o.metadata.name}`);
    const template = podTemplateOf(o);
    if (!template) continue;
    const list = podTemplates.get(template.namespace) ?? [];
    list.push(template);
    podTemplates.set(template.namespace, list);
  }
  return { podTemplates, serviceAccounts };
}

function podLintFindings(object: KubeObject, pod: PodSpecView, all: ObjectIndex, emit: (check: string, message: string, container?: string) => void): void {
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
  for (const { kind, container: c } of allContainers(pod)) {
    const sc = c.securityContext ?? {};
    const name = c.name;
    const drop = sc.capabilities?.drop ?? [];
    if (!drop.includes('NET_RAW') && !drop.includes('ALL')) emit('drop-net-raw-capability', `${kind} does not drop NET_RAW`, name);
    const envNames = (c.env ?? []).map((e) => e.name);
    const duplicates = envNames.filter((n, i) => envNames.indexOf(n) !== i);
    if (duplicates.length > 0) emit('duplicate-env-var', `${kind} sets ${[...new Set(duplicates)].join(', ')} twice`, name);
    for (const e of c.env ?? []) if (/secret/i.test(e.name) && typeof e.value === 'string' && e.value !== '') emit('env-var-secret', `${kind} env ${e.name} holds a literal value`, name);
    const image = String(c.image ?? '');
    if (/:(latest)$/.test(image) || /^[^:]*$/.test(image) || /(.*\/[^:]+)$/.test(image)) emit('latest-tag', `${kind} image '${image}' has no pinned tag`, name);
    const ports = c.ports ?? [];
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
    if (!(runAsUser !== undefined && runAsUser > 0) && runAsNonRoot !== true) emit('run-as-non-root', `${kind} may run as root (no runAsUser > 0, no runAsNonRoot)`, name);
    else if (runAsNonRoot === true && runAsUser === 0) emit('run-as-non-root', `${kind} sets runAsNonRoot with runAsUser 0`, name);
    if (runAsGroup === 0) emit('run-as-non-root', `${kind} runs with group 0`, name);
    if (!c.resources?.requests?.cpu || /^0+(m)?$/.test(String(c.resources.requests.cpu))) emit('unset-cpu-requirements', `${kind} has no CPU request`, name);
    if (!c.resources?.limits?.memory || /^0+([KMGTPE]i?)?$/.test(String(c.resources.limits.memory))) emit('unset-memory-requirements', `${kind} has no memory limit`, name);
  }
}

function replicasOf(object: KubeObject): number | undefined {
  const replicas = (object.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas === 'number') return replicas;
  return ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(object.kind) ? 1 : undefined;
}

/** The `spec` fields of workloads, Services and PDBs that the object checks read. */
interface ObjectSpecView {
  /** A LabelSelector on workloads and PDBs; a plain label map on a Service. */
  readonly selector?: LabelSelectorView | Readonly<Record<string, string>>;
  readonly ttlSecondsAfterFinished?: number;
  readonly jobTemplate?: { readonly spec?: { readonly ttlSecondsAfterFinished?: number } };
  readonly type?: string;
  readonly ports?: readonly { readonly targetPort?: number | string }[];
  readonly unhealthyPodEvictionPolicy?: string;
  readonly maxUnavailable?: number | string;
  readonly minAvailable?: number | string;
}

/** kube-linter's default checks that look at one object as a whole or across objects. */
function objectLintFindings(object: KubeObject, template: PodTemplate | undefined, all: ObjectIndex, emit: (check: string, message: string) => void): void {
  const spec = (object.spec ?? {}) as ObjectSpecView;
  const labelSelector = spec.selector as LabelSelectorView | undefined;
  if (object.apiVersion.startsWith('extensions/v1beta')) emit('no-extensions-v1beta', `apiVersion ${object.apiVersion} is removed`);
  const pod = template?.spec;
  const labels = template?.labels ?? {};
  if (pod && object.kind !== 'Pod' && object.kind !== 'PodTemplate' && object.kind !== 'CronJob' && labelSelector && !selects(labelSelector, labels)) {
    emit('mismatching-selector', 'spec.selector does not select the pod template labels');
  }
  if (object.kind === 'Job' && spec.ttlSecondsAfterFinished === undefined) emit('job-ttl-seconds-after-finished', 'standalone Job without ttlSecondsAfterFinished');
  if (object.kind === 'CronJob' && spec.jobTemplate?.spec?.ttlSecondsAfterFinished !== undefined) {
    emit('job-ttl-seconds-after-finished', 'CronJob jobTemplate sets ttlSecondsAfterFinished (the CronJob manages its Jobs)');
  }
  const replicas = replicasOf(object);
  if (pod && replicas !== undefined && replicas >= 2) {
    const terms = [...(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => t.podAffinityTerm)];
    const ok = terms.some((t) => t?.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector, labels));
    if (!ok) emit('no-anti-affinity', `${replicas} replicas without a podAntiAffinity on kubernetes.io/hostname that selects its pods`);
  }
  if (object.kind === 'Service' && spec.type !== 'ExternalName') {
    const selector = (spec.selector ?? {}) as Readonly<Record<string, string>>;
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
    const targets = (all.podTemplates.get(object.metadata.namespace ?? '') ?? []).filter((t) => selects(labelSelector, t.labels)).map((t) => t.object);
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
    const template = podTemplateOf(object);
    if (template) {
      const pss = add('pss-restricted');
      for (const v of podSecurityViolations(template.spec, 'restricted', template.annotations)) pss(v.check, v.message, v.container);
      podLintFindings(object, template.spec, index, add('kube-linter'));
    }
    objectLintFindings(object, template, index, add('kube-linter'));
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
