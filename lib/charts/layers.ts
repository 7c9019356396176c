import { Construct } from 'constructs';
import { KubeObject } from '../output/render';
import { AppsChart } from './apps-chart';
import { BackupsChart } from './backups-chart';
import { ClusterChart } from './cluster-chart';
import { DataChart } from './data-chart';
import { GatewayChart, IngressChart, RoutesChart } from './edge-charts';
import { EnvironmentContext, LayerChart } from './layer-chart';
import { NetworkChart } from './network-chart';

/**
 * One layer of an environment: its folder (the numeric prefix is the staging step, an optional `-N-` after it
 * a part of that step) and how to build it.
 */
export interface LayerDefinition {
  readonly folder: string;
  /** What the layer holds, for kustomization comments and generated documents. */
  readonly title: string;
  /** `others` holds the synthesized objects of every other layer when `derived` is set, else nothing. */
  readonly build: (scope: Construct, folder: string, context: EnvironmentContext, others: readonly KubeObject[]) => LayerChart;
  /**
   * Built after every other layer, from their synthesized objects (quotas sized from the workloads).
   * @default false
   */
  readonly derived?: boolean;
}

/**
 * The layers of every environment, in apply order. Folder numbers follow the staging deployment's steps
 * (operations page, "Các bước"), so `--step N` maps to folders `0N-*`. The order kubectl, Argo CD (sync
 * waves) and Flux (dependsOn) follow is derived from these folder names (lib/charts/ordering.ts).
 */
export const LAYERS: readonly LayerDefinition[] = [
  {
    folder: '00-cluster',
    title: 'Cluster setup (namespaces, quotas, limits, priority classes)',
    build: (scope, folder, context, others) => new ClusterChart(scope, folder, context, others),
    derived: true,
  },
  { folder: '01-network', title: 'Network policies', build: (scope, folder, context) => new NetworkChart(scope, folder, context) },
  { folder: '03-data', title: 'Data layer (PostgreSQL/CNPG + PgBouncer, Redis Cluster, Kafka KRaft, Typesense, Debezium)', build: (scope, folder, context) => new DataChart(scope, folder, context) },
  { folder: '04-ingress', title: 'Ingress controller (ingress-nginx) and the letsencrypt-prod ClusterIssuer', build: (scope, folder, context) => new IngressChart(scope, folder, context) },
  { folder: '05-gateway', title: 'API gateway (Traefik)', build: (scope, folder, context) => new GatewayChart(scope, folder, context) },
  // Step 6 in five ordered parts (see AppPart): kubectl, Argo CD and Flux wait between them.
  { folder: '06-1-config', title: 'Application configuration: shared and per-service ConfigMaps', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['config']) },
  { folder: '06-2-identity-migration', title: "identity's database migration, first of all", build: (scope, folder, context) => new AppsChart(scope, folder, context, ['identity-migration']) },
  { folder: '06-3-identity', title: 'The identity service, which every other backend and migration waits for', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['identity']) },
  { folder: '06-4-migrations', title: 'The other database migrations (after identity is available)', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['migrations']) },
  { folder: '06-5-services', title: 'The other backend services and the frontends', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['services']) },
  { folder: '07-routes', title: 'Ingress rules (domain routing, TLS, gateway routes)', build: (scope, folder, context) => new RoutesChart(scope, folder, context) },
  { folder: '09-backups', title: 'Backups (Velero locations and schedules)', build: (scope, folder, context) => new BackupsChart(scope, folder, context) },
];
