import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_CONTAINER_ANNOTATION } from '../../k8s/keys';
import {
  APP_PORT,
  commonLabels,
  CONFIG_DIGEST_ANNOTATION,
  healthPathOf,
  namespaceOf,
  PART_OF,
  versionLabel,
  replicasOf,
  resourcesOf,
  selectorLabels,
  workloadName,
} from '../../platform/conventions';
import { capabilityLabels } from '../../platform/capabilities';
import { storeCredentials } from '../../platform/config';
import { EnvironmentSpec, ServiceSpec } from '../../platform/types';
import { DisruptionBudget } from '../disruption-budget';
import { preferDistinctNodes, spreadAcrossNodes } from '../spread';
import {
  configDigest,
  IMAGE_PULL_SECRETS,
  nodeSelector,
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  serviceEnvFrom,
  TMP_MOUNT,
  TMP_VOLUME,
} from '../pod-defaults';

export interface ServiceWorkloadProps {
  /** The service's catalogue entry. */
  readonly service: ServiceSpec;
  /** The environment it runs in. */
  readonly environment: EnvironmentSpec;
  /** Full image reference, `<registry>/nx-<service>:<tag>`. */
  readonly image: string;
  /** The image tag, recorded as `app.kubernetes.io/version` (shortened where it is not a valid label value). */
  readonly version: string;
  /** The ConfigMap data this service's pods read; its digest goes on the pod template. */
  readonly configData: readonly Record<string, string>[];
  /**
   * Init containers run before the app container (e.g. `wait-for-identity`).
   * @default - none
   */
  readonly initContainers?: readonly k8s.Container[];
  /**
   * PriorityClass of the pods.
   * @default - none (the cluster default)
   */
  readonly priorityClassName?: string;
}

/**
 * One service of the platform: Deployment, ClusterIP Service and ServiceAccount named `nx-<service>`, and for
 * HA services in an autoscaled environment an HPA and a PodDisruptionBudget. Shared by `BackendService` and
 * `FrontendApp`, which decide the tier-specific parts.
 */
export class ServiceWorkload extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  public readonly deployment: k8s.KubeDeployment;
  public readonly kubeService: k8s.KubeService;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly hpa?: k8s.KubeHorizontalPodAutoscalerV2;
  public readonly pdb?: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const { service, environment: env } = props;
    this.name = workloadName(service);
    this.namespace = namespaceOf(service);
    const selector = selectorLabels(service);
    const version = versionLabel(props.version);
    const labels = { ...commonLabels(service.name, service.tier), 'app.kubernetes.io/version': version };
    const replicas = replicasOf(service, env);
    const health = healthPathOf(service);
    const metadata = { name: this.name, namespace: this.namespace, labels };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata,
      automountServiceAccountToken: false,
    });

    const httpGet = { path: health, port: k8s.IntOrString.fromString('http') };
    const appContainer: k8s.Container = {
      name: service.name,
      image: props.image,
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'http', containerPort: APP_PORT, protocol: 'TCP' }],
      envFrom: serviceEnvFrom(service),
      env: storeCredentialEnv(service),
      resources: resourceRequirements(resourcesOf(service)),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [TMP_MOUNT],
      // Startup allows up to 2 minutes to boot; liveness only then takes over, so a slow start never loops.
      startupProbe: { httpGet, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
      readinessProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
      livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    };

    const strategy: k8s.DeploymentStrategy = {
      type: 'RollingUpdate',
      rollingUpdate: service.ha
        ? { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) }
        : { maxUnavailable: k8s.IntOrString.fromNumber(1), maxSurge: k8s.IntOrString.fromNumber(1) },
    };

    const spread = service.ha && env.spreadAcrossNodes;
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        // Under an HPA the Deployment leaves `replicas` unset, or every apply would undo the autoscaler.
        replicas: replicas.autoscaled ? undefined : replicas.min,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        strategy,
        template: {
          metadata: {
            // Capability labels let shared network policies admit this pod without naming the service.
            labels: { ...selector, 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/version': version, ...capabilityLabels(service) },
            annotations: {
              [DEFAULT_CONTAINER_ANNOTATION]: service.name,
              [CONFIG_DIGEST_ANNOTATION]: configDigest(props.configData.flatMap((record) => [...Object.keys(record).sort().map((key) => `${key}=${record[key]}\n`), '\0'])),
            },
          },
          spec: {
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: props.priorityClassName,
            nodeSelector: nodeSelector(env),
            imagePullSecrets: IMAGE_PULL_SECRETS,
            securityContext: restrictedPodSecurityContext(),
            terminationGracePeriodSeconds: 30,
            initContainers: props.initContainers && props.initContainers.length > 0 ? [...props.initContainers] : undefined,
            containers: [appContainer],
            volumes: [TMP_VOLUME],
            affinity: service.ha ? preferDistinctNodes(selector) : undefined,
            topologySpreadConstraints: spread ? spreadAcrossNodes(selector, { perRevision: true }) : undefined,
          },
        },
      },
    });

    this.kubeService = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: APP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    if (replicas.autoscaled) {
      this.hpa = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas: replicas.min,
          maxReplicas: replicas.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      });
    }
    if (service.ha && env.autoscaling) {
      this.pdb = new DisruptionBudget(this, 'DisruptionBudget', { metadata, selector }).resource;
    }
  }
}

/** The credentials of the stores a service uses, each read by key from its own Secret (never envFrom). */
function storeCredentialEnv(service: ServiceSpec): k8s.EnvVar[] | undefined {
  const env = storeCredentials(service).map((c): k8s.EnvVar => ({ name: c.env, valueFrom: { secretKeyRef: { name: c.secret, key: c.key } } }));
  return env.length > 0 ? env : undefined;
}
