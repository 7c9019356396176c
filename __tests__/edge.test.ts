import { BACKUP_SCHEDULES } from '../lib/platform/backups';
import { SERVICES } from '../lib/platform/services';
import { env, find, objects, tryFind } from './helpers';

const ENVS = ['staging', 'production'] as const;

describe('Velero schedules (operations page, "Backup Lên lịch")', () => {
  for (const name of ENVS) {
    test(`${name}: nx-daily-full exactly as the page writes it`, () => {
      const s = find(env(name), 'Schedule', 'nx-daily-full', 'nx-internal');
      expect(s.apiVersion).toBe('velero.io/v1');
      expect(s.spec).toEqual({
        schedule: '0 2 * * *',
        template: {
          ttl: '720h',
          includedNamespaces: ['nx-backend', 'nx-app', 'nx-persistent', 'nx-broker', 'nx-search', 'nx-internal'],
          snapshotVolumes: true,
          defaultVolumesToFsBackup: true,
        },
      });
    });
    test(`${name}: nx-hourly-config exactly as the page writes it`, () => {
      const s = find(env(name), 'Schedule', 'nx-hourly-config', 'nx-internal');
      expect(s.spec).toEqual({
        schedule: '0 * * * *',
        template: {
          ttl: '168h',
          includedNamespaces: ['nx-backend', 'nx-app', 'nx-internal'],
          snapshotVolumes: false,
          includedResources: ['deployments', 'services', 'configmaps', 'secrets', 'ingresses', 'ingressroutes'],
        },
      });
      expect(objects(env(name), 'Schedule')).toHaveLength(BACKUP_SCHEDULES.length);
    });
    test(`${name}: the backup location is the page's bucket, region and endpoint under the environment's own prefix, credentials by reference`, () => {
      const bsl = find(env(name), 'BackupStorageLocation', 'default', 'nx-internal');
      expect(bsl.spec).toEqual({
        default: true,
        provider: 'aws',
        objectStorage: { bucket: 'bana-backups', prefix: `velero/${name}` },
        config: { region: 'ap-southeast-1', s3ForcePathStyle: 'true', s3Url: 'https://s3.vnpaycloud.vn' },
        credential: { name: 'cloud-credentials', key: 'cloud' },
      });
    });
  }
});

describe('Portainer Ingress (operations page, production)', () => {
  test('production: exactly the page\'s Ingress, plus the HTTPS backend annotation and the admin allow-list', () => {
    const i = find(env('production'), 'Ingress', 'portainer-ingress', 'portainer');
    // The page's annotation, the HTTPS backend ingress-nginx needs, the admin allow-list (default: private
    // ranges only), HTTPS only, the admin-UI marker the security checks read, and the layer's sync wave.
    expect(i.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
      'platform.bana.com.vn/admin-ui': 'true',
      'argocd.argoproj.io/sync-wave': '70',
    });
    expect(i.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['portainer.bana.com.vn'], secretName: 'portainer-tls' }],
      rules: [
        {
          host: 'portainer.bana.com.vn',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'portainer', port: { number: 9443 } } } }] },
        },
      ],
    });
  });
  test('staging: no Portainer Ingress (the page deploys Portainer on production only)', () => {
    expect(tryFind(env('staging'), 'Ingress', 'portainer-ingress')).toBeUndefined();
  });
});

describe('edge', () => {
  for (const name of ENVS) {
    test(`${name}: ClusterIssuer letsencrypt-prod is cluster-scoped, ACME production, HTTP-01 through ingress-nginx`, () => {
      const ci = find(env(name), 'ClusterIssuer', 'letsencrypt-prod');
      expect(ci.metadata.namespace).toBeUndefined();
      expect(ci.spec.acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
      expect(ci.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'nginx' } } }]);
    });

    test(`${name}: every public host has TLS from letsencrypt-prod and routes to Traefik`, () => {
      const ingresses = objects(env(name), 'Ingress') as any[];
      const hosts = ingresses.flatMap((i) => i.spec.rules.map((r: any) => r.host));
      expect(hosts.length).toBeGreaterThan(SERVICES.filter((s) => s.tier === 'frontend').length);
      for (const i of ingresses) {
        expect(i.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
        expect(i.spec.ingressClassName).toBe('nginx');
        const tlsHosts = i.spec.tls.flatMap((t: any) => t.hosts);
        for (const r of i.spec.rules) expect(tlsHosts).toContain(r.host);
        if (i.metadata.namespace === 'nx-internal') {
          for (const r of i.spec.rules) expect(r.http.paths[0].backend.service).toEqual({ name: 'traefik', port: { number: 80 } });
        }
      }
    });

    test(`${name}: an IngressRoute per public service routes its host (and /v1/api/<segment> for backends) to nx-<service>:3000`, () => {
      for (const s of SERVICES.filter((x) => x.public ?? true)) {
        const ns = s.tier === 'backend' ? 'nx-backend' : 'nx-app';
        const route = find(env(name), 'IngressRoute', `nx-${s.name}`, ns);
        expect(route.apiVersion).toBe('traefik.io/v1alpha1');
        const r = route.spec.routes[0];
        expect(r.services).toEqual([{ name: `nx-${s.name}`, port: 3000 }]);
        if (s.tier === 'backend') {
          const segment = s.name === 'payment-api' ? 'payment' : s.name;
          expect(r.match).toContain(`PathPrefix(\`/v1/api/${segment}/\`)`);
        }
        expect(r.middlewares.map((m: any) => m.name)).toContain('security-headers');
        for (const m of r.middlewares) expect(tryFind(env(name), 'Middleware', m.name, ns)).toBeDefined();
      }
    });

    test(`${name}: a service marked public: false (payment-worker) has no route`, () => {
      expect(SERVICES.find((x) => x.name === 'payment-worker')!.public).toBe(false);
      expect(tryFind(env(name), 'IngressRoute', 'nx-payment-worker', 'nx-backend')).toBeUndefined();
      const matches = objects(env(name), 'IngressRoute').flatMap((r: any) => r.spec.routes.map((x: any) => x.match)).join(' ');
      expect(matches).not.toContain('/v1/api/payment-worker');
    });

    test(`${name}: identity's routes are rate limited per client address`, () => {
      const rl = find(env(name), 'Middleware', 'identity-rate-limit', 'nx-backend');
      expect(rl.spec.rateLimit.average).toBeGreaterThan(0);
      expect(find(env(name), 'IngressRoute', 'nx-identity', 'nx-backend').spec.routes[0].middlewares[0]).toEqual({ name: 'identity-rate-limit' });
    });

    test(`${name}: ingress-nginx keeps NET_BIND_SERVICE, which its binaries carry as a file capability, and nothing else`, () => {
      const container = find(env(name), 'Deployment', 'ingress-nginx-controller', 'nx-internal').spec.template.spec.containers[0];
      expect(container.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    });

    test(`${name}: ingress-nginx and Traefik images are pinned (release tag and digest), never latest`, () => {
      for (const n of ['ingress-nginx-controller', 'traefik']) {
        const image = find(env(name), 'Deployment', n, 'nx-internal').spec.template.spec.containers[0].image;
        expect(image).toMatch(/:v\d+\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
      }
    });
  }
});

describe('edge RBAC and forwarded headers (issue 14)', () => {
  test('staging: ingress-nginx serves its own namespace only, with a Role for everything namespaced', () => {
    const d = find(env('staging'), 'Deployment', 'ingress-nginx-controller', 'nx-internal');
    expect(d.spec.template.spec.containers[0].args).toContain('--watch-namespace=nx-internal');
    const cr = find(env('staging'), 'ClusterRole', 'ingress-nginx-controller');
    expect(cr.rules).toEqual([{ apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: ['get', 'list', 'watch'] }]);
    const role = find(env('staging'), 'Role', 'ingress-nginx-controller', 'nx-internal');
    expect(role.rules.some((r: any) => r.resources.includes('ingresses'))).toBe(true);
  });

  test('production: ingress-nginx acts on the namespaces holding its Ingresses only', () => {
    const d = find(env('production'), 'Deployment', 'ingress-nginx-controller', 'nx-internal');
    expect(d.spec.template.spec.containers[0].args).toContain('--watch-namespace-selector=kubernetes.io/metadata.name in (nx-internal,portainer)');
  });

  for (const name of ENVS) {
    test(`${name}: Traefik believes X-Forwarded-For on web from the pod CIDRs only; frontends use the internal entry point`, () => {
      const args: string[] = find(env(name), 'Deployment', 'traefik', 'nx-internal').spec.template.spec.containers[0].args;
      expect(args).toContain('--entryPoints.web.forwardedHeaders.trustedIPs=10.244.0.0/16');
      expect(args).toContain('--entryPoints.internal.address=:8001');
      expect(args.filter((a) => a.startsWith('--entryPoints.internal.forwardedHeaders'))).toEqual([]);
      expect(args).toContain('--providers.kubernetescrd.disableClusterScopeResources=true');
    });

    test(`${name}: the gateway URL frontends are given leads to the internal entry point, which their policy opens`, () => {
      const url = new URL(find(env(name), 'ConfigMap', 'nx-client-config', 'nx-app').data.API_GATEWAY_URL);
      const svc = find(env(name), 'Service', 'traefik', 'nx-internal');
      const port = svc.spec.ports.find((p: any) => p.port === Number(url.port));
      expect(url.hostname).toBe('traefik.nx-internal.svc.cluster.local');
      const container = find(env(name), 'Deployment', 'traefik', 'nx-internal').spec.template.spec.containers[0];
      const target = container.ports.find((p: any) => p.name === port.targetPort);
      expect(container.args).toContain(`--entryPoints.internal.address=:${target.containerPort}`);
      const egress = find(env(name), 'NetworkPolicy', 'allow-egress-nx-client', 'nx-app');
      expect(egress.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([target.containerPort]);
    });

    test(`${name}: payment-api and finance routes are rate limited, with limits from the platform data`, () => {
      for (const service of ['identity', 'payment-api', 'finance']) {
        const route = find(env(name), 'IngressRoute', `nx-${service}`, 'nx-backend');
        expect(route.spec.routes[0].middlewares.map((m: any) => m.name)).toContain(`${service}-rate-limit`);
        const mw = find(env(name), 'Middleware', `${service}-rate-limit`, 'nx-backend');
        expect(mw.spec.rateLimit.average).toBeGreaterThan(0);
      }
    });
  }
});
