import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentSpec, PlatformSpec, Release } from '../platform/types';

/** Everything a layer needs to know about the environment it is built for. */
export interface EnvironmentContext {
  readonly platform: PlatformSpec;
  readonly environment: EnvironmentSpec;
  readonly release: Release;
}

export interface LayerChartProps {
  /** Folder of this layer in `dist/<env>/`, ordered by its numeric prefix (`06-5-services`). */
  readonly folder: string;
  readonly context: EnvironmentContext;
}

/**
 * One layer of one environment, written to its own folder with its own kustomization.yaml so it can be
 * applied alone. The chart has no namespace: each object states its own, and cluster-scoped objects none.
 */
export class LayerChart extends Chart {
  public readonly folder: string;
  public readonly context: EnvironmentContext;

  constructor(scope: Construct, props: LayerChartProps) {
    super(scope, `${props.context.environment.name}-${props.folder}`, { disableResourceNameHashes: true });
    this.folder = props.folder;
    this.context = props.context;
  }
}
