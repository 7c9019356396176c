import { imageTag } from '../../platform/images';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { commonLabels, PART_OF } from '../../platform/conventions';
import { INGRESS_NGINX } from '../../platform/edge';
import { InputError } from '../../platform/errors';
import { EnvironmentSpec } from '../../platform/types';
import { nodeSelector, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../pod-defaults';
import { DisruptionBudget } from '../disruption-budget';
import { preferDistinctNodes, spreadAcrossNodes } from '../spread';

export interface IngressNginxProps {
  readonly environment: EnvironmentSpec;
  /** Controller pods. */
  readonly replicas: number;
  /** PriorityClass of the pods. */
  readonly priorityClassName: string;
  /**
   * Namespaces whose Ingresses the controller serves. One namespace (its own): `--watch-namespace` and a Role,
   * so it reads no Secret elsewhere. More: `--watch-namespace-selector` on those names, and the Secrets read
   * stays cluster-wide (an exception in docs/security.md), because ingress-nginx v1.14.0 builds its informers
   * for one namespace or all of them (internal/ingress/controller/store/store.go `New`:
   * `informers.WithNamespace(namespace)`; the selector only filters events).
   */
  readonly ingressNamespaces: readonly string[];
}

/**
 * ingress-nginx (staging step 4): the cluster's public entry point, IngressClass `nginx`. The objects of the
 * upstream static manifest, trimmed to what the platform uses (no admission webhook: Ingresses are generated
 * and reviewed here), listening on unprivileged ports so the pod is Pod Security *restricted*.
 */
export class IngressNginx extends Construct {
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  /** Whether the controller serves its own namespace only (`--watch-namespace` and a Role). */
  private readonly scoped: boolean;
  private readonly labels: Record<string, string>;
  private readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  private readonly selector: Record<string, string> = { ...INGRESS_NGINX.selector };

  constructor(scope: Construct, id: string, props: IngressNginxProps) {
    super(scope, id);
    validate(props);
    const { name, namespace } = INGRESS_NGINX;
    this.labels = { ...commonLabels('ingress-nginx', 'controller'), 'app.kubernetes.io/version': imageTag(INGRESS_NGINX.image) };
    this.metadata = { name, namespace, labels: this.labels };
    this.scoped = props.ingressNamespaces.length === 1 && props.ingressNamespaces[0] === namespace;

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata, automountServiceAccountToken: true });
    this.addClusterRbac();
    this.addNamespaceRbac();
    this.addConfig();
    this.deployment = this.addDeployment(props);
    this.service = this.addService();
    if (props.replicas > 1) {
      new DisruptionBudget(this, 'DisruptionBudget', { metadata: this.metadata, selector: this.selector });
    }
  }

  /**
   * The upstream chart's ClusterRole (charts/ingress-nginx/templates/clusterrole.yaml, controller-v1.14.0).
   * Scoped to its own namespace (the chart's `controller.scope.enabled` with `rbac.scope`), only the
   * cluster-scoped IngressClasses stay in it: the namespaced reads move to the Role (addNamespaceRbac).
   */
  private addClusterRbac(): void {
    const { name, namespace } = INGRESS_NGINX;
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name, labels: this.labels },
      rules: this.scoped
        ? [{ apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: WATCH }]
        : [
            { apiGroups: [''], resources: ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces'], verbs: ['list', 'watch'] },
            { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'watch'] },
            { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
            { apiGroups: [''], resources: ['services'], verbs: WATCH },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: WATCH },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
            { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
            { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch', 'get'] },
          ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name, labels: this.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }

  /** The Role in its own namespace: leader election, its ConfigMap, and (scoped) the Ingresses it serves. */
  private addNamespaceRbac(): void {
    const { name, namespace } = INGRESS_NGINX;
    new k8s.KubeRole(this, 'Role', {
      metadata: this.metadata,
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps', 'pods', 'secrets', 'endpoints', 'services'], verbs: WATCH },
        ...(this.scoped
          ? [
              { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: WATCH },
              { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
            ]
          : []),
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [LEADER_ELECTION_ID], verbs: ['get', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch', 'get'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: this.metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }

  /** The controller's ConfigMap and the IngressClass `nginx` it serves. */
  private addConfig(): void {
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: this.metadata,
      data: {
        // Snippet annotations let an Ingress author inject raw nginx configuration: off.
        'allow-snippet-annotations': 'false',
        'server-tokens': 'false',
        hsts: 'true',
        'hsts-include-subdomains': 'true',
        // The load balancer keeps the client address (externalTrafficPolicy Local); do not trust client headers.
        'use-forwarded-headers': 'false',
      },
    });
    new k8s.KubeIngressClass(this, 'IngressClass', {
      metadata: { name: INGRESS_NGINX.className, labels: this.labels },
      spec: { controller: INGRESS_NGINX.controllerClass },
    });
  }

  private addDeployment(props: IngressNginxProps): k8s.KubeDeployment {
    const env = props.environment;
    const selector = this.selector;
    return new k8s.KubeDeployment(this, 'Resource', {
      metadata: this.metadata,
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        minReadySeconds: 0,
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/part-of': PART_OF } },
          spec: {
            serviceAccountName: INGRESS_NGINX.name,
            automountServiceAccountToken: true,
            priorityClassName: props.priorityClassName,
            nodeSelector: nodeSelector(env),
            securityContext: restrictedPodSecurityContext(INGRESS_NGINX.uid, 82),
            // Lets nginx finish in-flight requests after the endpoint is removed (upstream's value).
            terminationGracePeriodSeconds: 300,
            affinity: preferDistinctNodes(selector),
            topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes(selector, { perRevision: true }) : undefined,
            containers: [this.controllerContainer(props.ingressNamespaces)],
          },
        },
      },
    });
  }

  private controllerContainer(ingressNamespaces: readonly string[]): k8s.Container {
    const { name, namespace } = INGRESS_NGINX;
    const health = { path: '/healthz', port: k8s.IntOrString.fromNumber(INGRESS_NGINX.ports.health), scheme: 'HTTP' };
    return {
      name: 'controller',
      image: INGRESS_NGINX.image,
      imagePullPolicy: 'IfNotPresent',
      args: [
        '/nginx-ingress-controller',
        `--publish-service=$(POD_NAMESPACE)/${name}`,
        `--election-id=${LEADER_ELECTION_ID}`,
        `--controller-class=${INGRESS_NGINX.controllerClass}`,
        `--ingress-class=${INGRESS_NGINX.className}`,
        `--configmap=$(POD_NAMESPACE)/${name}`,
        `--http-port=${INGRESS_NGINX.ports.http}`,
        `--https-port=${INGRESS_NGINX.ports.https}`,
        '--watch-ingress-without-class=false',
        this.scoped ? `--watch-namespace=${namespace}` : `--watch-namespace-selector=kubernetes.io/metadata.name in (${[...ingressNamespaces].sort().join(',')})`,
      ],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'LD_PRELOAD', value: '/usr/local/lib/libmimalloc.so' },
      ],
      lifecycle: { preStop: { exec: { command: ['/wait-shutdown'] } } },
      ports: [
        { name: 'http', containerPort: INGRESS_NGINX.ports.http, protocol: 'TCP' },
        { name: 'https', containerPort: INGRESS_NGINX.ports.https, protocol: 'TCP' },
        { name: 'health', containerPort: INGRESS_NGINX.ports.health, protocol: 'TCP' },
      ],
      livenessProbe: { httpGet: health, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 5 },
      readinessProbe: { httpGet: health, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
      resources: resourceRequirements(INGRESS_NGINX.resources),
      // nginx rewrites its configuration under /etc/nginx at runtime: the root filesystem stays writable.
      // The image gives /nginx-ingress-controller and nginx the file capability cap_net_bind_service
      // (ingress-nginx controller-v1.x, rootfs/Dockerfile `setcap`); with the capability dropped from
      // the bounding set the kernel refuses to exec them ("operation not permitted", kubernetes/ingress-nginx
      // #10865, #10002). Pod Security restricted allows adding exactly this one back.
      securityContext: {
        ...restrictedContainerSecurityContext(),
        readOnlyRootFilesystem: false,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      },
    };
  }

  private addService(): k8s.KubeService {
    return new k8s.KubeService(this, 'Service', {
      metadata: this.metadata,
      spec: {
        type: 'LoadBalancer',
        // Keeps the client's address for nginx's logs and the gateway's rate limits.
        externalTrafficPolicy: 'Local',
        selector: this.selector,
        ports: [
          { name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP' },
        ],
      },
    });
  }
}

const WATCH = ['get', 'list', 'watch'];
/** The leader-election Lease the replicas share (`--election-id`). */
const LEADER_ELECTION_ID = 'ingress-nginx-leader';

function validate(props: IngressNginxProps): void {
  const { name, namespace } = INGRESS_NGINX;
  if (!Number.isInteger(props.replicas) || props.replicas < 1) {
    throw new InputError(`IngressNginx '${name}': 'replicas'`, props.replicas, 'allowed: a whole number >= 1');
  }
  if (!props.ingressNamespaces.includes(namespace)) {
    throw new InputError(`IngressNginx '${name}': 'ingressNamespaces'`, props.ingressNamespaces, `allowed: a list that includes its own namespace '${namespace}'`);
  }
}
