import { overviewDocument } from '../lib/reports/overview';
import { ManifestFile } from '../lib/k8s/objects';
import { LAYERS } from '../lib/charts/layers';
import { PLATFORM } from '../lib/platform';
import { migrationsOf } from '../lib/platform/migrations';
import { env } from './helpers';

const readme = (name: 'staging' | 'production') => env(name).files.get('README.md')!;

describe('dist/<env>/README.md overview', () => {
  test('lists every service with image, replicas or HPA range, resources, dependencies and public route', () => {
    const production = readme('production');
    expect(production).toContain('| identity | nx-backend | `bcr.bana.com.vn/nx-identity:abc1234` | 3–6 (HPA) | 100m / 256Mi | 1 / 512Mi | postgres, redis, kafka | `` Host(`api.bana.com.vn`)');
    expect(production).toContain('| ledger | nx-backend | `bcr.bana.com.vn/nx-ledger:abc1234` | 1 | 100m / 256Mi | 1 / 512Mi | waits for identity, postgres, kafka | ');
    expect(readme('staging')).toContain('| sale | nx-backend | `bcr.bana.com.vn/nx-sale:abc1234` | 2 | ');
    for (const service of ['client', 'bo', 'wiki', 'sale-renderer']) expect(production).toContain(`| ${service} | nx-app | \`bcr.bana.com.vn/nx-${service}:abc1234\``);
  });

  test('has every layer in apply order, the migration order and both Mermaid diagrams', () => {
    const text = readme('staging');
    const layers = text.split('## Layers, in apply order\n\n')[1].split('\n\n')[0].split('\n').slice(2);
    expect(layers.map((row) => row.split(' | ')[1])).toEqual(LAYERS.map((l) => `\`${l.folder}\``));
    const migrations = text.split('## Migrations, in order\n\n')[1].split('\n\n')[0].split('\n');
    // From the catalogue (adding a service needs no test change), and the page's seven are among them.
    const listed = migrations.map((l) => l.split(' (')[0]);
    expect(listed).toEqual(migrationsOf(PLATFORM.services).map((m) => `${m.spec.order}. ${m.name}`));
    expect(listed).toEqual(expect.arrayContaining(['1. identity', '2. commerce', '3. sale', '4. finance', '5. inventory', '6. pricing', '7. payment']));
    expect(migrations[0]).toBe('1. identity (service identity): `job/nx-identity-migrate-abc1234`');
    // Two rollout diagrams, one namespace summary, one per service.
    expect(text.match(/```mermaid\n%%\{init[^\n]*\nflowchart /g)).toHaveLength(3 + PLATFORM.services.length);
    // Layers: ingress waits for the network policies only, not for the data layer.
    expect(text).toContain('  layer_01_network --> layer_04_ingress\n');
    expect(text).not.toContain('layer_03_data --> layer_04_ingress');
    // Applications: identity's migration, identity, then each migration and its service.
    expect(text).toContain('  migrate_identity --> svc_identity\n');
    expect(text).toContain('  svc_identity --> migrate_sale --> svc_sale\n');
    expect(text).not.toContain('migrate_identity --> migrate_sale');
    // The frontends and the backends without a migration wait for every migration (06-5 after 06-4).
    expect(text).toContain('  rest["after every migration:<br>nx-ledger,<br>nx-payment-worker,<br>nx-signal<br>(and nx-identity)<br>nx-client, nx-bo,<br>nx-wiki,<br>nx-sale-renderer"]\n');
    expect(text).toContain('  migrate_payment_api --> rest\n');
    expect(text).toContain('| StatefulSet | nx-broker | nx-redis | 3 |');
  });

  const context = (extra: object[]) => {
    const base = env('production');
    const manifests: ManifestFile[] = [
      // The application Deployments alone, so routes, policies and Jobs come only from `extra`.
      ...base.manifests.filter((m) => m.object.kind === 'Deployment' && ['nx-backend', 'nx-app'].includes(m.object.metadata.namespace ?? '')),
      ...extra.map((object: any) => ({ path: `x/${object.metadata.name}.yaml`, folder: 'x', object })),
    ];
    return overviewDocument({ platform: PLATFORM, environment: base.environment, release: base.release, manifests })[0].content;
  };

  test('draws allowed network paths per service (who may connect, on which ports; whom it reaches) and between namespaces', () => {
    const text = context([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'nx-identity-ingress', namespace: 'nx-backend' },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'identity' } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'backend' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nx-internal' } } }], ports: [{ port: 3000 }] }],
          egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 5432 }] }],
        },
      },
    ]);
    const network = text.split('## Allowed network paths')[1];
    const identity = network.split('#### nx-identity (nx-backend)')[1].split('####')[0];
    expect(identity).toContain('self(["nx-identity"])');
    // Selectors resolved to the workloads they pick, wrapped onto short lines.
    expect(identity).toContain('in0["nx-backend:<br>nx-commerce, nx-finance,<br>nx-identity,<br>nx-inventory, nx-ledger,<br>nx-payment-api,<br>nx-payment-worker,<br>nx-pricing, nx-sale,<br>nx-signal"] -->|"3000"| self');
    expect(identity).toContain('in1["nx-internal:<br>all pods"] -->|"3000"| self');
    expect(identity).toContain('self -->|"5432"| out0["10.0.0.0/8"]');
    // A service no policy selects: nothing drawn as allowed in.
    expect(network.split('#### nx-sale (nx-backend)')[1].split('####')[0]).toContain('none_in["nothing may connect"]');
    // Between namespaces: nx-internal may connect to nx-backend (only nx-backend is isolated, by this policy).
    const summary = network.split('### Between namespaces')[1].split('### Per service')[0];
    expect(summary).toContain('  ns_nx_internal --> ns_nx_backend\n');
    expect(summary).toContain('  ns_nx_backend --> ns_cidr_10_0_0_0_8\n');
  });

  test('shows public routes of Ingresses and Traefik IngressRoutes, migration Jobs, and other workloads', () => {
    const text = context([
      { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'api', namespace: 'nx-backend' }, spec: { routes: [{ match: 'Host(`api.bana.com.vn`) && PathPrefix(`/v1/api/sale`)', services: [{ name: 'nx-sale', port: 3000 }] }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'nx-app' }, spec: { rules: [{ host: 'bo.bana.com.vn', http: { paths: [{ path: '/', backend: { service: { name: 'nx-bo' } } }] } }] } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'nx-identity-migrate-abc1234', namespace: 'nx-backend', labels: { 'app.kubernetes.io/name': 'identity', 'app.kubernetes.io/component': 'migration' } }, spec: { template: { spec: { containers: [{ name: 'migrate', image: 'img:1' }] } } } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'nx-redis', namespace: 'nx-broker' }, spec: { replicas: 6, template: { spec: { containers: [{ name: 'redis', image: 'redis:7.2' }] } } } },
    ]);
    expect(text).toContain(' | `` Host(`api.bana.com.vn`) && PathPrefix(`/v1/api/sale`) `` |\n');
    expect(text).toMatch(/\| bo \| .* \| `bo.bana.com.vn\/` \|\n/);
    expect(text).toContain('1. identity (service identity): `job/nx-identity-migrate-abc1234`');
    expect(text).toContain('| StatefulSet | nx-broker | nx-redis | 6 | `redis:7.2` |');
  });
});
