import { InputError } from '../platform/errors';
import { identify, KubeObject } from '../k8s/objects';
import { podTemplateOf } from '../k8s/pods';
import { bytes, milliCpu } from '../k8s/quantity';

/**
 * What the workloads of the output ask of a namespace at their peak: every pod at its highest replica count
 * (an HPA's maximum where one targets the workload), plus the extra pods a rollout creates (a Deployment's
 * maxSurge, the join Job of a CloudNativePG instance), with requests and limits as admission will see them
 * (the LimitRange's defaults filled in where a container states none). The cluster baseline sizes its
 * ResourceQuotas and LimitRanges from this, so a new workload is covered the moment it is synthesized.
 */

/** Compute of one container or one pod: millicores and bytes. */
export interface Compute {
  readonly cpuRequest: number;
  readonly memoryRequest: number;
  readonly cpuLimit: number;
  readonly memoryLimit: number;
}

export const ZERO: Compute = { cpuRequest: 0, memoryRequest: 0, cpuLimit: 0, memoryLimit: 0 };

export function add(a: Compute, b: Compute, times = 1): Compute {
  return {
    cpuRequest: a.cpuRequest + b.cpuRequest * times,
    memoryRequest: a.memoryRequest + b.memoryRequest * times,
    cpuLimit: a.cpuLimit + b.cpuLimit * times,
    memoryLimit: a.memoryLimit + b.memoryLimit * times,
  };
}

export function max(a: Compute, b: Compute): Compute {
  return {
    cpuRequest: Math.max(a.cpuRequest, b.cpuRequest),
    memoryRequest: Math.max(a.memoryRequest, b.memoryRequest),
    cpuLimit: Math.max(a.cpuLimit, b.cpuLimit),
    memoryLimit: Math.max(a.memoryLimit, b.memoryLimit),
  };
}

/** One workload's contribution to its namespace. */
export interface Footprint {
  /** `Kind namespace/name` of the object that creates the pods. */
  readonly owner: string;
  readonly namespace: string;
  /** Pods at the highest replica count. */
  readonly replicas: number;
  /** Extra pods while it rolls out. */
  readonly surge: number;
  /** Effective compute of one pod. */
  readonly pod: Compute;
  /** The largest single container (for the LimitRange's max). */
  readonly largestContainer: Compute;
}

/** A workload whose pod count depends on the cluster (one pod per node), so it cannot be sized from the output. */
export interface Unsizable {
  readonly owner: string;
  readonly namespace: string;
  readonly reason: string;
}

/** Requests and limits the LimitRange gives a container stating none. */
export type ContainerDefaults = Compute;

type ResourceList = Readonly<Record<string, string | number>>;

interface ContainerLike {
  readonly name?: string;
  readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList };
  readonly restartPolicy?: string;
}

type ResourcesView = ContainerLike['resources'];

/**
 * The `spec` fields this module reads, of core workloads, HPAs, CloudNativePG (postgresql.cnpg.io/v1 Cluster,
 * Pooler; barmancloud ObjectStore) and Strimzi (kafka.strimzi.io/v1beta2 Kafka, KafkaNodePool, KafkaConnect).
 */
interface SizedSpecView {
  readonly replicas?: number;
  readonly parallelism?: number;
  readonly concurrencyPolicy?: string;
  readonly strategy?: StrategyView;
  readonly jobTemplate?: { readonly spec?: { readonly parallelism?: number } };
  readonly scaleTargetRef?: { readonly kind: string; readonly name: string };
  readonly maxReplicas?: number;
  readonly instances?: number;
  readonly resources?: ResourcesView;
  readonly plugins?: readonly { readonly name: string; readonly parameters?: { readonly barmanObjectName?: string } }[];
  readonly instanceSidecarConfiguration?: { readonly resources?: ResourcesView };
  readonly template?: { readonly spec?: { readonly containers?: readonly ContainerLike[]; readonly initContainers?: readonly ContainerLike[] } };
  readonly kafka?: { readonly resources?: ResourcesView };
  readonly entityOperator?: { readonly topicOperator?: { readonly resources?: ResourcesView }; readonly userOperator?: { readonly resources?: ResourcesView } };
  readonly cruiseControl?: { readonly resources?: ResourcesView };
  readonly kafkaExporter?: { readonly resources?: ResourcesView };
  readonly build?: { readonly resources?: ResourcesView };
}

interface StrategyView {
  readonly type?: string;
  readonly rollingUpdate?: { readonly maxSurge?: number | string };
}

const specOf = (o: KubeObject | undefined): SizedSpecView => (o?.spec ?? {}) as SizedSpecView;

/**
 * A container's compute as admitted: API defaulting copies a stated limit into a missing request, then the
 * LimitRange fills what is still missing.
 */
export function containerCompute(container: ContainerLike, defaults: ContainerDefaults): Compute {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuLimit = limits.cpu !== undefined ? milliCpu(limits.cpu) : defaults.cpuLimit;
  const memoryLimit = limits.memory !== undefined ? bytes(limits.memory) : defaults.memoryLimit;
  const cpuRequest = requests.cpu !== undefined ? milliCpu(requests.cpu) : limits.cpu !== undefined ? cpuLimit : defaults.cpuRequest;
  const memoryRequest =
    requests.memory !== undefined ? bytes(requests.memory) : limits.memory !== undefined ? memoryLimit : defaults.memoryRequest;
  return { cpuRequest, memoryRequest, cpuLimit, memoryLimit };
}

/**
 * A pod's effective compute, as quota and scheduler count it: the sum of its containers (and of restartable
 * init "sidecar" containers), or the largest plain init container, whichever is higher, per resource.
 */
export function podCompute(spec: { readonly containers?: readonly ContainerLike[]; readonly initContainers?: readonly ContainerLike[] }, defaults: ContainerDefaults): { pod: Compute; largest: Compute } {
  let sum = ZERO;
  let largest = ZERO;
  let init = ZERO;
  for (const c of spec.containers ?? []) {
    const compute = containerCompute(c, defaults);
    sum = add(sum, compute);
    largest = max(largest, compute);
  }
  for (const c of spec.initContainers ?? []) {
    const compute = containerCompute(c, defaults);
    largest = max(largest, compute);
    if (c.restartPolicy === 'Always') sum = add(sum, compute);
    else init = max(init, compute);
  }
  return { pod: max(sum, init), largest };
}

/** Surge pods of a Deployment-like rollout: maxSurge as a count, or a percentage of replicas rounded up. */
function surgeOf(strategy: StrategyView | undefined, replicas: number): number {
  if (strategy?.type === 'Recreate') return 0;
  const surge = strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof surge === 'number') return surge;
  const percent = /^(\d+)%$/.exec(String(surge));
  if (!percent) return Number(surge);
  return Math.ceil((Number(percent[1]) * replicas) / 100);
}

/** API groups of operators whose custom resources may start pods: an unknown kind of theirs is an error. */
const POD_STARTING_GROUPS = ['kafka.strimzi.io', 'postgresql.cnpg.io'];

/** Strimzi and CNPG kinds that start no pods of their own. */
const PODLESS_KINDS = new Set([
  'kafka.strimzi.io/KafkaConnector',
  'kafka.strimzi.io/KafkaTopic',
  'kafka.strimzi.io/KafkaUser',
  'postgresql.cnpg.io/ScheduledBackup',
  'postgresql.cnpg.io/Backup',
  'postgresql.cnpg.io/Database',
  'postgresql.cnpg.io/Publication',
  'postgresql.cnpg.io/Subscription',
]);

const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';

export interface FootprintResult {
  readonly footprints: readonly Footprint[];
  readonly unsizable: readonly Unsizable[];
}

/**
 * The footprint of every pod-creating object of the output. `defaultsOf` gives the LimitRange defaults of a
 * namespace. A custom resource of an operator known to start pods that this module cannot size is an error,
 * so a quota never silently ignores a workload.
 */
export function footprints(objects: readonly KubeObject[], defaultsOf: (namespace: string) => ContainerDefaults): FootprintResult {
  const hpaMax = new Map<string, number>();
  for (const o of objects) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const spec = specOf(o);
    if (spec.maxReplicas !== undefined) hpaMax.set(`${o.metadata.namespace}/${spec.scaleTargetRef?.kind}/${spec.scaleTargetRef?.name}`, spec.maxReplicas);
  }
  const byName = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  const result: Footprint[] = [];
  const unsizable: Unsizable[] = [];
  for (const o of objects) {
    const namespace = o.metadata.namespace ?? '';
    const spec = specOf(o);
    const owner = identify(o);
    const defaults = defaultsOf(namespace);
    // The pod spec of a core workload, through the one extractor (lib/k8s/pods.ts).
    const podSpec = podTemplateOf(o)?.spec;
    const push = (replicas: number, surge: number, sized: Parameters<typeof podCompute>[0] | undefined, part = ''): void => {
      const { pod, largest } = podCompute(sized ?? {}, defaults);
      result.push({ owner: `${owner}${part}`, namespace, replicas, surge, pod, largestContainer: largest });
    };
    const scaled = hpaMax.get(`${namespace}/${o.kind}/${o.metadata.name}`);
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    switch (`${group}/${o.kind}`) {
      case 'apps/Deployment': {
        const replicas = scaled ?? spec.replicas ?? 1;
        push(replicas, surgeOf(spec.strategy, replicas), podSpec);
        break;
      }
      case 'apps/StatefulSet':
      case 'apps/ReplicaSet':
        push(scaled ?? spec.replicas ?? 1, 0, podSpec);
        break;
      case 'batch/Job':
        push(spec.parallelism ?? 1, 0, podSpec);
        break;
      case 'batch/CronJob': {
        // `Allow` lets a slow run overlap the next one; count one overlap.
        const runs = spec.concurrencyPolicy === 'Forbid' || spec.concurrencyPolicy === 'Replace' ? 1 : 2;
        push((spec.jobTemplate?.spec?.parallelism ?? 1) * runs, 0, podSpec);
        break;
      }
      case '/Pod':
        push(1, 0, podSpec);
        break;
      case 'apps/DaemonSet':
        unsizable.push({ owner, namespace, reason: 'a DaemonSet runs one pod per node' });
        break;
      case 'postgresql.cnpg.io/Cluster': {
        // Each instance: the postgres container (spec.resources) and, with the Barman Cloud plugin, its sidecar.
        const containers: ContainerLike[] = [{ name: 'postgres', resources: spec.resources }];
        for (const plugin of spec.plugins ?? []) {
          if (plugin.name !== BARMAN_PLUGIN) continue;
          const store = byName.get(`ObjectStore/${namespace}/${plugin.parameters?.barmanObjectName}`);
          containers.push({ name: 'plugin-barman-cloud', resources: specOf(store).instanceSidecarConfiguration?.resources });
        }
        // One extra pod: the initdb/join Job that creates or re-clones an instance.
        push(spec.instances ?? 1, 1, { containers });
        break;
      }
      case 'postgresql.cnpg.io/Pooler': {
        const template = spec.template?.spec?.containers ?? [];
        const containers = template.some((c) => c.name === 'pgbouncer') ? template : [...template, { name: 'pgbouncer' }];
        push(spec.instances ?? 1, 1, { containers, initContainers: spec.template?.spec?.initContainers });
        break;
      }
      case 'kafka.strimzi.io/KafkaNodePool': {
        // Each node: the kafka container, sized by the pool or else by the Kafka's spec.kafka.resources.
        // Strimzi rolls nodes one at a time in place: no surge pod.
        const cluster = o.metadata.labels?.['strimzi.io/cluster'];
        const kafka = byName.get(`Kafka/${namespace}/${cluster}`);
        push(spec.replicas ?? 0, 0, { containers: [{ name: 'kafka', resources: spec.resources ?? specOf(kafka).kafka?.resources }] });
        break;
      }
      case 'kafka.strimzi.io/Kafka': {
        // The brokers come from node pools; the Kafka itself starts only its optional helper Deployments.
        const operators = spec.entityOperator;
        if (operators) {
          const containers: ContainerLike[] = [];
          if (operators.topicOperator) containers.push({ name: 'topic-operator', resources: operators.topicOperator.resources });
          if (operators.userOperator) containers.push({ name: 'user-operator', resources: operators.userOperator.resources });
          push(1, 1, { containers });
        }
        if (spec.cruiseControl) push(1, 1, { containers: [{ name: 'cruise-control', resources: spec.cruiseControl.resources }] });
        if (spec.kafkaExporter) push(1, 1, { containers: [{ name: 'kafka-exporter', resources: spec.kafkaExporter.resources }] });
        break;
      }
      case 'kafka.strimzi.io/KafkaConnect': {
        push(spec.replicas ?? 3, 0, { containers: [{ name: 'connect', resources: spec.resources }] });
        // With a build section, a build pod runs whenever the connector list changes.
        if (spec.build) push(1, 0, { containers: [{ name: 'build', resources: spec.build.resources }] }, ' (image build)');
        break;
      }
      default:
        if (PODLESS_KINDS.has(`${group}/${o.kind}`)) break;
        if (POD_STARTING_GROUPS.includes(group)) {
          throw new InputError(
            `quota sizing of ${owner}`,
            o.apiVersion,
            'allowed: kinds whose pods lib/inspect/footprint.ts can size (core workloads, CloudNativePG, Strimzi); add a case for this kind',
          );
        }
    }
  }
  return { footprints: result, unsizable };
}

/** Totals of one namespace at its peak. */
export interface NamespacePeak {
  readonly pods: number;
  readonly compute: Compute;
  readonly largestContainer: Compute;
}

export function peakOf(items: readonly Footprint[]): NamespacePeak {
  let pods = 0;
  let compute = ZERO;
  let largestContainer = ZERO;
  for (const f of items) {
    pods += f.replicas + f.surge;
    compute = add(compute, f.pod, f.replicas + f.surge);
    largestContainer = max(largestContainer, f.largestContainer);
  }
  return { pods, compute, largestContainer };
}
