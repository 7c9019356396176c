import { k8s } from 'cdk8s-plus-28';
import { EnvironmentSpec } from '../platform/types';

/** Spreads an edge Deployment's replicas over nodes where the environment spreads HA workloads. */
export function edgeSpread(env: EnvironmentSpec, selector: Record<string, string>): k8s.TopologySpreadConstraint[] | undefined {
  if (!env.spreadAcrossNodes) return undefined;
  return [
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: selector },
      matchLabelKeys: ['pod-template-hash'],
    },
  ];
}
