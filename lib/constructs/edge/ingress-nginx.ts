import { imageTag } from '../../platform/images';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { commonLabels, PART_OF } from '../../platform/conventions';
import { INGRESS_NGINX } from '../../platform/edge';
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

  constructor(scope: Construct, id: string, props: IngressNginxProps) {
    super(scope, id);
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      throw new Error(`IngressNginx '${INGRESS_NGINX.name}': 'replicas' (${props.replicas}) must be a whole number >= 1`);
    }
    const { name, namespace } = INGRESS_NGINX;
    const labels = { ...commonLabels('ingress-nginx', 'controller'), 'app.kubernetes.io/version': imageTag(INGRESS_NGINX.image) };
    const metadata = { name, namespace, labels };
    const selector = { ...INGRESS_NGINX.selector };
    const leader = 'ingress-nginx-leader';

    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: true });
    const watch = ['get', 'list', 'watch'];
    const scoped = props.ingressNamespaces.length === 1 && props.ingressNamespaces[0] === namespace;
    if (props.ingressNamespaces.length === 0 || !props.ingressNamespaces.includes(namespace)) {
      throw new Error(`IngressNginx '${name}': 'ingressNamespaces' (${props.ingressNamespaces.join(', ')}) must include its own namespace '${namespace}'`);
    }
    // The upstream chart's ClusterRole (charts/ingress-nginx/templates/clusterrole.yaml, controller-v1.14.0).
    // Scoped to its own namespace (the chart's `controller.scope.enabled` with `rbac.scope`), only the
    // cluster-scoped IngressClasses stay in it: the namespaced reads move to the Role below.
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name, labels },
      rules: scoped
        ? [{ apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: watch }]
        : [
            { apiGroups: [''], resources: ['configmaps', 'endpoints', 'nodes', 'pods', 'secrets', 'namespaces'], verbs: ['list', 'watch'] },
            { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['list', 'watch'] },
            { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
            { apiGroups: [''], resources: ['services'], verbs: watch },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: watch },
            { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
            { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
            { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch', 'get'] },
          ],
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    new k8s.KubeRole(this, 'Role', {
      metadata,
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps', 'pods', 'secrets', 'endpoints', 'services'], verbs: watch },
        ...(scoped
          ? [
              { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: watch },
              { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
            ]
          : []),
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [leader], verbs: ['get', 'update'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch', 'get'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata,
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
      metadata: { name: INGRESS_NGINX.className, labels },
      spec: { controller: INGRESS_NGINX.controllerClass },
    });

    const health = { path: '/healthz', port: k8s.IntOrString.fromNumber(INGRESS_NGINX.ports.health), scheme: 'HTTP' };
    const env = props.environment;
    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata,
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 10,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        minReadySeconds: 0,
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/part-of': PART_OF } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true,
            priorityClassName: props.priorityClassName,
            nodeSelector: nodeSelector(env),
            securityContext: restrictedPodSecurityContext(INGRESS_NGINX.uid, 82),
            // Lets nginx finish in-flight requests after the endpoint is removed (upstream's value).
            terminationGracePeriodSeconds: 300,
            affinity: preferDistinctNodes(selector),
            topologySpreadConstraints: env.spreadAcrossNodes ? spreadAcrossNodes(selector, { perRevision: true }) : undefined,
            containers: [
              {
                name: 'controller',
                image: INGRESS_NGINX.image,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  '/nginx-ingress-controller',
                  `--publish-service=$(POD_NAMESPACE)/${name}`,
                  `--election-id=${leader}`,
                  `--controller-class=${INGRESS_NGINX.controllerClass}`,
                  `--ingress-class=${INGRESS_NGINX.className}`,
                  `--configmap=$(POD_NAMESPACE)/${name}`,
                  `--http-port=${INGRESS_NGINX.ports.http}`,
                  `--https-port=${INGRESS_NGINX.ports.https}`,
                  '--watch-ingress-without-class=false',
                  scoped ? `--watch-namespace=${namespace}` : `--watch-namespace-selector=kubernetes.io/metadata.name in (${[...props.ingressNamespaces].sort().join(',')})`,
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
              },
            ],
          },
        },
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'LoadBalancer',
        // Keeps the client's address for nginx's logs and the gateway's rate limits.
        externalTrafficPolicy: 'Local',
        selector,
        ports: [
          { name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP' },
        ],
      },
    });
    if (props.replicas > 1) {
      new DisruptionBudget(this, 'DisruptionBudget', { metadata, selector });
    }
  }
}
