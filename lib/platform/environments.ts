import { EnvironmentSpec } from './types';

/** Staging: applied by hand, step by step; HA services run a fixed 2 replicas and are scaled by hand. */
export const STAGING: EnvironmentSpec = {
  name: 'staging',
  nodePool: 'default',
  autoscaling: false,
  haReplicas: { min: 2, max: 2 },
  singleReplicas: { min: 1, max: 1 },
  spreadAcrossNodes: false,
  forbiddenTags: [],
  appEnv: 'staging',
};

/** Production: GitOps; HA services autoscale (HPA) with a PodDisruptionBudget, spread across nodes. */
export const PRODUCTION: EnvironmentSpec = {
  name: 'production',
  nodePool: 'app',
  autoscaling: true,
  haReplicas: { min: 3, max: 6 },
  singleReplicas: { min: 1, max: 1 },
  spreadAcrossNodes: true,
  // The pipeline's moving tags (`latest` on develop and main) and branch names: production runs commit SHAs.
  forbiddenTags: ['latest', 'main', 'master', 'develop', 'stable', 'edge', 'nightly'],
  requireImageDigests: true,
  appEnv: 'production',
};

export const ENVIRONMENTS: readonly EnvironmentSpec[] = [STAGING, PRODUCTION];
