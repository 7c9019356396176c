/**
 * The vocabulary of a reviewed change, shared by the object diff (lib/review/object-diff.ts) and its
 * apply-safety verdicts (lib/review/apply-safety.ts), so neither imports the other's types.
 */

/** Absent (the field does not exist on that side). */
export const ABSENT = Symbol('absent');
export type Value = unknown | typeof ABSENT;

export interface FieldChange {
  /** `spec.template.spec.containers[name=sale].image`. */
  readonly path: string;
  readonly before: Value;
  readonly after: Value;
}

export interface ObjectChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** `staging`, `production` (the first folder of the tree). */
  readonly environment: string;
  /** `Deployment nx-backend/nx-sale` (with `apiVersion` for the key). */
  readonly object: string;
  readonly apiVersion: string;
  /** File of the object after the change (before, for a removed object). */
  readonly file: string;
  readonly fields: readonly FieldChange[];
  /** Whether the change applies in place, restarts pods or needs a replace (lib/review/apply-safety.ts). */
  readonly verdict?: SafetyVerdict;
}

/** A non-manifest file (kustomization lists, generated documents, the CI fragment) that differs. */
export interface FileChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly file: string;
}

export interface TreeDiff {
  readonly objects: readonly ObjectChange[];
  readonly files: readonly FileChange[];
}

export type Safety = 'in-place' | 'restarts' | 'replace';

export interface SafetyVerdict {
  readonly safety: Safety;
  /** Why: one line per immutable field (with the rule's source) or the template change. */
  readonly reasons: readonly string[];
  /** What the operator does about it. */
  readonly action: string;
  /** Whether the output already makes the change safe on every apply path. */
  readonly handled: boolean;
}
