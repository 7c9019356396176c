import { Construct } from 'constructs';
import { KubeObject } from '../k8s/objects';
import { AppsChart } from './apps-chart';
import { BackupsChart } from './backups-chart';
import { ClusterChart } from './cluster-chart';
import { DataChart } from './data-chart';
import { GatewayChart, IngressChart, RoutesChart } from './edge-charts';
import { EnvironmentContext, LayerChart } from './layer-chart';
import { Layer } from './layers';
import { NetworkChart } from './network-chart';

/**
 * Builds the chart of one layer (lib/charts/layers.ts) for an environment. `others` holds the synthesized
 * objects of every other layer for a `derived` layer (the cluster layer sizes its quotas from them), else nothing.
 */
export function buildLayer(scope: Construct, layer: Layer, context: EnvironmentContext, others: readonly KubeObject[]): LayerChart {
  const folder = layer.folder;
  switch (layer.name) {
    case 'cluster':
      return new ClusterChart(scope, folder, context, others);
    case 'network':
      return new NetworkChart(scope, folder, context);
    case 'data':
      return new DataChart(scope, folder, context);
    case 'ingress':
      return new IngressChart(scope, folder, context);
    case 'gateway':
      return new GatewayChart(scope, folder, context);
    case 'config':
    case 'identity-migration':
    case 'identity':
    case 'migrations':
    case 'services':
      // Step 6 in five parts: each layer holds one part of the application tier (AppPart).
      return new AppsChart(scope, folder, context, [layer.name]);
    case 'routes':
      return new RoutesChart(scope, folder, context);
    case 'backups':
      return new BackupsChart(scope, folder, context);
  }
}
