import { k8s } from 'cdk8s-plus-28';

/**
 * How replicated workloads are placed: every construct that runs more than one replica uses these, so a
 * Deployment, a StatefulSet and an operator's pod template spread the same way.
 */

export interface SpreadOptions {
  /**
   * Count only the pods of the current revision (Deployments: `pod-template-hash`), so a rollout's surge
   * pod is never blocked by the pods it replaces.
   * @default false
   */
  readonly perRevision?: boolean;
}

/** One replica per node (hard) and balanced across zones where the cluster has them (soft). */
export function spreadAcrossNodes(selector: Readonly<Record<string, string>>, options: SpreadOptions = {}): k8s.TopologySpreadConstraint[] {
  const matchLabelKeys = options.perRevision ? ['pod-template-hash'] : undefined;
  const labelSelector = { matchLabels: { ...selector } };
  return [
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector, matchLabelKeys },
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector, matchLabelKeys },
  ];
}

/**
 * A soft preference for distinct nodes, wherever several replicas run (also where the environment does not
 * spread hard): two replicas on one node would fall together.
 */
export function preferDistinctNodes(selector: Readonly<Record<string, string>>): k8s.Affinity {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...selector } } } },
      ],
    },
  };
}
