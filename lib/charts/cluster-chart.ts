import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Compute, ContainerDefaults, footprints, max, peakOf } from '../inspect/footprint';
import { formatViolation, podSecurityViolations } from '../k8s/pod-security';
import { podTemplates } from '../k8s/pods';
import { bytes, formatCpu, formatMemory, milliCpu } from '../k8s/quantity';
import { KubeObject } from '../k8s/objects';
import { CLUSTER_SETTINGS, namespacesOf, NamespaceSpec, POD_SECURITY_VERSION } from '../platform/cluster';
import { commonLabels, PART_OF } from '../platform/conventions';
import { InputError } from '../platform/errors';
import { PRIORITY_CLASSES } from '../platform/priorities';
import { ResourceSpec } from '../platform/types';
import { EnvironmentContext, LayerChart } from './layer-chart';

/** Annotation on a Namespace stating why it enforces less than `restricted`, or has no quota. */
export const POD_SECURITY_REASON_ANNOTATION = 'platform.bana.com.vn/pod-security-reason';
export const QUOTA_REASON_ANNOTATION = 'platform.bana.com.vn/quota-reason';

/** Quotas are rounded up to these steps, so a small change in one service does not move every quota. */
const CPU_STEP = 100;
const MEMORY_STEP = 64 * 2 ** 20;

const roundUp = (value: number, step: number): number => Math.ceil(value / step) * step;

/**
 * Step 0, cluster setup: the namespaces with their Pod Security labels, the PriorityClasses, and per namespace
 * a ResourceQuota and LimitRange sized from the objects the other layers synthesized (their peak: HPA
 * maximum, rollout surge, Jobs; see lib/inspect/footprint.ts), plus the environment's headroom. Built after
 * the other layers (`derived` in lib/charts/layers.ts). Refuses to label a namespace `restricted` (or
 * `baseline`) when a pod we write there would be rejected, and a quota over a workload it cannot size.
 *
 * This layer reads the synthesized objects on purpose, not the typed platform data: a quota must hold what
 * is really emitted (operator custom resources, edge controllers, Jobs, HPA maxima, rollout surge, container
 * defaults), and admission judges the pod templates as written. Pod templates come through the one extractor
 * (lib/k8s/pods.ts) and are judged by the one Pod Security implementation (lib/k8s/pod-security.ts).
 */
export class ClusterChart extends LayerChart {
  constructor(scope: Construct, folder: string, context: EnvironmentContext, others: readonly KubeObject[]) {
    super(scope, { folder, context });
    const env = context.environment;
    const settings = CLUSTER_SETTINGS[env.name];
    const d = settings.containerDefaults;
    const defaults: ContainerDefaults = {
      cpuRequest: milliCpu(d.requests.cpu),
      memoryRequest: bytes(d.requests.memory),
      cpuLimit: milliCpu(d.limits.cpu),
      memoryLimit: bytes(d.limits.memory),
    };
    const sized = footprints(others, () => defaults);
    const templates = podTemplates(others);

    for (const pc of Object.values(PRIORITY_CLASSES)) {
      new k8s.KubePriorityClass(this, `Priority-${pc.name}`, {
        metadata: { name: pc.name, labels: commonLabels(pc.name, 'priority-class') },
        value: pc.value,
        globalDefault: false,
        description: pc.description,
      });
    }
    for (const ns of namespacesOf(env.name)) {
      assertPodSecurity(ns, templates);
      this.addNamespace(ns);
      if (ns.quota ?? true) {
        const ceiling = this.addComputeQuota(ns, sized, settings.quotaHeadroomPercent, defaults);
        this.limitRange(ns.name, d, ceiling);
      } else {
        this.addObjectQuota(ns);
        this.limitRange(ns.name, d);
      }
    }
  }

  /** The namespace with its Pod Security labels, and the reasons for any exception as annotations. */
  private addNamespace(ns: NamespaceSpec): void {
    const where = `namespace '${ns.name}'`;
    const levelLabels: Record<string, string> = {};
    for (const mode of ['enforce', 'audit', 'warn'] as const) {
      levelLabels[`pod-security.kubernetes.io/${mode}`] = mode === 'enforce' ? ns.enforce : 'restricted';
      levelLabels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    const annotations: Record<string, string> = {};
    if (ns.reason) annotations[POD_SECURITY_REASON_ANNOTATION] = ns.reason;
    if (!(ns.quota ?? true)) {
      if (!ns.quotaReason) throw new InputError(`${where}: 'quota'`, false, "allowed: true, or false with a 'quotaReason'");
      annotations[QUOTA_REASON_ANNOTATION] = ns.quotaReason;
    }
    new k8s.KubeNamespace(this, `Namespace-${ns.name}`, {
      metadata: {
        name: ns.name,
        labels: { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': 'cdk8s', ...levelLabels },
        annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      },
    });
  }

  /** A namespace without a compute quota: no quota can be sized there; the object counts still apply. */
  private addObjectQuota(ns: NamespaceSpec): void {
    if (!ns.objectQuota) throw new InputError(`namespace '${ns.name}': 'objectQuota'`, null, "allowed: object counts for a namespace with 'quota: false'");
    new k8s.KubeResourceQuota(this, `ObjectQuota-${ns.name}`, {
      metadata: { name: 'objects', namespace: ns.name, labels: commonLabels('objects', 'resource-quota') },
      spec: {
        hard: {
          'services.loadbalancers': k8s.Quantity.fromNumber(ns.objectQuota.loadBalancers),
          'services.nodeports': k8s.Quantity.fromNumber(ns.objectQuota.nodePorts),
          persistentvolumeclaims: k8s.Quantity.fromNumber(ns.objectQuota.persistentVolumeClaims),
        },
      },
    });
  }

  /**
   * The compute quota: the peak of what the output runs in the namespace (rollout surge and HPA maxima
   * included) plus the headroom, rounded up. Returns the ceiling for the LimitRange: the largest container we
   * write there, or the defaults a container stating nothing gets.
   */
  private addComputeQuota(ns: NamespaceSpec, sized: ReturnType<typeof footprints>, headroomPercent: number, defaults: ContainerDefaults): Compute {
    const blocking = sized.unsizable.find((u) => u.namespace === ns.name);
    if (blocking) {
      throw new InputError(`${blocking.owner}`, blocking.reason, `allowed: workloads whose pod count the output states, in namespace '${ns.name}' which has a quota`);
    }
    const peak = peakOf(sized.footprints.filter((f) => f.namespace === ns.name));
    const grow = (value: number): number => Math.ceil((value * (100 + headroomPercent)) / 100);
    const hard = {
      pods: grow(peak.pods),
      cpuRequest: roundUp(grow(peak.compute.cpuRequest), CPU_STEP),
      memoryRequest: roundUp(grow(peak.compute.memoryRequest), MEMORY_STEP),
      cpuLimit: roundUp(grow(peak.compute.cpuLimit), CPU_STEP),
      memoryLimit: roundUp(grow(peak.compute.memoryLimit), MEMORY_STEP),
    };
    new k8s.KubeResourceQuota(this, `Quota-${ns.name}`, {
      metadata: { name: 'compute', namespace: ns.name, labels: commonLabels('compute', 'resource-quota') },
      spec: {
        hard: {
          pods: k8s.Quantity.fromNumber(hard.pods),
          'requests.cpu': k8s.Quantity.fromString(formatCpu(hard.cpuRequest)),
          'requests.memory': k8s.Quantity.fromString(formatMemory(hard.memoryRequest)),
          'limits.cpu': k8s.Quantity.fromString(formatCpu(hard.cpuLimit)),
          'limits.memory': k8s.Quantity.fromString(formatMemory(hard.memoryLimit)),
        },
      },
    });
    return max(peak.largestContainer, defaults);
  }

  /** `container-defaults`: the defaults a container stating nothing gets, and, where given, the ceiling. */
  private limitRange(namespace: string, d: ResourceSpec, ceiling?: Compute): void {
    new k8s.KubeLimitRange(this, `Limits-${namespace}`, {
      metadata: { name: 'container-defaults', namespace, labels: commonLabels('container-defaults', 'limit-range') },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: k8s.Quantity.fromString(d.requests.cpu), memory: k8s.Quantity.fromString(d.requests.memory) },
            default: { cpu: k8s.Quantity.fromString(d.limits.cpu), memory: k8s.Quantity.fromString(d.limits.memory) },
            max: ceiling && { cpu: k8s.Quantity.fromString(formatCpu(ceiling.cpuLimit)), memory: k8s.Quantity.fromString(formatMemory(ceiling.memoryLimit)) },
          },
        ],
      },
    });
  }
}

/**
 * A namespace's level: `restricted`, or another with a stated reason; and every pod the output writes there
 * must pass it (the same check the admission controller makes, lib/k8s/pod-security.ts).
 */
function assertPodSecurity(ns: NamespaceSpec, templates: ReturnType<typeof podTemplates>): void {
  const where = `namespace '${ns.name}'`;
  if (ns.enforce !== 'restricted' && !ns.reason) {
    throw new InputError(`${where}: 'enforce'`, ns.enforce, "allowed: 'restricted', or another level with a 'reason'");
  }
  for (const t of templates.filter((p) => p.namespace === ns.name)) {
    const violations = podSecurityViolations(t.spec, ns.enforce, t.annotations);
    if (violations.length > 0) {
      throw new InputError(`${t.owner}: pod security`, formatViolation(violations[0]), `allowed: pods admitted by the '${ns.enforce}' level ${where} enforces (${violations.length} violation(s))`);
    }
  }
}
