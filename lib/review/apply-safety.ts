import { FLUX_FORCE_ANNOTATION } from '../charts/ordering';
import { parseQuantity } from '../k8s/quantity';
import type { FieldChange, ObjectChange, SafetyVerdict } from './changes';

export type { Safety, SafetyVerdict } from './changes';

/**
 * Apply-safety of a changed object, without a cluster: whether `kubectl apply` (apply.sh), Argo CD and Flux
 * can apply the change to the live object in place, or the API server (or an operator's admission webhook)
 * refuses it because a field is immutable, and what a rollout does to running pods.
 *
 * - `in-place`: applied as a patch; nothing restarts.
 * - `restarts`: applied in place, and the pod template (or the config digest on it) changes, so the
 *   workload controller replaces its pods (a rolling update for a Deployment).
 * - `replace`: the update is refused; the object must be deleted and created again (or renamed).
 *
 * A `replace` is handled by the output when the object carries a replace annotation that every apply path
 * honours. Flux honours `kustomize.toolkit.fluxcd.io/force: Enabled` (kustomize-controller, "force"), Argo CD
 * honours `argocd.argoproj.io/sync-options: Replace=true` (or `Force=true,Replace=true`), and apply.sh runs
 * `kubectl apply`, which has no such annotation: so no annotation can make a same-name replace safe on every
 * path, and a replace is handled only when the output gives the object a new name (a migration Job is named
 * after its tag: a new release is a new Job, an added object, never a changed one).
 */

interface Rule {
  /** Changed field path (as object-diff writes it) that the rule covers. */
  readonly matches: (path: string) => boolean;
  /** Whether this particular change is refused (default: every change of the field). */
  readonly refused?: (change: FieldChange) => boolean;
  readonly why: string;
}

const under = (prefix: string) => (path: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * Immutable fields by apiVersion/kind. Sources (Kubernetes 1.28, pkg/apis/<group>/validation/validation.go):
 * - batch/v1 Job, ValidateJobSpecUpdate: `spec.selector`, `spec.template` (outside a suspended Job's
 *   scheduling directives, which the output never uses), `spec.completionMode`, `spec.podFailurePolicy`
 *   are immutable ("field is immutable").
 * - apps/v1 Deployment, DaemonSet, ReplicaSet: ValidateDeploymentUpdate/ValidateDaemonSetUpdate refuse a
 *   changed `spec.selector` (apps/v1 made selectors immutable).
 * - apps/v1 StatefulSet, ValidateStatefulSetUpdate: only replicas, ordinals, template, updateStrategy,
 *   persistentVolumeClaimRetentionPolicy and minReadySeconds may change ("updates to statefulset spec for
 *   fields other than ... are forbidden"): `volumeClaimTemplates`, `serviceName`, `podManagementPolicy`,
 *   `selector` are immutable.
 * - v1 Service, ValidateServiceUpdate: `spec.clusterIP`/`spec.clusterIPs` are immutable once set (a switch
 *   to or from headless `None` included); a `type` change to or from ExternalName clears or allocates a
 *   cluster IP and is refused while `clusterIP` is kept, so both are treated as a replace. ClusterIP ↔
 *   NodePort ↔ LoadBalancer applies in place.
 * - v1 PersistentVolumeClaim, ValidatePersistentVolumeClaimUpdate: the spec is immutable after creation
 *   except `resources.requests.storage` growing (on an expandable StorageClass); shrinking is refused.
 * - postgresql.cnpg.io/v1 Cluster, CloudNativePG 1.30 admission webhook (internal/webhook/v1/
 *   cluster_webhook.go, validateStorageConfigurationChange): "can't shrink existing storage" for
 *   `spec.storage.size` and `spec.walStorage.size`.
 */
const IMMUTABLE: Record<string, readonly Rule[]> = {
  'batch/v1 Job': [
    { matches: under('spec.template'), why: "a Job's pod template is immutable (batch/v1 ValidateJobSpecUpdate)" },
    { matches: under('spec.selector'), why: "a Job's selector is immutable" },
    { matches: under('spec.completionMode'), why: "a Job's completionMode is immutable" },
    { matches: under('spec.podFailurePolicy'), why: "a Job's podFailurePolicy is immutable" },
  ],
  'apps/v1 Deployment': [{ matches: under('spec.selector'), why: 'apps/v1 selectors are immutable (ValidateDeploymentUpdate)' }],
  'apps/v1 DaemonSet': [{ matches: under('spec.selector'), why: 'apps/v1 selectors are immutable (ValidateDaemonSetUpdate)' }],
  'apps/v1 ReplicaSet': [{ matches: under('spec.selector'), why: 'apps/v1 selectors are immutable' }],
  'apps/v1 StatefulSet': [
    { matches: under('spec.selector'), why: 'apps/v1 selectors are immutable (ValidateStatefulSetUpdate)' },
    { matches: under('spec.volumeClaimTemplates'), why: "a StatefulSet's volumeClaimTemplates are immutable (ValidateStatefulSetUpdate)" },
    { matches: under('spec.serviceName'), why: "a StatefulSet's serviceName is immutable (ValidateStatefulSetUpdate)" },
    { matches: under('spec.podManagementPolicy'), why: "a StatefulSet's podManagementPolicy is immutable (ValidateStatefulSetUpdate)" },
  ],
  'v1 Service': [
    { matches: (p) => under('spec.clusterIP')(p) || under('spec.clusterIPs')(p), why: "a Service's clusterIP is immutable once set (ValidateServiceUpdate)" },
    {
      matches: under('spec.type'),
      refused: (c) => c.before === 'ExternalName' || c.after === 'ExternalName',
      why: "a Service's type change to or from ExternalName allocates or drops its cluster IP (ValidateServiceUpdate)",
    },
  ],
  'v1 PersistentVolumeClaim': [
    {
      matches: under('spec.resources.requests.storage'),
      refused: (c) => shrinks(c),
      why: 'a PersistentVolumeClaim cannot shrink (ValidatePersistentVolumeClaimUpdate)',
    },
    {
      matches: (p) => p.startsWith('spec.') && !under('spec.resources.requests.storage')(p) && !under('spec.resources.limits')(p),
      why: "a bound PersistentVolumeClaim's spec is immutable except a growing storage request",
    },
  ],
  'postgresql.cnpg.io/v1 Cluster': [
    {
      matches: (p) => p === 'spec.storage.size' || p === 'spec.walStorage.size',
      refused: (c) => shrinks(c),
      why: "CloudNativePG's webhook refuses to shrink storage (\"can't shrink existing storage\", cluster_webhook.go)",
    },
  ],
};

function shrinks(change: FieldChange): boolean {
  if (typeof change.before !== 'string' || typeof change.after !== 'string') return false;
  try {
    return parseQuantity(change.after) < parseQuantity(change.before);
  } catch {
    return false;
  }
}

/** Pod-creating kinds whose controller replaces pods when the template changes. */
const ROLLING = new Set(['apps/v1 Deployment', 'apps/v1 StatefulSet', 'apps/v1 DaemonSet', 'apps/v1 ReplicaSet']);

const kindOf = (change: ObjectChange) => `${change.apiVersion} ${change.object.split(' ')[0]}`;

/** Whether the object after the change carries a replace annotation every apply path honours. */
export function replaceHonouredEverywhere(annotations: Readonly<Record<string, string>>): boolean {
  const flux = annotations[FLUX_FORCE_ANNOTATION] === 'Enabled';
  const argo = (annotations['argocd.argoproj.io/sync-options'] ?? '').split(',').map((s) => s.trim()).includes('Replace=true');
  // apply.sh runs `kubectl apply`: no annotation makes it delete and create.
  const kubectl = false;
  return flux && argo && kubectl;
}

/** The verdict for one changed object; added and removed objects apply in place (create, prune). */
export function classify(change: ObjectChange, annotations: Readonly<Record<string, string>> = {}): SafetyVerdict {
  if (change.change !== 'changed') {
    return { safety: 'in-place', reasons: [], action: change.change === 'added' ? 'created' : 'deleted (pruned by Argo CD and Flux; by hand with kubectl)', handled: true };
  }
  const kind = kindOf(change);
  const reasons: string[] = [];
  for (const field of change.fields) {
    if (field.path === '(file)') continue;
    for (const rule of IMMUTABLE[kind] ?? []) {
      if (rule.matches(field.path) && (rule.refused ? rule.refused(field) : true)) {
        const reason = `${field.path}: ${rule.why}`;
        if (!reasons.includes(reason)) reasons.push(reason);
        break;
      }
    }
  }
  const [, namespaced] = change.object.split(' ');
  const ref = `${change.object.split(' ')[0].toLowerCase()}/${namespaced.includes('/') ? namespaced.split('/')[1] : namespaced}`;
  const ns = namespaced.includes('/') ? ` -n ${namespaced.split('/')[0]}` : '';
  if (reasons.length > 0) {
    const handled = replaceHonouredEverywhere(annotations);
    const action =
      kind === 'batch/v1 Job'
        ? `give the Job a new name (a migration Job is named after its tag: release a new tag), or delete it before applying: kubectl delete${ns} ${ref}`
        : kind === 'v1 PersistentVolumeClaim' || kind === 'postgresql.cnpg.io/v1 Cluster' || (kind === 'apps/v1 StatefulSet' && reasons.some((r) => r.includes('volumeClaimTemplates')))
          ? `keeps data: restore from backup into a new object, or revert; deleting it (kubectl delete${ns} ${ref}) loses what its volumes hold unless they are retained`
          : `delete and re-create: kubectl delete${ns} ${ref} before applying (the workload is down in between for a selector or Service change), or revert`;
    return { safety: 'replace', reasons, action, handled };
  }
  const template = change.fields.some((f) => under('spec.template')(f.path));
  if (ROLLING.has(kind) && template) {
    const digest = change.fields.some((f) => /^spec\.template\.metadata\.annotations[.[]/.test(f.path) && /digest|checksum/i.test(f.path));
    const image = change.fields.some((f) => /\.image$/.test(f.path));
    const what = [image ? 'image' : '', digest ? 'config digest' : '', !image && !digest ? 'pod template' : ''].filter(Boolean).join(' and ');
    return {
      safety: 'restarts',
      reasons: [`spec.template changed (${what}): the controller replaces the pods`],
      action: kind === 'apps/v1 StatefulSet' ? 'applies in place; pods restart one by one, highest ordinal first' : 'applies in place; pods roll as the update strategy says',
      handled: true,
    };
  }
  return { safety: 'in-place', reasons: [], action: 'applies in place', handled: true };
}
