import { imageRef, THIRD_PARTY_IMAGES } from './images';
import { healthPathOf, isPublic, NAMESPACES } from './conventions';
import { EnvironmentName, EnvironmentSpec, PlatformSpec, ResourceSpec, ServiceSpec } from './types';

/**
 * The edge (staging steps 4, 5, 7): public hosts per environment, the ingress controller, the API gateway,
 * TLS, and the third-party add-ons that share nx-internal with them. Hosts are environment data with defaults;
 * the operations page names only `portainer.bana.com.vn`, so the other hosts are this repository's choice.
 */

export interface EdgeSettings {
  /** Base domain of the environment's public hosts. */
  readonly domain: string;
  /**
   * Host serving every backend under `/v1/api/<segment>`.
   * @default - `api.<domain>`
   */
  readonly apiHost?: string;
  /**
   * Host of a frontend app, by service name.
   * @default - `<service>.<domain>`
   */
  readonly frontendHosts?: Readonly<Record<string, string>>;
  /** Contact of the Let's Encrypt account (expiry notices). */
  readonly acmeEmail: string;
  /** Whether the environment exposes Portainer (operations page: production only). */
  readonly portainer: boolean;
  /** Replicas of the ingress controller and of the gateway. */
  readonly replicas: number;
}

export const EDGE_SETTINGS: Record<EnvironmentName, EdgeSettings> = {
  staging: { domain: 'staging.bana.com.vn', acmeEmail: 'devops@bana.com.vn', portainer: false, replicas: 2 },
  production: { domain: 'bana.com.vn', acmeEmail: 'devops@bana.com.vn', portainer: true, replicas: 2 },
};

export function apiHostOf(env: EnvironmentSpec): string {
  const edge = EDGE_SETTINGS[env.name];
  return edge.apiHost ?? `api.${edge.domain}`;
}

export function frontendHostOf(service: ServiceSpec, env: EnvironmentSpec): string {
  const edge = EDGE_SETTINGS[env.name];
  return edge.frontendHosts?.[service.name] ?? `${service.name}.${edge.domain}`;
}

/**
 * Path segment of a backend behind the gateway: `/v1/api/<segment>`. Taken from the health path, which states
 * it once (payment-api answers under `/v1/api/payment`).
 */
export function apiSegmentOf(service: ServiceSpec): string {
  const match = /^\/v1\/api\/([^/]+)\//.exec(healthPathOf(service));
  return match ? match[1] : service.name;
}

/** One public host of an environment and what it serves. */
export interface PublicHost {
  /** Short key used in object names (`api`, `client`). */
  readonly key: string;
  readonly host: string;
  /** The services routed on this host. */
  readonly services: readonly ServiceSpec[];
}

export function publicHosts(platform: PlatformSpec, env: EnvironmentSpec): PublicHost[] {
  const backends = platform.services.filter((s) => s.tier === 'backend' && isPublic(s));
  const hosts: PublicHost[] = backends.length > 0 ? [{ key: 'api', host: apiHostOf(env), services: backends }] : [];
  for (const frontend of platform.services.filter((s) => s.tier === 'frontend' && isPublic(s))) {
    hosts.push({ key: frontend.name, host: frontendHostOf(frontend, env), services: [frontend] });
  }
  return hosts;
}

/** The TLS Secret cert-manager writes for a host: the host with dots as dashes, `-tls`. */
export function tlsSecretOf(host: string): string {
  return `${host.replace(/\./g, '-')}-tls`;
}

/** cert-manager's ClusterIssuer (operations page: `letsencrypt-prod`). */
export const CLUSTER_ISSUER = {
  name: 'letsencrypt-prod',
  server: 'https://acme-v02.api.letsencrypt.org/directory',
  /** ACME account key; cert-manager creates it in its own namespace. */
  accountKeySecret: 'letsencrypt-prod-account-key',
} as const;

/** Annotation cert-manager's ingress-shim reads to issue the certificate of an Ingress's TLS hosts. */
export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

interface EdgeComponent {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly uid: number;
  /** Labels selecting exactly the component's pods. */
  readonly selector: Readonly<Record<string, string>>;
  readonly resources: ResourceSpec;
}

/** ingress-nginx, the public entry point (step 4). Unprivileged ports inside the pod; the Service maps 80/443. */
export const INGRESS_NGINX = {
  name: 'ingress-nginx-controller',
  namespace: NAMESPACES.internal,
  image: imageRef(THIRD_PARTY_IMAGES.ingressNginx),
  uid: 101,
  selector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  className: 'nginx',
  controllerClass: 'k8s.io/ingress-nginx',
  ports: { http: 8080, https: 8443, health: 10254 },
} as const satisfies EdgeComponent & Record<string, unknown>;

/** Traefik, the API gateway (step 5): plain HTTP behind ingress-nginx, routes from IngressRoutes. */
export const TRAEFIK = {
  name: 'traefik',
  namespace: NAMESPACES.internal,
  image: imageRef(THIRD_PARTY_IMAGES.traefik),
  uid: 65532,
  selector: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/component': 'gateway' },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  /**
   * `web`: the entry point ingress-nginx forwards to (the Service's port 80); it believes X-Forwarded-For from
   * the pod CIDRs, and only ingress-nginx may reach it. `internal`: the entry point frontends call (the
   * Service's port 8080); it trusts no forwarded header, so a frontend cannot choose the address the rate
   * limits key on.
   */
  ports: { web: 8000, internal: 8001, ping: 8082 },
  servicePort: 80,
  internalServicePort: 8080,
  /** Namespaces whose IngressRoutes and Middlewares Traefik reads. */
  watchNamespaces: [NAMESPACES.backend, NAMESPACES.app],
} as const satisfies EdgeComponent & Record<string, unknown>;

/** Namespaces holding Ingresses of class `nginx` in an environment: the public hosts', and Portainer's where it runs. */
export function ingressNamespacesOf(env: EnvironmentSpec): string[] {
  return [INGRESS_NGINX.namespace, ...(EDGE_SETTINGS[env.name].portainer ? [PORTAINER.namespace] : [])];
}

/** Per-client rate limits on a backend's routes, keyed by service name (average requests per second, burst). */
export const RATE_LIMITS: Readonly<Record<string, { readonly average: number; readonly burst: number }>> = {
  // identity answers login and token refresh: the credential-stuffing target. Generous for a shared office IP.
  identity: { average: 20, burst: 50 },
  // Payments and finance move money: a client retrying in a loop or probing amounts is throttled well below
  // what a checkout or a back-office page needs (a few requests per action).
  'payment-api': { average: 10, burst: 20 },
  finance: { average: 10, burst: 30 },
};

/**
 * Portainer (operations page, production): installed by its Helm chart (portainer/k8s), exposed by this
 * Ingress. The chart's pods carry `app.kubernetes.io/name: portainer` and `app.kubernetes.io/instance:
 * <release>` (charts/portainer/templates/_helpers.tpl `portainer.selectorLabels`, deployment.yaml) and set no
 * securityContext: the image (FROM scratch, no USER) runs as root, so its namespace enforces `baseline`.
 */
export const PORTAINER = {
  namespace: 'portainer',
  selector: { 'app.kubernetes.io/name': 'portainer' },
  ingressName: 'portainer-ingress',
  host: 'portainer.bana.com.vn',
  tlsSecret: 'portainer-tls',
  service: 'portainer',
  port: 9443,
} as const;

/**
 * Add-ons installed from upstream releases (cert-manager, Velero) and the admin UI (Portainer); their pods are
 * not in this output, but the network policies must let them work and nothing more. One entry per group of
 * pods with the same needs; `selector` is the labels their releases put on the pods, cited per entry.
 */
export interface Addon {
  readonly name: string;
  /** How it is installed (for the README and the post-deploy checks). */
  readonly install: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** Reaches the Kubernetes API. */
  readonly kubernetesApi: boolean;
  /** TCP ports it connects to anywhere on the internet (ACME). */
  readonly egressAnywhere: readonly number[];
  /** Reaches the object storage (the `objectStorageCidrs` input) on 443. */
  readonly objectStorage?: boolean;
  /** TCP ports the Kubernetes API server calls it on (admission webhooks). */
  readonly ingressFromApiServer: readonly number[];
}

const CERT_MANAGER_INSTALL = 'Helm chart jetstack/cert-manager v1.21.1 (`crds.enabled=true`) into nx-internal';
/**
 * cert-manager v1.21.1's chart labels every pod `app.kubernetes.io/instance: <release>` and
 * `app.kubernetes.io/component: controller | webhook | cainjector | startupapicheck`
 * (deploy/charts/cert-manager/templates/{deployment,webhook-deployment,cainjector-deployment,startupapicheck-job}.yaml).
 */
const certManager = (component: string): Record<string, string> => ({ 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': component });

export const ADDONS: readonly Addon[] = [
  {
    name: 'cert-manager',
    install: CERT_MANAGER_INSTALL,
    namespace: NAMESPACES.internal,
    selector: certManager('controller'),
    kubernetesApi: true,
    // The ACME API (443) and the HTTP-01 self-check against the public hosts through the load balancer (80).
    egressAnywhere: [443, 80],
    ingressFromApiServer: [],
  },
  {
    name: 'cert-manager-webhook',
    install: CERT_MANAGER_INSTALL,
    namespace: NAMESPACES.internal,
    selector: certManager('webhook'),
    // Reads and renews its own serving certificate Secret (dynamic serving).
    kubernetesApi: true,
    egressAnywhere: [],
    // The chart's `webhook.securePort` default (values.yaml): 10250.
    ingressFromApiServer: [10250],
  },
  { name: 'cert-manager-cainjector', install: CERT_MANAGER_INSTALL, namespace: NAMESPACES.internal, selector: certManager('cainjector'), kubernetesApi: true, egressAnywhere: [], ingressFromApiServer: [] },
  { name: 'cert-manager-startupapicheck', install: CERT_MANAGER_INSTALL, namespace: NAMESPACES.internal, selector: certManager('startupapicheck'), kubernetesApi: true, egressAnywhere: [], ingressFromApiServer: [] },
  {
    name: 'velero',
    install: '`velero install` v1.18.1 (see Backups) into nx-internal',
    namespace: NAMESPACES.internal,
    // velero v1.18.1 pkg/install/resources.go labels everything it installs `component: velero`; the server's pods
    // add `deploy: velero` (pkg/install/deployment.go), the node-agent's `name: node-agent`, `role: node-agent`
    // (pkg/install/daemonset.go). Both read the API and write to the backup location.
    selector: { component: 'velero' },
    kubernetesApi: true,
    egressAnywhere: [],
    objectStorage: true,
    ingressFromApiServer: [],
  },
];

/**
 * Pods cert-manager starts for HTTP-01 challenges, in the namespace of the Ingress being certified (nx-internal
 * for the public hosts, `portainer` for Portainer's). cert-manager v1.21.1 pkg/apis/acme/v1/types.go
 * `SolverIdentificationLabelKey` (`acme.cert-manager.io/http01-solver: "true"`, beside `http-domain` and
 * `http-token` hashes); pkg/issuer/acme/http/pod.go serves the challenge on 8089.
 */
export const ACME_SOLVER = { selector: { 'acme.cert-manager.io/http01-solver': 'true' }, port: 8089 } as const;
