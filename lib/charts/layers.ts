import { Construct } from 'constructs';
import { KubeObject } from '../k8s/objects';
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
  /**
   * The layers this one really waits for (their objects must exist and be healthy first): Flux's `dependsOn`.
   * Each must have a lower folder number, so Argo CD's sync waves and apply.sh's folder order agree with it.
   * @default - every layer of the wave before (a chain)
   */
  readonly after?: readonly string[];
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
    after: [],
  },
  { folder: '01-network', title: 'Network policies', build: (scope, folder, context) => new NetworkChart(scope, folder, context), after: ['00-cluster'] },
  { folder: '03-data', title: 'Data layer (PostgreSQL/CNPG + PgBouncer, Redis Cluster, Kafka KRaft, Typesense, Debezium)', build: (scope, folder, context) => new DataChart(scope, folder, context), after: ['01-network'] },
  { folder: '04-ingress', title: 'Ingress controller (ingress-nginx) and the letsencrypt-prod ClusterIssuer', build: (scope, folder, context) => new IngressChart(scope, folder, context), after: ['01-network'] },
  { folder: '05-gateway', title: 'API gateway (Traefik)', build: (scope, folder, context) => new GatewayChart(scope, folder, context), after: ['01-network'] },
  // `after`: what each layer really waits for. The network policies come before any pod (default deny first,
  // then the allows its pods need); the data layer, the edge and the app config need only them. identity's
  // migration needs the databases and the config; identity needs its migration; the other migrations wait
  // for identity, each service for its migration. Routes need the ingress controller's class and issuer and
  // the gateway's CRDs, not the services behind them (a route to a service not yet ready answers 503);
  // Velero's schedules need only their namespace. Independent layers do not wait on each other in Flux.
  // Step 6 in five ordered parts (see AppPart): kubectl, Argo CD and Flux wait between them.
  { folder: '06-1-config', title: 'Application configuration: shared and per-service ConfigMaps', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['config']), after: ['01-network'] },
  { folder: '06-2-identity-migration', title: "identity's database migration, first of all", build: (scope, folder, context) => new AppsChart(scope, folder, context, ['identity-migration']), after: ['03-data', '06-1-config'] },
  { folder: '06-3-identity', title: 'The identity service, which every other backend and migration waits for', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['identity']), after: ['06-2-identity-migration'] },
  { folder: '06-4-migrations', title: 'The other database migrations (after identity is available)', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['migrations']), after: ['06-3-identity'] },
  { folder: '06-5-services', title: 'The other backend services and the frontends', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['services']), after: ['06-4-migrations'] },
  { folder: '07-routes', title: 'Ingress rules (domain routing, TLS, gateway routes)', build: (scope, folder, context) => new RoutesChart(scope, folder, context), after: ['04-ingress', '05-gateway'] },
  { folder: '09-backups', title: 'Backups (Velero locations and schedules)', build: (scope, folder, context) => new BackupsChart(scope, folder, context), after: ['00-cluster'] },
];
