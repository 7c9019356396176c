import { imageTag } from '../../platform/images';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { commonLabels, PART_OF } from '../../platform/conventions';
import { TRAEFIK } from '../../platform/edge';
import { InputError } from '../../platform/errors';
import { EnvironmentSpec } from '../../platform/types';
import { nodeSelector, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../pod-defaults';
import { DisruptionBudget } from '../disruption-budget';
import { preferDistinctNodes, spreadAcrossNodes } from '../spread';

export interface TraefikGatewayProps {
  readonly environment: EnvironmentSpec;
  /** Gateway pods. */
  readonly replicas: number;
  /** PriorityClass of the pods. */
  readonly priorityClassName: string;
  /**
   * Addresses whose X-Forwarded-For the public entry point believes: the pod CIDRs (the release file's
   * `network.podCidrs`). Only ingress-nginx may reach that entry point (NetworkPolicy allow-ingress-traefik),
   * so only its header is believed; frontends use the `internal` entry point, which believes none.
   */
  readonly trustedIps: readonly string[];
}

/**
 * Traefik (staging step 5): the API gateway behind ingress-nginx. Reads IngressRoutes and Middlewares from the
 * service namespaces only (no cross-namespace references, Roles in those namespaces only), serves plain HTTP
 * on its `web` entry point (from ingress-nginx) and `internal` entry point (from frontends), and has no
 * dashboard. Pod Security *restricted* with a read-only root filesystem.
 */
export class TraefikGateway extends Construct {
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: TraefikGatewayProps) {
    super(scope, id);
    validate(props);
    const labels = { ...commonLabels('traefik', 'gateway'), 'app.kubernetes.io/version': imageTag(TRAEFIK.image) };
    const metadata = { name: TRAEFIK.name, namespace: TRAEFIK.namespace, labels };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: true });
    for (const watched of TRAEFIK.watchNamespaces) this.addWatchRbac(watched, labels);
    this.deployment = this.addDeployment(props, metadata);
    this.service = this.addService(metadata);
    if (props.replicas > 1) {
      new DisruptionBudget(this, 'DisruptionBudget', { metadata, selector: { ...TRAEFIK.selector } });
    }
  }

  /**
   * Namespace-scoped RBAC, as the upstream chart's `rbac.namespaced: true` writes it (traefik-helm-chart
   * templates/rbac/role.yaml): Traefik v3 with `providers.kubernetescrd.namespaces` starts one informer
   * factory per watched namespace for the CRDs, Services, EndpointSlices, ConfigMaps and Secrets, and a
   * cluster-scope one only for Nodes unless `disableClusterScopeResources` is set (traefik/traefik v3.7,
   * read at v3.7.9: pkg/provider/kubernetes/crd/client.go `WatchAll`, kubernetes.go
   * `DisableClusterScopeResources`; v3.7 writes no CRD status, so no status verbs). So a Role per watched
   * namespace is all it needs, and Secrets outside those namespaces are out of its reach.
   */
  private addWatchRbac(watched: string, labels: Record<string, string>): void {
    const { name, namespace } = TRAEFIK;
    const watch = ['get', 'list', 'watch'];
    new k8s.KubeRole(this, `Role-${watched}`, {
      metadata: { name, namespace: watched, labels },
      rules: [
        { apiGroups: [''], resources: ['services', 'secrets', 'configmaps'], verbs: watch },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['traefik.io'],
          resources: ['middlewares', 'middlewaretcps', 'ingressroutes', 'traefikservices', 'ingressroutetcps', 'ingressrouteudps', 'tlsoptions', 'tlsstores', 'serverstransports', 'serverstransporttcps'],
          verbs: watch,
        },
      ],
    });
    new k8s.KubeRoleBinding(this, `RoleBinding-${watched}`, {
      metadata: { name, namespace: watched, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }

  /** The Deployment: zero-downtime rollouts, spread across nodes, the restricted pod and container contexts. */
  private addDeployment(props: TraefikGatewayProps, metadata: k8s.ObjectMeta): k8s.KubeDeployment {
    const { name } = TRAEFIK;
    const selector = { ...TRAEFIK.selector };
    const env = props.environment;
    return new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/part-of': PART_OF } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            priorityClassName: props.priorityClassName,
            nodeSelector: nodeSelector(env),
            securityContext: restrictedPodSecurityContext(TRAEFIK.uid, TRAEFIK.uid),
            terminationGracePeriodSeconds: 60,
            affinity: preferDistinctNodes(selector),
            topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes(selector, { perRevision: true }) : undefined,
            containers: [
              traefikContainer(props.trustedIps),
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
      },
    });
  }

  /** The ClusterIP Service: `web` for ingress-nginx, `internal` for the frontends. */
  private addService(metadata: k8s.ObjectMeta): k8s.KubeService {
    const selector = { ...TRAEFIK.selector };
    return new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'web', port: TRAEFIK.servicePort, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' },
          { name: 'internal', port: TRAEFIK.internalServicePort, targetPort: k8s.IntOrString.fromString('internal'), protocol: 'TCP' },
        ],
      },
    });
  }
}

function validate(props: TraefikGatewayProps): void {
  if (!Number.isInteger(props.replicas) || props.replicas < 1) {
    throw new InputError(`TraefikGateway '${TRAEFIK.name}': 'replicas'`, props.replicas, 'allowed: a whole number >= 1');
  }
  if (props.trustedIps.length === 0) throw new InputError(`TraefikGateway '${TRAEFIK.name}': 'trustedIps'`, props.trustedIps, 'allowed: at least one CIDR');
}

/** The traefik container: the entry points, the CRD provider scoped to the watched namespaces, /ping probes. */
function traefikContainer(trustedIps: readonly string[]): k8s.Container {
  const ping = { path: '/ping', port: k8s.IntOrString.fromString('ping') };
  return {
  name: 'traefik',
  image: TRAEFIK.image,
  imagePullPolicy: 'IfNotPresent',
  args: [
    `--entryPoints.web.address=:${TRAEFIK.ports.web}`,
    // Only ingress-nginx can reach this entry point (NetworkPolicy allow-ingress-traefik): X-Forwarded-For
    // from the pod CIDRs is its, so rate limits see the real client. Anything else is rewritten.
    `--entryPoints.web.forwardedHeaders.trustedIPs=${trustedIps.join(',')}`,
    // Frontends call the backends here; no forwarded header is believed, so they cannot pick the
    // address the rate limits key on.
    `--entryPoints.internal.address=:${TRAEFIK.ports.internal}`,
    `--entryPoints.ping.address=:${TRAEFIK.ports.ping}`,
    '--ping.entryPoint=ping',
    '--providers.kubernetescrd=true',
    `--providers.kubernetescrd.namespaces=${TRAEFIK.watchNamespaces.join(',')}`,
    '--providers.kubernetescrd.allowCrossNamespace=false',
    '--providers.kubernetescrd.disableClusterScopeResources=true',
    '--api.dashboard=false',
    '--accesslog=true',
    '--log.level=INFO',
    '--global.checkNewVersion=false',
    '--global.sendAnonymousUsage=false',
  ],
  ports: [
    { name: 'web', containerPort: TRAEFIK.ports.web, protocol: 'TCP' },
    { name: 'internal', containerPort: TRAEFIK.ports.internal, protocol: 'TCP' },
    { name: 'ping', containerPort: TRAEFIK.ports.ping, protocol: 'TCP' },
  ],
  readinessProbe: { httpGet: ping, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
  livenessProbe: { httpGet: ping, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
  resources: resourceRequirements(TRAEFIK.resources),
  securityContext: restrictedContainerSecurityContext(),
  volumeMounts: [
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'data', mountPath: '/data' },
  ],
};
}
