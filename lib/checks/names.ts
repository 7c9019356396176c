import { appendIndex, appendKey } from './paths';

/**
 * Kubernetes' format and length rules for names, namespaces, label keys and values and annotation keys
 * (k8s.io/apimachinery/pkg/util/validation and the per-kind name validators of the API server, 1.28).
 */

export interface NameProblem {
  readonly path: string;
  readonly value: unknown;
  readonly reason: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

const LABEL_RULE = "a DNS-1123 label: at most 63 characters, lower-case a-z, 0-9 and '-', starting and ending alphanumeric";
const SUBDOMAIN_RULE = "a DNS-1123 subdomain: at most 253 characters, lower-case a-z, 0-9, '-' and '.', each part starting and ending alphanumeric";
const DNS1035_RULE = "a DNS-1035 label: at most 63 characters, lower-case a-z, 0-9 and '-', starting with a letter and ending alphanumeric";

interface NameRule {
  readonly test: (name: string) => boolean;
  readonly rule: string;
}

const label: NameRule = { test: isDns1123Label, rule: LABEL_RULE };
const subdomain: NameRule = { test: isDns1123Subdomain, rule: SUBDOMAIN_RULE };
const pathSegment: NameRule = {
  test: (n) => n.length > 0 && n !== '.' && n !== '..' && !/[/%]/.test(n),
  rule: "a path segment name: not '.' or '..', without '/' or '%'",
};
const within = (rule: NameRule, max: number, why: string): NameRule => ({
  test: (n) => rule.test(n) && n.length <= max,
  rule: `${rule.rule}, and at most ${max} characters (${why})`,
});

/** Name rule per kind; every other kind (custom resources included) is a DNS-1123 subdomain. */
const NAME_RULES: Record<string, NameRule> = {
  Namespace: label,
  Service: { test: (n) => n.length <= 63 && DNS1035_LABEL.test(n), rule: DNS1035_RULE },
  Role: pathSegment,
  ClusterRole: pathSegment,
  RoleBinding: pathSegment,
  ClusterRoleBinding: pathSegment,
  CronJob: within(subdomain, 52, 'the CronJob controller appends 11 characters to name its Jobs'),
  Job: within(subdomain, 63, "its pods carry the label 'batch.kubernetes.io/job-name' with the Job's name"),
  StatefulSet: within(label, 52, "its pods are '<name>-<ordinal>' and carry the label 'controller-revision-hash' of '<name>-<hash>'"),
};

export function checkLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `the prefix '${prefix}' must be ${SUBDOMAIN_RULE}`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return "a label or annotation key is an optional DNS-subdomain prefix and '/', then a name of at most 63 characters from [A-Za-z0-9-_.], starting and ending alphanumeric";
  }
  return undefined;
}

export function checkLabelValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'a label value is a string';
  if (value.length > 63 || !LABEL_VALUE.test(value)) return 'a label value is empty or at most 63 characters from [A-Za-z0-9-_.], starting and ending alphanumeric';
  return undefined;
}

const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function checkLabels(labels: unknown, path: string, problems: NameProblem[]): void {
  if (typeof labels !== 'object' || labels === null) return;
  for (const [key, value] of Object.entries(labels)) {
    const keyProblem = checkLabelKey(key);
    if (keyProblem) problems.push({ path: `${path}`, value: key, reason: keyProblem });
    const valueProblem = checkLabelValue(value);
    if (valueProblem) problems.push({ path: appendKey(path, key), value, reason: valueProblem });
  }
}

function checkAnnotations(annotations: unknown, path: string, problems: NameProblem[]): void {
  if (typeof annotations !== 'object' || annotations === null) return;
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const keyProblem = checkLabelKey(key);
    if (keyProblem) problems.push({ path, value: key, reason: keyProblem });
    size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (size > ANNOTATIONS_MAX_BYTES) problems.push({ path, value: `${size} bytes`, reason: `annotations total at most ${ANNOTATIONS_MAX_BYTES} bytes` });
}

/** The field path of `trail` (keys and indexes from the object's root), as `appendKey`/`appendIndex` write it. */
function pathOf(trail: readonly (string | number)[]): string {
  let path = '';
  for (const step of trail) path = typeof step === 'number' ? appendIndex(path, step) : appendKey(path, step);
  return path;
}

/**
 * Labels, selectors and annotations anywhere in the object: metadata, pod templates, label selectors. `trail`
 * is one stack of the keys and indexes walked, pushed and popped: a path is written only where labels are.
 */
function walk(node: unknown, trail: (string | number)[], problems: NameProblem[]): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const item: unknown = node[i];
      if (typeof item !== 'object' || item === null) continue;
      trail.push(i);
      walk(item, trail, problems);
      trail.pop();
    }
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const map = node as Record<string, unknown>;
  // for…in: the objects are plain JSON data (own enumerable keys only), and it allocates no key list.
  for (const key in map) {
    const value = map[key];
    // Only objects hold labels, selectors or annotations (a scalar under `metadata` or `matchLabels` is the schema's to refuse).
    if (typeof value !== 'object' || value === null) continue;
    trail.push(key);
    if (key === 'metadata' && typeof value === 'object' && value !== null) {
      const metadata = value as { readonly labels?: unknown; readonly annotations?: unknown };
      const child = pathOf(trail);
      checkLabels(metadata.labels, appendKey(child, 'labels'), problems);
      checkAnnotations(metadata.annotations, appendKey(child, 'annotations'), problems);
    }
    if (key === 'matchLabels') checkLabels(value, pathOf(trail), problems);
    walk(value, trail, problems);
    trail.pop();
  }
}

/** Name, namespace, label and annotation problems of one object; `namespaced` is the kind's scope. */
export function nameProblems(object: { kind?: unknown; metadata?: { readonly name?: unknown; readonly namespace?: unknown } }, namespaced: boolean | undefined): NameProblem[] {
  const problems: NameProblem[] = [];
  const kind = String(object.kind);
  const name = object.metadata?.name;
  const rule = NAME_RULES[kind] ?? subdomain;
  if (typeof name !== 'string' || name.length === 0) {
    problems.push({ path: 'metadata.name', value: name, reason: 'every object we write has a fixed name (no generateName)' });
  } else if (!rule.test(name)) {
    problems.push({ path: 'metadata.name', value: name, reason: `a ${kind} name is ${rule.rule}` });
  }
  const namespace = object.metadata?.namespace;
  if (namespaced === true && namespace === undefined) {
    problems.push({ path: 'metadata.namespace', value: namespace, reason: `${kind} is namespaced: state the namespace (never rely on the default namespace)` });
  } else if (namespaced === false && namespace !== undefined) {
    problems.push({ path: 'metadata.namespace', value: namespace, reason: `${kind} is cluster-scoped: it takes no namespace` });
  } else if (namespace !== undefined && (typeof namespace !== 'string' || !isDns1123Label(namespace))) {
    problems.push({ path: 'metadata.namespace', value: namespace, reason: `a namespace is ${LABEL_RULE}` });
  }
  walk(object, [], problems);
  return problems;
}
