/** Pod Security Standard levels, loosest first. */
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/**
 * The Pod Security Standards as Pod Security admission enforces them (kubernetes/pod-security-admission,
 * policy/check_*.go, up to policy version 1.28), evaluated on a pod spec. Returns one line per violation;
 * an empty list means the pod is admitted at that level. Init and ephemeral containers count like containers.
 */

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
]);

const RESTRICTED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);

function containersOf(spec: any): { name: string; c: any }[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: any) => ({ name: c.name, c }));
}

function baselineViolations(spec: any): string[] {
  const v: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field] === true) v.push(`${field}: true`);
  const pod = spec.securityContext ?? {};
  if (pod.windowsOptions?.hostProcess === true) v.push('securityContext.windowsOptions.hostProcess: true');
  for (const s of pod.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`sysctl ${s.name}`);
  if (pod.seccompProfile?.type === 'Unconfined') v.push('securityContext.seccompProfile: Unconfined');
  if (pod.appArmorProfile?.type === 'Unconfined') v.push('securityContext.appArmorProfile: Unconfined');
  if (pod.seLinuxOptions && (!SELINUX_TYPES.has(pod.seLinuxOptions.type ?? '') || pod.seLinuxOptions.user || pod.seLinuxOptions.role)) {
    v.push('securityContext.seLinuxOptions');
  }
  for (const volume of spec.volumes ?? []) if (volume.hostPath) v.push(`volume ${volume.name}: hostPath`);
  for (const { name, c } of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) v.push(`container ${name}: privileged`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.has(cap)) v.push(`container ${name}: adds capability ${cap}`);
    for (const port of c.ports ?? []) if (port.hostPort) v.push(`container ${name}: hostPort ${port.hostPort}`);
    if (sc.windowsOptions?.hostProcess === true) v.push(`container ${name}: windowsOptions.hostProcess`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`container ${name}: procMount ${sc.procMount}`);
    if (sc.seccompProfile?.type === 'Unconfined') v.push(`container ${name}: seccompProfile Unconfined`);
    if (sc.appArmorProfile?.type === 'Unconfined') v.push(`container ${name}: appArmorProfile Unconfined`);
    if (sc.seLinuxOptions && (!SELINUX_TYPES.has(sc.seLinuxOptions.type ?? '') || sc.seLinuxOptions.user || sc.seLinuxOptions.role)) {
      v.push(`container ${name}: seLinuxOptions`);
    }
  }
  return v;
}

function restrictedViolations(spec: any): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  for (const volume of spec.volumes ?? []) {
    const sources = Object.keys(volume).filter((k) => k !== 'name');
    for (const source of sources) if (!RESTRICTED_VOLUME_SOURCES.has(source)) v.push(`volume ${volume.name}: ${source}`);
  }
  if (pod.runAsNonRoot === false) v.push('securityContext.runAsNonRoot: false');
  if (pod.runAsUser === 0) v.push('securityContext.runAsUser: 0');
  const podSeccomp = pod.seccompProfile?.type;
  for (const { name, c } of containersOf(spec)) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) v.push(`container ${name}: allowPrivilegeEscalation must be false`);
    if (sc.runAsNonRoot === false || (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true)) v.push(`container ${name}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) v.push(`container ${name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`container ${name}: seccompProfile must be RuntimeDefault or Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`container ${name}: capabilities.drop must include ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`container ${name}: adds capability ${cap}`);
  }
  return v;
}

/** Violations of `level` by a pod spec (none for `privileged`). */
export function podSecurityViolations(spec: any, level: PodSecurityLevel): string[] {
  if (level === 'privileged') return [];
  const baseline = baselineViolations(spec);
  return level === 'baseline' ? baseline : [...new Set([...baseline, ...restrictedViolations(spec)])];
}
