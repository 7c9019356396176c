import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { InputError } from '../platform/errors';

export interface DisruptionBudgetProps {
  /** Name, namespace and labels of the budget (usually the workload's own). */
  readonly metadata: k8s.ObjectMeta;
  /** Labels of the pods it protects: the workload's selector. */
  readonly selector: Readonly<Record<string, string>>;
  /**
   * Pods a voluntary disruption (drain, eviction) may take at once.
   * @default 1
   */
  readonly maxUnavailable?: number;
}

/**
 * A policy/v1 PodDisruptionBudget as every replicated workload of the platform gets it. Unhealthy pods may
 * always be evicted: a crash-looping pod is not protected by the budget anyway, and the default would block
 * a node drain on it.
 */
export class DisruptionBudget extends Construct {
  public readonly resource: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    const maxUnavailable = props.maxUnavailable ?? 1;
    if (!Number.isInteger(maxUnavailable) || maxUnavailable < 1) {
      throw new InputError(`DisruptionBudget '${props.metadata.name}': 'maxUnavailable'`, maxUnavailable, 'allowed: a whole number >= 1');
    }
    this.resource = new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: props.metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
        selector: { matchLabels: { ...props.selector } },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
