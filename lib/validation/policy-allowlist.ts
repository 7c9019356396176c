import { AllowedFinding } from './policy';

/**
 * Reviewed exceptions to the policy gate, one entry per check, object (and container), each with the reason it
 * is acceptable. Meant for third-party images that cannot meet a rule (an operator's or a database's image
 * that needs a writable root filesystem, for example); our own workloads fix the finding instead.
 * The gate fails on an entry that matches nothing, so the list never outlives its reason.
 */
export const POLICY_ALLOW_LIST: readonly AllowedFinding[] = [];
