import { parseAllDocuments } from 'yaml';
import { appendIndex, appendKey } from '../checks/paths';
import { classify } from './apply-safety';
import { ABSENT, FieldChange, FileChange, ObjectChange, SafetyVerdict, TreeDiff, Value } from './changes';

export { ABSENT } from './changes';
export type { FieldChange, FileChange, ObjectChange, TreeDiff, Value } from './changes';

/**
 * Object-level comparison of two output trees (`dist/` as committed, and a fresh synth): objects are matched by
 * environment, apiVersion, kind, namespace and name — never by file — so a moved file is not an add and a
 * remove, and a changed object lists the fields that move, as paths with old → new values.
 */

interface Parsed {
  readonly environment: string;
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly body: unknown;
}

/** A file holds a Kubernetes object when it parses to one mapping with apiVersion, kind and metadata.name. */
function parseObject(file: string, content: string): Parsed | undefined {
  if (!file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) return undefined;
  const docs = parseAllDocuments(content);
  if (docs.length !== 1 || ('errors' in docs[0] && docs[0].errors.length > 0)) return undefined;
  // Parsed YAML: unknown until the fields read are checked.
  const body = docs[0].toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: string } } | null;
  if (!body || typeof body.apiVersion !== 'string' || typeof body.kind !== 'string' || typeof body.metadata?.name !== 'string') return undefined;
  return {
    environment: file.split('/')[0],
    file,
    apiVersion: body.apiVersion,
    kind: body.kind,
    namespace: body.metadata.namespace,
    name: body.metadata.name,
    body,
  };
}

const keyOf = (p: Parsed) => `${p.environment}\0${p.apiVersion}\0${p.kind}\0${p.namespace ?? ''}\0${p.name}`;
const label = (p: Parsed) => `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}`;

function index(tree: ReadonlyMap<string, string>): { objects: Map<string, Parsed>; others: Map<string, string> } {
  const objects = new Map<string, Parsed>();
  const others = new Map<string, string>();
  for (const [file, content] of tree) {
    const parsed = parseObject(file, content);
    if (parsed && !objects.has(keyOf(parsed))) objects.set(keyOf(parsed), parsed);
    else others.set(file, content);
  }
  return { objects, others };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Arrays whose items are all objects with a unique string `name` are matched by name (containers, ports, env). */
function namedItems(list: readonly unknown[]): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string' || map.has(item.name)) return undefined;
    map.set(item.name, item);
  }
  return map;
}


/** Every leaf that differs, as a path; an array of scalars that changes length is one change of the whole list. */
export function fieldChanges(before: Value, after: Value, path = ''): FieldChange[] {
  // A subtree that appears or disappears is listed leaf by leaf, so a reviewer reads every value it brings.
  if ((isRecord(before) || before === ABSENT) && (isRecord(after) || after === ABSENT) && before !== after) {
    const a = isRecord(before) ? before : {};
    const b = isRecord(after) ? after : {};
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    if (keys.length > 0) return keys.flatMap((k) => fieldChanges(k in a ? a[k] : ABSENT, k in b ? b[k] : ABSENT, appendKey(path, k)));
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(k in before ? before[k] : ABSENT, k in after ? after[k] : ABSENT, appendKey(path, k)));
  }
  if ((Array.isArray(before) || before === ABSENT) && (Array.isArray(after) || after === ABSENT) && before !== after) {
    const a = namedItems(Array.isArray(before) ? before : []);
    const b = namedItems(Array.isArray(after) ? after : []);
    if (a && b && (a.size > 0 || b.size > 0)) {
      const names = [...new Set([...a.keys(), ...b.keys()])];
      return names.flatMap((n) => fieldChanges(a.has(n) ? a.get(n) : ABSENT, b.has(n) ? b.get(n) : ABSENT, `${path}[name=${n}]`));
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) return before.flatMap((item, i) => fieldChanges(item, after[i], appendIndex(path, i)));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path, before, after }];
}

/** Compares two trees of `<env>/...` files (relative paths → content). */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): TreeDiff {
  const a = index(before);
  const b = index(after);
  const objects: ObjectChange[] = [];
  for (const [key, next] of b.objects) {
    const prev = a.objects.get(key);
    if (!prev) {
      objects.push({ change: 'added', environment: next.environment, object: label(next), apiVersion: next.apiVersion, file: next.file, fields: [] });
      continue;
    }
    const fields = fieldChanges(prev.body, next.body);
    if (prev.file !== next.file) fields.unshift({ path: '(file)', before: prev.file, after: next.file });
    if (fields.length > 0) {
      const change: ObjectChange = { change: 'changed', environment: next.environment, object: label(next), apiVersion: next.apiVersion, file: next.file, fields };
      objects.push({ ...change, verdict: classify(change, (next.body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {}) });
    }
  }
  for (const [key, prev] of a.objects) {
    if (!b.objects.has(key)) objects.push({ change: 'removed', environment: prev.environment, object: label(prev), apiVersion: prev.apiVersion, file: prev.file, fields: [] });
  }
  const files: FileChange[] = [];
  for (const [file, content] of b.others) {
    if (!a.others.has(file)) files.push({ change: 'added', file });
    else if (a.others.get(file) !== content) files.push({ change: 'changed', file });
  }
  for (const file of a.others.keys()) if (!b.others.has(file)) files.push({ change: 'removed', file });
  const order = (x: { environment?: string; file: string }, y: { environment?: string; file: string }) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0);
  return { objects: objects.sort(order), files: files.sort(order) };
}

export function isEmpty(diff: TreeDiff): boolean {
  return diff.objects.length === 0 && diff.files.length === 0;
}

const MAX_VALUE = 160;

export function formatValue(value: Value): string {
  if (value === ABSENT) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const SIGN = { added: '+', removed: '-', changed: '~' } as const;

function summary(diff: TreeDiff): string {
  const count = (c: string) => diff.objects.filter((o) => o.change === c).length;
  const safety = (s: string) => diff.objects.filter((o) => o.verdict?.safety === s).length;
  const unsafe = unsafeChanges(diff).length;
  return (
    `${count('changed')} changed, ${count('added')} added, ${count('removed')} removed objects; ${diff.files.length} other files differ. ` +
    `Apply-safety: ${safety('in-place')} in place, ${safety('restarts')} restart pods, ${safety('replace')} need a replace` +
    (unsafe > 0 ? ` (${unsafe} not handled by the output: cannot apply in place)` : '')
  );
}

/** Changed objects whose change the API server or a webhook refuses, and that the output does not handle. */
export function unsafeChanges(diff: TreeDiff): ObjectChange[] {
  return diff.objects.filter((o) => o.verdict?.safety === 'replace' && !o.verdict.handled);
}

function verdictText(v: SafetyVerdict): string {
  if (v.safety === 'replace') return v.handled ? 'replace, handled by the output' : 'NEEDS REPLACE';
  return v.safety === 'restarts' ? 'restarts pods' : 'in place';
}

/** Plain text, for a terminal. */
export function renderText(diff: TreeDiff): string {
  if (isEmpty(diff)) return 'No differences: dist/ is what a fresh synth writes.\n';
  const lines = [summary(diff)];
  for (const o of diff.objects) {
    lines.push(`${SIGN[o.change]} ${o.environment}: ${o.object} (${o.apiVersion}) ${o.file}${o.verdict ? ` [${verdictText(o.verdict)}]` : ''}`);
    if (o.verdict && o.verdict.safety !== 'in-place') {
      for (const r of o.verdict.reasons) lines.push(`    ! ${r}`);
      lines.push(`    → ${o.verdict.action}`);
    }
    for (const f of o.fields) lines.push(`    ${f.path}: ${formatValue(f.before)} → ${formatValue(f.after)}`);
  }
  for (const f of diff.files) lines.push(`${SIGN[f.change]} file ${f.file}`);
  return lines.join('\n') + '\n';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown for a merge-request comment: a summary, then one section per environment. */
export function renderMarkdown(diff: TreeDiff): string {
  if (isEmpty(diff)) return '### Manifest diff\n\nNo differences: `dist/` is what a fresh synth writes.\n';
  const out = ['### Manifest diff', '', summary(diff), ''];
  const environments = [...new Set([...diff.objects.map((o) => o.environment), ...diff.files.map((f) => f.file.split('/')[0])])].sort();
  for (const env of environments) {
    out.push(`#### ${env}`, '');
    const objects = diff.objects.filter((o) => o.environment === env);
    if (objects.length > 0) {
      out.push('| | object | apiVersion | file | apply |', '|---|---|---|---|---|');
      for (const o of objects) {
        const apply = o.verdict ? (o.verdict.safety === 'in-place' ? verdictText(o.verdict) : `**${verdictText(o.verdict)}**: ${cell(o.verdict.reasons.join('; '))}. ${cell(o.verdict.action)}`) : '–';
        out.push(`| ${o.change} | \`${cell(o.object)}\` | ${o.apiVersion} | \`${o.file}\` | ${apply} |`);
      }
      out.push('');
      for (const o of objects.filter((x) => x.fields.length > 0)) {
        out.push(`<details><summary>${o.object}: ${o.fields.length} field${o.fields.length === 1 ? '' : 's'}</summary>`, '');
        out.push('| field | before | after |', '|---|---|---|');
        for (const f of o.fields) out.push(`| \`${cell(f.path)}\` | \`${cell(formatValue(f.before))}\` | \`${cell(formatValue(f.after))}\` |`);
        out.push('', '</details>', '');
      }
    }
    const files = diff.files.filter((f) => f.file.split('/')[0] === env);
    if (files.length > 0) {
      out.push('Other files:', '');
      for (const f of files) out.push(`- ${f.change}: \`${f.file}\``);
      out.push('');
    }
  }
  return out.join('\n');
}
