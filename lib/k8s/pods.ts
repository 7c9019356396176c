import { identify, KubeObject } from './objects';

/**
 * A typed view of the pod-spec fields our readers look at, as synthesized JSON (so ports are `number | string`,
 * quantities strings; cdk8s-plus-28's `k8s.PodSpec` describes the construct props, not this JSON). Fields no
 * reader needs stay reachable as `unknown`.
 */
export interface SecurityContextView {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly procMount?: string;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string; readonly localhostProfile?: string };
  readonly appArmorProfile?: { readonly type?: string; readonly localhostProfile?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string; readonly level?: string };
  readonly windowsOptions?: { readonly hostProcess?: boolean };
  /** Pod level only. */
  readonly sysctls?: readonly { readonly name: string; readonly value?: string }[];
  /** Pod level only. */
  readonly fsGroup?: number;
  /** Pod level only. */
  readonly supplementalGroups?: readonly number[];
}

/** An HTTP, TCP or gRPC handler of a probe or lifecycle hook. */
export interface HandlerView {
  readonly httpGet?: { readonly host?: string; readonly path?: string; readonly port: number | string };
  readonly tcpSocket?: { readonly host?: string; readonly port: number | string };
  readonly grpc?: { readonly port: number };
  readonly exec?: { readonly command: readonly string[] };
}

export interface ProbeView extends HandlerView {
  readonly timeoutSeconds?: number;
}

/** A key of a ConfigMap or Secret (env valueFrom). */
export interface KeyRefView {
  readonly name: string;
  readonly key: string;
  readonly optional?: boolean;
}

/** The keys of a ConfigMap or Secret volume (or projected source): all, or `items`. */
export interface KeysVolumeView {
  readonly name?: string;
  readonly secretName?: string;
  readonly items?: readonly { readonly key: string; readonly path: string; readonly mode?: number }[];
  readonly defaultMode?: number;
  readonly optional?: boolean;
}

export interface ContainerPortView {
  readonly name?: string;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly protocol?: string;
}

export interface ContainerView {
  readonly name: string;
  /** Required by the API for every container of a pod. */
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports?: readonly ContainerPortView[];
  readonly env?: readonly {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: { readonly configMapKeyRef?: KeyRefView; readonly secretKeyRef?: KeyRefView; readonly fieldRef?: { readonly fieldPath: string } };
  }[];
  readonly envFrom?: readonly {
    readonly prefix?: string;
    readonly configMapRef?: { readonly name: string; readonly optional?: boolean };
    readonly secretRef?: { readonly name: string; readonly optional?: boolean };
  }[];
  readonly resources?: { readonly requests?: Readonly<Record<string, string | number>>; readonly limits?: Readonly<Record<string, string | number>> };
  readonly securityContext?: SecurityContextView;
  readonly livenessProbe?: ProbeView;
  readonly readinessProbe?: ProbeView;
  readonly startupProbe?: ProbeView;
  readonly lifecycle?: { readonly postStart?: HandlerView; readonly preStop?: HandlerView };
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean; readonly subPath?: string }[];
  readonly restartPolicy?: string;
  readonly [field: string]: unknown;
}

export interface VolumeView {
  readonly name: string;
  readonly hostPath?: { readonly path: string };
  readonly emptyDir?: object;
  readonly configMap?: KeysVolumeView;
  readonly secret?: KeysVolumeView;
  readonly projected?: { readonly sources?: readonly { readonly configMap?: KeysVolumeView; readonly secret?: KeysVolumeView }[]; readonly defaultMode?: number };
  readonly persistentVolumeClaim?: { readonly claimName: string };
  /** Exactly one volume source (configMap, emptyDir, ...), keyed by its field name. */
  readonly [source: string]: unknown;
}

interface PodAffinityTermView {
  readonly topologyKey?: string;
  readonly labelSelector?: LabelSelectorView;
}

export interface LabelSelectorView {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export interface PodSpecView {
  readonly containers: readonly ContainerView[];
  readonly initContainers?: readonly ContainerView[];
  readonly ephemeralContainers?: readonly ContainerView[];
  readonly volumes?: readonly VolumeView[];
  readonly securityContext?: SecurityContextView;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly serviceAccount?: string;
  readonly serviceAccountName?: string;
  readonly priorityClassName?: string;
  readonly affinity?: {
    readonly podAntiAffinity?: {
      readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTermView[];
      readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly { readonly weight?: number; readonly podAffinityTerm: PodAffinityTermView }[];
    };
  };
  readonly [field: string]: unknown;
}

/** A pod template of the output: who writes it, where its pods run, their labels, annotations and spec. */
export interface PodTemplate {
  /** `Deployment nx-backend/nx-identity` (see `identify`). */
  readonly owner: string;
  readonly object: KubeObject;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: PodSpecView;
}

const WORKLOAD_API = /^(v1|apps\/v1|batch\/v1)$/;

interface TemplateJson {
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: PodSpecView;
}

/** Where each workload kind keeps its pod template (`Pod`: the object itself). */
function templateJsonOf(o: KubeObject): TemplateJson | undefined {
  const spec = o.spec as { template?: TemplateJson; jobTemplate?: { spec?: { template?: TemplateJson } } } | undefined;
  switch (o.kind) {
    case 'Pod':
      return { metadata: o.metadata, spec: o.spec as PodSpecView | undefined };
    case 'PodTemplate':
      return o.template as TemplateJson | undefined;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return spec?.template;
    default:
      return undefined;
  }
}

/**
 * The pod template of one object, when it is a Kubernetes workload (core, apps or batch API: Pod, PodTemplate,
 * Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob) with containers.
 * Operator custom resources (a CNPG Pooler's template) are partial: the operator completes them, so they
 * are not pods here.
 */
export function podTemplateOf(o: KubeObject): PodTemplate | undefined {
  if (!WORKLOAD_API.test(o.apiVersion)) return undefined;
  const template = templateJsonOf(o);
  if (!Array.isArray(template?.spec?.containers)) return undefined;
  return {
    owner: identify(o),
    object: o,
    kind: o.kind,
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? '',
    labels: template.metadata?.labels ?? {},
    annotations: template.metadata?.annotations ?? {},
    spec: template.spec,
  };
}

/** Every pod template the output writes (workloads, CronJobs, bare Pods), in output order. */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const result: PodTemplate[] = [];
  for (const o of objects) {
    const template = podTemplateOf(o);
    if (template) result.push(template);
  }
  return result;
}

/** Init, regular and ephemeral containers of a pod, as Pod Security admission visits them. */
export function allContainers(spec: PodSpecView): { kind: 'initContainer' | 'container' | 'ephemeralContainer'; container: ContainerView }[] {
  return [
    ...(spec.initContainers ?? []).map((container) => ({ kind: 'initContainer' as const, container })),
    ...spec.containers.map((container) => ({ kind: 'container' as const, container })),
    ...(spec.ephemeralContainers ?? []).map((container) => ({ kind: 'ephemeralContainer' as const, container })),
  ];
}
