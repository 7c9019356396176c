import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ClusterIssuer } from '../../imports/certmanager-clusterissuer-cert-manager.io';
import { IngressRoute, IngressRouteSpecRoutesKind, IngressRouteSpecRoutesServicesPort } from '../../imports/traefik-ingressroute-traefik.io';
import { Middleware, MiddlewareSpecRateLimitPeriod } from '../../imports/traefik-middleware-traefik.io';
import { IngressNginx } from '../constructs/edge/ingress-nginx';
import { TraefikGateway } from '../constructs/edge/traefik-gateway';
import { APP_PORT, commonLabels, namespaceOf, workloadName } from '../platform/conventions';
import {
  apiSegmentOf,
  CLUSTER_ISSUER,
  CLUSTER_ISSUER_ANNOTATION,
  EDGE_SETTINGS,
  ingressNamespacesOf,
  INGRESS_NGINX,
  PORTAINER,
  PublicHost,
  publicHosts,
  RATE_LIMITS,
  tlsSecretOf,
  TRAEFIK,
} from '../platform/edge';
import { InputError } from '../platform/errors';
import { PlatformSpec, ServiceSpec } from '../platform/types';
import { PRIORITY_CLASSES } from '../platform/priorities';
import { CLUSTER_NETWORK_DEFAULTS, ClusterNetwork } from '../platform/network-inputs';
import { EnvironmentContext, LayerChart } from './layer-chart';

/** Step 4, ingress controller: ingress-nginx and the `letsencrypt-prod` ClusterIssuer that certifies its hosts. */
export class IngressChart extends LayerChart {
  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const edge = EDGE_SETTINGS[context.environment.name];
    new IngressNginx(this, 'IngressNginx', {
      environment: context.environment,
      replicas: edge.replicas,
      priorityClassName: PRIORITY_CLASSES.haService.name,
      ingressNamespaces: ingressNamespacesOf(context.environment),
    });
    new ClusterIssuer(this, 'ClusterIssuer', {
      metadata: { name: CLUSTER_ISSUER.name, labels: commonLabels(CLUSTER_ISSUER.name, 'cluster-issuer') },
      spec: {
        acme: {
          server: CLUSTER_ISSUER.server,
          email: edge.acmeEmail,
          privateKeySecretRef: { name: CLUSTER_ISSUER.accountKeySecret },
          solvers: [{ http01: { ingress: { ingressClassName: INGRESS_NGINX.className } } }],
        },
      },
    });
  }
}

/** Step 5, API gateway: Traefik. */
export class GatewayChart extends LayerChart {
  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const edge = EDGE_SETTINGS[context.environment.name];
    const network = context.release.network ?? CLUSTER_NETWORK_DEFAULTS;
    new TraefikGateway(this, 'Traefik', { environment: context.environment, replicas: edge.replicas, priorityClassName: PRIORITY_CLASSES.haService.name, trustedIps: network.podCidrs });
  }
}

/** Annotation marking an Ingress as an admin UI: the checks hold such routes to the allow-list. */
export const ADMIN_UI_ANNOTATION = 'platform.bana.com.vn/admin-ui';

/**
 * The annotations of an admin UI's Ingress (Portainer): the seed's issuer, HTTPS to the backend, the admin
 * allow-list, and the auth endpoint where one is configured (ingress-nginx v1.14.0 annotations
 * `whitelist-source-range`, `auth-url`, `auth-signin`; docs/user-guide/nginx-configuration/annotations.md).
 */
export function adminAnnotations(network: ClusterNetwork): Record<string, string> {
  return {
    [CLUSTER_ISSUER_ANNOTATION]: CLUSTER_ISSUER.name,
    // Portainer serves HTTPS on 9443; without this ingress-nginx speaks plain HTTP to it and gets 400s.
    'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
    'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    // The load balancer keeps the client address (externalTrafficPolicy Local), which this list is held to.
    'nginx.ingress.kubernetes.io/whitelist-source-range': network.admin.sourceRanges.join(','),
    ...(network.admin.authUrl ? { 'nginx.ingress.kubernetes.io/auth-url': network.admin.authUrl } : {}),
    ...(network.admin.authSignin ? { 'nginx.ingress.kubernetes.io/auth-signin': network.admin.authSignin } : {}),
    [ADMIN_UI_ANNOTATION]: 'true',
  };
}

/** Middleware applied to every route: response headers browsers act on (HSTS is set once, by ingress-nginx). */
export const SECURITY_HEADERS = 'security-headers';

export function rateLimitName(service: string): string {
  return `${service}-rate-limit`;
}

/**
 * Step 7, ingress rules: an nginx Ingress per public host (TLS by cert-manager) forwarding to Traefik, an
 * IngressRoute per service in its own namespace routing its host and path, the Middlewares they use, and
 * (production) the Portainer Ingress exactly as the operations page writes it.
 */
export class RoutesChart extends LayerChart {
  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const { platform, environment } = context;
    const hosts = publicHosts(platform, environment);
    for (const h of hosts) this.addPublicIngress(h);
    for (const namespace of new Set(platform.services.map(namespaceOf))) this.addSecurityHeaders(namespace);
    for (const [serviceName, limit] of Object.entries(RATE_LIMITS)) this.addRateLimit(platform, serviceName, limit);
    for (const h of hosts) for (const service of h.services) this.addRoute(h, service);
    if (EDGE_SETTINGS[environment.name].portainer) this.addPortainerIngress(context.release.network ?? CLUSTER_NETWORK_DEFAULTS);
  }

  /** A public host: TLS from the cluster issuer at ingress-nginx, everything forwarded to Traefik. */
  private addPublicIngress(h: PublicHost): void {
    const name = `public-${h.key}`;
    new k8s.KubeIngress(this, `Ingress-${h.key}`, {
      metadata: {
        name,
        namespace: TRAEFIK.namespace,
        labels: commonLabels(name, 'ingress'),
        annotations: { [CLUSTER_ISSUER_ANNOTATION]: CLUSTER_ISSUER.name, 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' },
      },
      spec: {
        ingressClassName: INGRESS_NGINX.className,
        tls: [{ hosts: [h.host], secretName: tlsSecretOf(h.host) }],
        rules: [
          {
            host: h.host,
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: TRAEFIK.name, port: { number: TRAEFIK.servicePort } } } }],
            },
          },
        ],
      },
    });
  }

  /** The security headers every route of a namespace adds. */
  private addSecurityHeaders(namespace: string): void {
    new Middleware(this, `Headers-${namespace}`, {
      metadata: { name: SECURITY_HEADERS, namespace, labels: commonLabels(SECURITY_HEADERS, 'middleware') },
      spec: {
        headers: {
          contentTypeNosniff: true,
          frameDeny: true,
          referrerPolicy: 'strict-origin-when-cross-origin',
          customResponseHeaders: { Server: '', 'X-Powered-By': '' },
        },
      },
    });
  }

  /** A service's rate limit, keyed on the client address ingress-nginx appended. */
  private addRateLimit(platform: PlatformSpec, serviceName: string, limit: (typeof RATE_LIMITS)[string]): void {
    const service = platform.services.find((s) => s.name === serviceName);
    if (!service) throw new InputError('RATE_LIMITS (lib/platform/edge.ts)', serviceName, `allowed: a service of the catalogue (${platform.services.map((s) => s.name).join(', ')})`);
    new Middleware(this, `RateLimit-${serviceName}`, {
      metadata: { name: rateLimitName(serviceName), namespace: namespaceOf(service), labels: commonLabels(rateLimitName(serviceName), 'middleware') },
      spec: {
        rateLimit: {
          average: limit.average,
          burst: limit.burst,
          period: MiddlewareSpecRateLimitPeriod.fromString('1s'),
          // ingress-nginx appends the client address to X-Forwarded-For; the rightmost entry is the client.
          sourceCriterion: { ipStrategy: { depth: 1 } },
        },
      },
    });
  }

  /** A service's route on its host: backends under /v1/api/<segment>, frontends the whole host. */
  private addRoute(h: PublicHost, service: ServiceSpec): void {
    const match =
      service.tier === 'backend'
        ? `Host(\`${h.host}\`) && (Path(\`/v1/api/${apiSegmentOf(service)}\`) || PathPrefix(\`/v1/api/${apiSegmentOf(service)}/\`))`
        : `Host(\`${h.host}\`)`;
    const middlewares = [...(RATE_LIMITS[service.name] ? [{ name: rateLimitName(service.name) }] : []), { name: SECURITY_HEADERS }];
    new IngressRoute(this, `Route-${service.name}`, {
      metadata: { name: workloadName(service), namespace: namespaceOf(service), labels: commonLabels(service.name, 'route') },
      spec: {
        entryPoints: ['web', 'internal'],
        routes: [
          {
            kind: IngressRouteSpecRoutesKind.RULE,
            match,
            middlewares,
            services: [{ name: workloadName(service), port: IngressRouteSpecRoutesServicesPort.fromNumber(APP_PORT) }],
          },
        ],
      },
    });
  }

  /** Portainer's admin UI: only from the admin allow-list and, where configured, behind the auth endpoint. */
  private addPortainerIngress(network: ClusterNetwork): void {
    new k8s.KubeIngress(this, 'Portainer', {
      metadata: {
        name: PORTAINER.ingressName,
        namespace: PORTAINER.namespace,
        labels: commonLabels(PORTAINER.ingressName, 'ingress'),
        annotations: adminAnnotations(network),
      },
      spec: {
        ingressClassName: INGRESS_NGINX.className,
        tls: [{ hosts: [PORTAINER.host], secretName: PORTAINER.tlsSecret }],
        rules: [
          {
            host: PORTAINER.host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: PORTAINER.service, port: { number: PORTAINER.port } } } }] },
          },
        ],
      },
    });
  }
}
