import { identify, KubeObject, ManifestFile } from '../k8s/objects';
import { InputError } from '../platform/errors';
import { nameProblems } from './names';
import { kindInfo, schemaProblems } from './schema-validator';

/** One reason an object cannot be written. */
export interface ObjectProblem {
  /** `Deployment nx-backend/nx-identity`. */
  readonly object: string;
  /** Field path inside the object, `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly value: unknown;
  readonly reason: string;
}

/**
 * Everything wrong with one object: its kind is known (a Kubernetes 1.28 core kind or an imported CRD), it
 * matches that kind's schema strictly, its name, namespace, labels and annotations follow Kubernetes' rules.
 */
export function objectProblems(object: KubeObject): ObjectProblem[] {
  const who = identify(object);
  const missing = (['apiVersion', 'kind'] as const).filter((field) => typeof object[field] !== 'string' || object[field] === '');
  if (missing.length > 0) return missing.map((field) => ({ object: who, path: field, value: undefined, reason: 'required field is missing' }));
  const entry = kindInfo(object.apiVersion, object.kind);
  if (!entry) {
    return [{ object: who, path: 'apiVersion', value: `${object.apiVersion}/${object.kind}`, reason: 'unknown kind: allowed are the Kubernetes 1.28 core kinds and the CRDs imported in cdk8s.yaml (npm run import, npm run schemas)' }];
  }
  const schema = schemaProblems(object) ?? [];
  const names = nameProblems(object, entry.namespaced);
  return [...schema, ...names].map((p) => ({ object: who, ...p }));
}

/** Every problem of every object, in output order. */
export function manifestProblems(objects: readonly KubeObject[]): ObjectProblem[] {
  return objects.flatMap(objectProblems);
}

export function formatProblem(problem: ObjectProblem, file?: string): string {
  const value = problem.value === undefined ? '' : ` = ${JSON.stringify(problem.value)}`;
  return `${problem.object}${file ? ` (${file})` : ''}: ${problem.path}${value}: ${problem.reason}`;
}

/**
 * Refuses to go on when any object is invalid: throws an `InputError` naming the first bad object, the field
 * path and the reason (the CLI prints it as one line and writes nothing); the count says how many more.
 */
export function assertValidManifests(manifests: readonly ManifestFile[]): void {
  const problems = manifests.flatMap((m) => objectProblems(m.object).map((p) => ({ problem: p, file: m.path })));
  if (problems.length === 0) return;
  const [{ problem, file }] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: npm run validate lists them all)` : '';
  throw new ManifestError(`${problem.object} (${file}): ${problem.path}`, problem.value ?? null, `${problem.reason}${more}`, problems.map((p) => formatProblem(p.problem, p.file)));
}

/** Invalid synthesized objects: the message names the first; `problems` lists every one, a line each. */
export class ManifestError extends InputError {
  constructor(input: string, value: unknown, allowed: string, public readonly problems: readonly string[]) {
    super(input, value, allowed);
    this.name = 'ManifestError';
  }
}
