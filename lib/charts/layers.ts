import { Construct } from 'constructs';
import { AppsChart } from './apps-chart';
import { EnvironmentContext, LayerChart } from './layer-chart';

/**
 * One layer of an environment: its folder (the numeric prefix is the staging step, an optional `-N-` after it
 * a part of that step) and how to build it.
 */
export interface LayerDefinition {
  readonly folder: string;
  /** What the layer holds, for kustomization comments and generated documents. */
  readonly title: string;
  readonly build: (scope: Construct, folder: string, context: EnvironmentContext) => LayerChart;
}

/**
 * The layers of every environment, in apply order. Folder numbers follow the staging deployment's steps
 * (operations page, "Các bước"), so `--step N` maps to folders `0N-*`. The order kubectl, Argo CD (sync
 * waves) and Flux (dependsOn) follow is derived from these folder names (lib/charts/ordering.ts).
 */
export const LAYERS: readonly LayerDefinition[] = [
  // Step 6 in five ordered parts (see AppPart): kubectl, Argo CD and Flux wait between them.
  { folder: '06-1-config', title: 'Application configuration: shared and per-service ConfigMaps', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['config']) },
  { folder: '06-2-identity-migration', title: "identity's database migration, first of all", build: (scope, folder, context) => new AppsChart(scope, folder, context, ['identity-migration']) },
  { folder: '06-3-identity', title: 'The identity service, which every other backend and migration waits for', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['identity']) },
  { folder: '06-4-migrations', title: 'The other database migrations (after identity is available)', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['migrations']) },
  { folder: '06-5-services', title: 'The other backend services and the frontends', build: (scope, folder, context) => new AppsChart(scope, folder, context, ['services']) },
];
