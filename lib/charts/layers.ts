import { Construct } from 'constructs';
import { AppsChart } from './apps-chart';
import { DataChart } from './data-chart';
import { EnvironmentContext, LayerChart } from './layer-chart';

/** One layer of an environment: its folder (the numeric prefix is the staging step) and how to build it. */
export interface LayerDefinition {
  readonly folder: string;
  /** What the layer holds, for kustomization comments and generated documents. */
  readonly title: string;
  readonly build: (scope: Construct, folder: string, context: EnvironmentContext) => LayerChart;
}

/**
 * The layers of every environment, in apply order. Folder numbers follow the staging deployment's steps
 * (operations page, "Các bước"), so `--step N` maps to folder `0N-*`.
 */
export const LAYERS: readonly LayerDefinition[] = [
  { folder: '03-data', title: 'Data layer (PostgreSQL/CNPG + PgBouncer, Redis Cluster, Kafka KRaft, Typesense, Debezium)', build: (scope, folder, context) => new DataChart(scope, folder, context) },
  { folder: '06-apps', title: 'Application services (backend + frontend)', build: (scope, folder, context) => new AppsChart(scope, folder, context) },
];
