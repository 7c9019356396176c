import { allContainers, HandlerView, PodSpecView, SecurityContextView } from './pods';

/** Pod Security Standard levels, loosest first. */
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/**
 * The Pod Security Standards as Pod Security admission enforces them on a Kubernetes 1.28 cluster (our
 * `enforce-version`): kubernetes/pod-security-admission v0.28.15 (= kubernetes v1.28,
 * staging/src/k8s.io/pod-security-admission), `policy/check_*.go`, evaluated on one pod template. The one
 * implementation: the cluster chart refuses a namespace level a pod we write would fail, and the policy gate
 * (lib/checks/policy.ts) reports these findings as `pss-restricted/<check>`.
 *
 * Decisions where sources differ, read at the pinned versions:
 * - `image` volumes are forbidden: v0.28 `check_restrictedVolumes.go` (restrictedVolumes_1_0) admits only
 *   configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret, anything
 *   else being "unknown"; the 1.28 API has no image volume source at all. Upstream added `image` to the list
 *   in v0.33, for clusters that have it.
 * - safe sysctls: v0.28 `check_sysctls.go`, `sysctls_allowed_1_27` (the 1.0 set plus
 *   net.ipv4.ip_local_reserved_ports), the set in force at 1.28.
 * - SELinux: v0.28 `check_seLinuxOptions.go`: type '', container_t, container_init_t or container_kvm_t; user
 *   and role unset; on the pod and on every container.
 * - AppArmor: v0.28 `check_appArmorProfile.go` reads the `container.apparmor.security.beta.kubernetes.io/*`
 *   annotations ('' , runtime/default, localhost/*). The `appArmorProfile` fields came with 1.30 (v0.30
 *   `check_appArmorProfile.go`: RuntimeDefault or Localhost); we check them too, so a pod that 1.30 would
 *   refuse is refused now.
 * - `hostProbesAndHostLifecycle` (v0.34 `check_hostProbesAndhostLifecycle.go`, baseline from policy 1.34):
 *   not enforced at 1.28, checked here anyway, for the same reason. Only stricter checks are taken forward.
 * - At `restricted`, restrictedVolumes, capabilities_restricted and seccompProfile_restricted replace
 *   hostPathVolumes, capabilities_baseline and seccompProfile_baseline (`OverrideCheckIDs` in v0.28).
 */

/** A PSA check ID (policy/check_*.go `ID`). */
export type PodSecurityCheck =
  | 'hostNamespaces'
  | 'privileged'
  | 'capabilities_baseline'
  | 'hostPathVolumes'
  | 'hostPorts'
  | 'appArmorProfile'
  | 'seLinuxOptions'
  | 'procMount'
  | 'seccompProfile_baseline'
  | 'sysctls'
  | 'windowsHostProcess'
  | 'hostProbesAndHostLifecycle'
  | 'restrictedVolumes'
  | 'allowPrivilegeEscalation'
  | 'runAsNonRoot'
  | 'runAsUser'
  | 'seccompProfile_restricted'
  | 'capabilities_restricted';

export interface PodSecurityViolation {
  readonly check: PodSecurityCheck;
  /** The lowest level that forbids it. */
  readonly level: 'baseline' | 'restricted';
  /** Container name, for per-container checks. */
  readonly container?: string;
  readonly message: string;
}

/** check_capabilities_baseline.go, capabilities_allowed_1_0. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
/** check_sysctls.go, sysctls_allowed_1_27. */
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports']);
/** check_restrictedVolumes.go, restrictedVolumes_1_0 (v0.28: no `image`). */
const RESTRICTED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
/** check_seLinuxOptions.go, selinux_allowed_types_1_0. */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
/** check_seccompProfile_restricted.go validSeccomp; check_appArmorProfile.go (v0.30) allowedProfileType. */
const CONFINED_PROFILES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** Checks a restricted check replaces at `restricted` (OverrideCheckIDs). */
const OVERRIDDEN_AT_RESTRICTED = new Set<PodSecurityCheck>(['hostPathVolumes', 'capabilities_baseline', 'seccompProfile_baseline']);

const RESTRICTED_CHECKS = new Set<PodSecurityCheck>(['restrictedVolumes', 'allowPrivilegeEscalation', 'runAsNonRoot', 'runAsUser', 'seccompProfile_restricted', 'capabilities_restricted']);

type Emit = (check: PodSecurityCheck, message: string, container?: string) => void;

function checkSeLinux(options: SecurityContextView['seLinuxOptions'], where: string, emit: Emit, container?: string): void {
  if (!options) return;
  if (!SELINUX_TYPES.has(options.type ?? '')) emit('seLinuxOptions', `${where} seLinuxOptions.type '${options.type}' is not allowed`, container);
  if (options.user || options.role) emit('seLinuxOptions', `${where} seLinuxOptions sets user or role`, container);
}

function hostOf(handler: HandlerView | undefined): string | undefined {
  return handler?.httpGet?.host || handler?.tcpSocket?.host || undefined;
}

function allChecks(pod: PodSpecView, annotations: Readonly<Record<string, string>>, emit: Emit): void {
  const psc = pod.securityContext ?? {};
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[field] === true) emit('hostNamespaces', `${field} is true`);
  for (const v of pod.volumes ?? []) {
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (v.hostPath) emit('hostPathVolumes', `volume '${v.name}' is a hostPath`);
    if (!sources.some((s) => RESTRICTED_VOLUME_SOURCES.has(s))) {
      emit('restrictedVolumes', `volume '${v.name}' is of type '${sources[0] ?? 'unknown'}'; allowed: ${[...RESTRICTED_VOLUME_SOURCES].join(', ')}`);
    }
  }
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) emit('sysctls', `sysctl '${s.name}' is not in the safe set`);
  if (psc.windowsOptions?.hostProcess === true) emit('windowsHostProcess', 'pod securityContext.windowsOptions.hostProcess is true');
  checkSeLinux(psc.seLinuxOptions, 'pod', emit);
  if (psc.appArmorProfile && !CONFINED_PROFILES.has(psc.appArmorProfile.type ?? '')) emit('appArmorProfile', `pod appArmorProfile.type '${psc.appArmorProfile.type}'`);
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(value === '' || value === 'runtime/default' || value.startsWith('localhost/'))) {
      emit('appArmorProfile', `annotation ${key}=${value}`);
    }
  }
  if (psc.seccompProfile?.type === 'Unconfined') emit('seccompProfile_baseline', 'pod seccompProfile.type is Unconfined');
  if (psc.runAsNonRoot === false) emit('runAsNonRoot', 'pod securityContext.runAsNonRoot is false');
  if (psc.runAsUser === 0) emit('runAsUser', 'pod securityContext.runAsUser is 0');
  if (psc.seccompProfile && !CONFINED_PROFILES.has(psc.seccompProfile.type ?? '')) emit('seccompProfile_restricted', `pod seccompProfile.type '${psc.seccompProfile.type}'`);

  for (const { kind, container: c } of allContainers(pod)) {
    const sc = c.securityContext ?? {};
    const name = c.name;
    if (sc.privileged === true) emit('privileged', `${kind} is privileged`, name);
    for (const p of c.ports ?? []) if (p.hostPort) emit('hostPorts', `${kind} uses hostPort ${p.hostPort}`, name);
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      if (hostOf(c[probe])) emit('hostProbesAndHostLifecycle', `${probe} sets a host`, name);
    }
    for (const hook of ['postStart', 'preStop'] as const) {
      if (hostOf(c.lifecycle?.[hook])) emit('hostProbesAndHostLifecycle', `lifecycle.${hook} sets a host`, name);
    }
    checkSeLinux(sc.seLinuxOptions, kind, emit, name);
    if (sc.appArmorProfile && !CONFINED_PROFILES.has(sc.appArmorProfile.type ?? '')) emit('appArmorProfile', `${kind} appArmorProfile.type '${sc.appArmorProfile.type}'`, name);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') emit('procMount', `${kind} procMount '${sc.procMount}'`, name);
    if (sc.windowsOptions?.hostProcess === true) emit('windowsHostProcess', `${kind} windowsOptions.hostProcess is true`, name);
    if (sc.seccompProfile?.type === 'Unconfined') emit('seccompProfile_baseline', `${kind} seccompProfile.type is Unconfined`, name);
    const added = sc.capabilities?.add ?? [];
    const beyondBaseline = added.filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (beyondBaseline.length > 0) emit('capabilities_baseline', `${kind} adds ${beyondBaseline.join(', ')}`, name);
    if (sc.allowPrivilegeEscalation !== false) emit('allowPrivilegeEscalation', `${kind} must set securityContext.allowPrivilegeEscalation: false`, name);
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && psc.runAsNonRoot !== true)) emit('runAsNonRoot', `${kind} must run as non-root (runAsNonRoot: true on the pod or the container)`, name);
    if (sc.runAsUser === 0) emit('runAsUser', `${kind} runAsUser is 0`, name);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (!CONFINED_PROFILES.has(seccomp ?? '')) emit('seccompProfile_restricted', `${kind} must have seccompProfile RuntimeDefault or Localhost (pod or container)`, name);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) emit('capabilities_restricted', `${kind} must drop capability ALL`, name);
    const beyondRestricted = added.filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (beyondRestricted.length > 0) emit('capabilities_restricted', `${kind} adds ${beyondRestricted.join(', ')} (only NET_BIND_SERVICE may be added)`, name);
  }
}

/**
 * Violations of `level` by a pod template's spec and annotations (none for `privileged`), in check order;
 * an empty list means Pod Security admission at 1.28 admits the pod at that level (see above).
 */
export function podSecurityViolations(pod: PodSpecView, level: PodSecurityLevel, annotations: Readonly<Record<string, string>> = {}): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const result: PodSecurityViolation[] = [];
  allChecks(pod, annotations, (check, message, container) => {
    const checkLevel = RESTRICTED_CHECKS.has(check) ? 'restricted' : 'baseline';
    if (level === 'baseline' && checkLevel === 'restricted') return;
    if (level === 'restricted' && OVERRIDDEN_AT_RESTRICTED.has(check)) return;
    result.push({ check, level: checkLevel, message, ...(container !== undefined ? { container } : {}) });
  });
  return result;
}

/** One line per violation: `capabilities_restricted: container app: container must drop capability ALL`. */
export function formatViolation(v: PodSecurityViolation): string {
  return `${v.check}: ${v.container !== undefined ? `container ${v.container}: ` : ''}${v.message}`;
}
