import { AllowedFinding } from './policy';

/**
 * Reviewed exceptions to the policy gate, one entry per check, object (and container), each with the reason it
 * is acceptable. Meant for third-party images that cannot meet a rule and for objects whose counterpart an
 * operator creates at run time; our own workloads fix the finding instead.
 * The gate fails on an entry that matches nothing, so the list never outlives its reason.
 */
const OPERATOR_PODS =
  'its pods are created at run time by an operator (not in this output), which labels them with exactly this selector';
const GITOPS_JOB =
  'a Job applied by Argo CD or Flux must outlive its run: deleted by a TTL, the controller sees it missing and re-creates it, re-running it ' +
  '(argo-cd#8586). Finished Jobs are pruned when their name leaves the output instead.';

export const POLICY_ALLOW_LIST: readonly AllowedFinding[] = [
  { check: 'dangling-service', object: 'Service nx-persistent/nx-postgresql-primary', reason: `CloudNativePG instance pods: ${OPERATOR_PODS}.` },
  { check: 'dangling-service', object: 'Service nx-broker/nx-kafka', reason: `Strimzi broker pods: ${OPERATOR_PODS}.` },
  { check: 'job-ttl-seconds-after-finished', object: 'Job nx-broker/nx-redis-cluster-create', reason: `Idempotent cluster creation; ${GITOPS_JOB}` },
  {
    check: 'job-ttl-seconds-after-finished',
    object: /^Job nx-backend\/nx-[a-z0-9-]+-migrate-[a-z0-9-]+$/,
    reason: `Versioned migration Jobs (nx-<name>-migrate-<version>); ${GITOPS_JOB} apply.sh deletes a service's older migration Jobs after the new one completes.`,
  },
  {
    check: 'no-read-only-root-fs',
    object: 'Deployment nx-internal/ingress-nginx-controller',
    container: 'controller',
    reason: 'ingress-nginx renders nginx.conf and Lua state under /etc/nginx and /etc/ingress-controller at run time; upstream runs it with a writable root filesystem.',
  },
];
