import * as crypto from 'crypto';
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import * as vm from 'vm';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { version as AJV_VERSION } from 'ajv/package.json';
import { appendIndex, appendKey } from './paths';
import { KindSchema, QUANTITY_PATTERN, SchemaBundle } from './schema-generation';

/** A field of an object that breaks its schema: where (dotted path, `[i]` for list items), the value, why. */
export interface SchemaProblem {
  readonly path: string;
  readonly value: unknown;
  readonly reason: string;
}

/**
 * The schema files (`npm run schemas` writes them), read on first use, not bundled: a synth whose validators
 * are precompiled (`.build/validators/`, see `precompiledValidators`) never parses them; inlined in the bundle
 * they were 2.3 MB of its 5.2 MB, read, compiled and parsed by every run (~100 ms of each start in
 * `node --cpu-prof`). From source (jest, tsc) they are beside this file; from the bundle in .build/, in lib/.
 */
function schemaPath(name: string): string {
  const candidates = [path.join(__dirname, 'schemas', name), path.join(__dirname, '..', 'lib', 'checks', 'schemas', name)];
  return candidates.find((file) => fs.existsSync(file)) ?? candidates[0];
}
const SCHEMA_FILES = { core: 'kubernetes-1.28.json', crds: 'crds.json' } as const;
let bundles: { readonly core: SchemaBundle; readonly crds: SchemaBundle } | undefined;
function schemas(): { readonly core: SchemaBundle; readonly crds: SchemaBundle } {
  bundles ??= {
    core: JSON.parse(fs.readFileSync(schemaPath(SCHEMA_FILES.core), 'utf8')) as SchemaBundle,
    crds: JSON.parse(fs.readFileSync(schemaPath(SCHEMA_FILES.crds), 'utf8')) as SchemaBundle,
  };
  return bundles;
}

const kindSchemas = new Map<string, (KindSchema & { source: 'core' | 'crd' }) | undefined>();

/** The schema of `apiVersion/kind`: a Kubernetes 1.28 core kind, else a CRD imported in cdk8s.yaml. */
export function kindSchema(apiVersion: string, kind: string): (KindSchema & { source: 'core' | 'crd' }) | undefined {
  const key = `${apiVersion}/${kind}`;
  // Looked up twice per object validated without a precompiled index: the entry of each kind is made once.
  if (kindSchemas.has(key)) return kindSchemas.get(key);
  const { core, crds } = schemas();
  const entry = core.kinds[key] ? { ...core.kinds[key], source: 'core' as const } : crds.kinds[key] ? { ...crds.kinds[key], source: 'crd' as const } : undefined;
  kindSchemas.set(key, entry);
  return entry;
}

/**
 * Whether `apiVersion/kind` is known, and whether its objects live in a namespace: from the precompiled
 * index when there is one for these schemas (no schema file is parsed), else from the schemas.
 */
export function kindInfo(apiVersion: string, kind: string): { readonly namespaced: boolean } | undefined {
  if (precompiled === undefined) precompiled = findPrecompiled();
  if (precompiled) return precompiled.index.kinds[`${apiVersion}/${kind}`];
  return kindSchema(apiVersion, kind);
}

export function knownKinds(): string[] {
  const { core, crds } = schemas();
  return [...Object.keys(core.kinds), ...Object.keys(crds.kinds)];
}

/** Options of every validator, compiled here or ahead of time (formats are not checked, see schema-generation.ts). */
const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false, validateFormats: false } as const;
/** The layout of `index.json`; part of the fingerprint, so an index of another layout is never read as this one. */
const INDEX_FORMAT = 2;

/**
 * Identifies the schemas and options a precompiled validator module was built from: the bytes of the schema
 * files (read and hashed, 5–11 ms on this machine; not parsed), the ajv release and options, the index layout.
 */
export function validatorFingerprint(): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify([AJV_VERSION, AJV_OPTIONS, INDEX_FORMAT]));
  for (const name of Object.values(SCHEMA_FILES)) hash.update('\0').update(fs.readFileSync(schemaPath(name)));
  return hash.digest('hex').slice(0, 16);
}

function kindSchemaForAjv(entry: KindSchema & { source: 'core' | 'crd' }): object {
  // A top-level object states its apiVersion and kind (optional in the shared definition, see schema-generation).
  return entry.source === 'core' ? { allOf: [{ $ref: `k8s${(entry.schema as { $ref: string }).$ref}` }], required: ['apiVersion', 'kind'] } : entry.schema;
}

function newAjv(source: boolean): Ajv {
  const instance = new Ajv({ ...AJV_OPTIONS, code: { source } });
  instance.addSchema({ $id: 'k8s', definitions: schemas().core.definitions });
  return instance;
}

/** `.build/validators/index.json`: which module holds which kind's validator, and what they were built from. */
export interface PrecompiledIndex {
  readonly fingerprint: string;
  /** `apiVersion/kind` → its module's file name in the same folder, and whether the kind is namespaced. */
  readonly kinds: Record<string, { readonly file: string; readonly namespaced: boolean }>;
}

/**
 * Every known kind's validator compiled ahead of time (ajv standalone), one CommonJS module per kind,
 * exporting `validate`: compiling the large CRD and pod schemas takes seconds, loading them a fraction of
 * that, and a synth loads only the kinds it writes (about a third of them) instead of all 15 MB.
 * `npm run build` writes them to .build/validators/, keyed by `validatorFingerprint()`.
 */
export function precompiledValidators(): { index: PrecompiledIndex; files: Map<string, string> } {
  const instance = newAjv(true);
  const ids = knownKinds().map((key, i) => {
    const slash = key.lastIndexOf('/');
    const entry = kindSchema(key.slice(0, slash), key.slice(slash + 1))!;
    instance.addSchema({ ...kindSchemaForAjv(entry), $id: `kind${i}` });
    return { key, id: `kind${i}`, namespaced: entry.namespaced };
  });
  const kinds: PrecompiledIndex['kinds'] = {};
  const files = new Map<string, string>();
  for (const { key, id, namespaced } of ids) {
    kinds[key] = { file: `${id}.js`, namespaced };
    files.set(`${id}.js`, standaloneCode(instance, { validate: id }));
  }
  return { index: { fingerprint: validatorFingerprint(), kinds }, files };
}

let ajv: Ajv | undefined;
/** The folder of precompiled validators in use and its index; null when there is none for these schemas. */
let precompiled: { readonly dir: string; readonly index: PrecompiledIndex } | null | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The precompiled modules loaded so far, and whether V8 had to compile each (no usable code cache). */
const loaded: { readonly file: string; readonly script: vm.Script; cacheWanted: boolean }[] = [];

/** The index of the validators `npm run build` compiled ahead of time, if present and built from these very schemas. */
function findPrecompiled(): { dir: string; index: PrecompiledIndex } | null {
  // Bundled, this file lives in .build/ beside the folder; from source (jest), two folders up.
  for (const dir of [path.join(__dirname, 'validators'), path.join(__dirname, '..', '..', '.build', 'validators')]) {
    let index: PrecompiledIndex;
    try {
      index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as PrecompiledIndex;
    } catch {
      continue;
    }
    if (index.fingerprint === validatorFingerprint()) return { dir, index };
  }
  return null;
}

/**
 * Loads one precompiled kind's module. V8's code cache for it (`<file>.cache`, written after the first
 * synth that used it) skips parsing and compiling it again.
 */
function loadPrecompiled(dir: string, name: string): ValidateFunction {
  const file = path.join(dir, name);
  const cacheFile = `${file}.cache`;
  const cachedData = fs.existsSync(cacheFile) ? fs.readFileSync(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as { validate?: ValidateFunction } };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, dir);
  loaded.push({ file, script, cacheWanted: cachedData === undefined || script.cachedDataRejected === true });
  return module.exports.validate!;
}

/**
 * Digests of objects the precompiled validators of this very fingerprint found valid in earlier runs
 * (`valid-objects` in their folder). Validation is a pure function of the object and the schemas, so an
 * object with the same bytes need not be validated again: a synth where nothing changed loads no validator
 * at all, and one after a tag change validates the few objects that changed. Only successes are recorded;
 * an invalid object is validated (and reported) every time.
 */
let validObjects: { readonly file: string; readonly previous: readonly string[]; readonly current: Set<string>; known: Set<string>; readonly added: string[] } | undefined;
/** Digests kept from earlier runs besides this run's own, so alternating environments or inputs stay warm. */
const VALID_OBJECTS_KEPT = 20_000;

function validObjectMemo(): typeof validObjects {
  if (validObjects || !precompiled) return validObjects;
  const file = path.join(precompiled.dir, 'valid-objects');
  let previous: string[] = [];
  try {
    previous = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
  } catch {
    previous = [];
  }
  validObjects = { file, previous, current: new Set(), known: new Set(previous), added: [] };
  return validObjects;
}

/** SHA-256 of the object's JSON, base64: Node's one-shot `crypto.hash` (20.12 and later) where there is one. */
const sha256 = typeof crypto.hash === 'function' ? (text: string): string => crypto.hash('sha256', text, 'base64') : (text: string): string => crypto.createHash('sha256').update(text).digest('base64');

function objectDigest(object: unknown): string {
  return sha256(JSON.stringify(object));
}

/**
 * Writes the build caches of this run's validation (never dist/): V8's code cache of the precompiled
 * validators once they have run (so it holds the functions compiled lazily along the way), and the digests
 * of the objects found valid. Does nothing when both are current.
 */
export function saveValidatorCodeCache(): void {
  const write = (file: string, data: string | Buffer): void => {
    try {
      const temp = `${file}.tmp-${process.pid}`;
      fs.writeFileSync(temp, data);
      fs.renameSync(temp, file);
    } catch {
      // A read-only .build/ only costs speed.
    }
  };
  for (const entry of loaded) {
    if (!entry.cacheWanted) continue;
    entry.cacheWanted = false;
    write(`${entry.file}.cache`, entry.script.createCachedData());
  }
  if (validObjects && validObjects.added.length > 0) {
    const { file, previous, current, added } = validObjects;
    if (previous.length + added.length <= 2 * VALID_OBJECTS_KEPT) {
      // The digests this run found valid, appended: a run that validated a few objects (a tag changed) writes
      // those lines, not the whole file again (~20 ms of a tag change's profile). A line torn by a concurrent
      // writer matches no digest, so it only costs a validation.
      try {
        fs.appendFileSync(file, `${added.join('\n')}\n`);
      } catch {
        // A read-only .build/ only costs speed.
      }
    } else {
      // Grown to twice the bound: the most recent others, then this run's own (the file runs oldest to newest,
      // as the appends leave it).
      const kept = [...previous.filter((d) => !current.has(d)).slice(-VALID_OBJECTS_KEPT), ...current];
      write(file, `${kept.join('\n')}\n`);
    }
    added.length = 0;
  }
}

/** Compiled ahead of time where `npm run build` did so, else lazily per kind (a synth compiles only the kinds it writes). */
function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  let validate = compiled.get(key);
  if (validate) return validate;
  if (precompiled === undefined) precompiled = findPrecompiled();
  const file = precompiled?.index.kinds[key]?.file;
  if (precompiled && file) validate = loadPrecompiled(precompiled.dir, file);
  else {
    const entry = kindSchema(apiVersion, kind);
    if (!entry) return undefined;
    ajv ??= newAjv(false);
    validate = ajv.compile(kindSchemaForAjv(entry));
  }
  compiled.set(key, validate);
  return validate;
}

/** `/spec/containers/0/name` → `spec.containers[0].name`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    out = typeof segment === 'number' || /^\d+$/.test(String(segment)) ? appendIndex(out, segment) : appendKey(out, segment);
  }
  return out;
}

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (const segment of segments) current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[segment] : undefined;
  return current;
}

/** The schema keys of the object at that point, for "did you mean". */
function allowedKeys(error: ErrorObject): string[] {
  const parent = (error.parentSchema ?? {}) as { properties?: Record<string, unknown> };
  return Object.keys(parent.properties ?? {});
}

/** Closest allowed name by edit distance, when close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function describe(error: ErrorObject, object: unknown): SchemaProblem {
  const segments = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = allowedKeys(error);
      const hint = closest(field, allowed);
      return {
        path: formatPath([...segments, field]),
        value: valueAt(object, [...segments, field]),
        reason: `unknown field${hint ? ` (did you mean '${hint}'?)` : allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ' (this object takes no fields)'}`,
      };
    }
    case 'required':
      return { path: formatPath([...segments, String(params.missingProperty)]), value: undefined, reason: 'required field is missing' };
    case 'const':
      return { path: formatPath(segments), value: valueAt(object, segments), reason: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'enum':
      return { path: formatPath(segments), value: valueAt(object, segments), reason: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'anyOf':
    case 'oneOf': {
      // An anyOf/oneOf keyword's schema is its list of branch schemas.
      const schemaBranches = (error.schema ?? []) as readonly { readonly pattern?: string; readonly type?: string; readonly required?: readonly string[] }[];
      if (schemaBranches.some((b) => b.pattern === QUANTITY_PATTERN)) {
        return { path: formatPath(segments), value: valueAt(object, segments), reason: 'must be a Kubernetes quantity (e.g. 250m, 1, 512Mi, 2Gi)' };
      }
      const branches = schemaBranches.map((b) => b.type ?? (b.required ? `an object with ${b.required.join(', ')}` : 'a value of another shape'));
      return { path: formatPath(segments), value: valueAt(object, segments), reason: `must match ${error.keyword === 'oneOf' ? 'exactly one' : 'one'} of: ${branches.join(' | ')}` };
    }
    default:
      return { path: formatPath(segments), value: valueAt(object, segments), reason: error.message ?? error.keyword };
  }
}

/**
 * Every schema violation of one object. Errors inside the branches of an anyOf/oneOf are folded into the
 * anyOf's own error, so an int-or-string gets one line, not three.
 */
export function schemaProblems(object: { apiVersion?: unknown; kind?: unknown }): SchemaProblem[] | undefined {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    return [{ path: typeof object.apiVersion !== 'string' ? 'apiVersion' : 'kind', value: undefined, reason: 'required field is missing' }];
  }
  if (!kindInfo(object.apiVersion, object.kind)) return undefined;
  const memo = validObjectMemo();
  const digest = memo ? objectDigest(object) : '';
  if (memo?.known.has(digest)) {
    memo.current.add(digest);
    return [];
  }
  const validate = validatorFor(object.apiVersion, object.kind)!;
  if (validate(object)) {
    if (memo) {
      memo.current.add(digest);
      memo.known.add(digest);
      memo.added.push(digest);
    }
    return [];
  }
  const errors = validate.errors ?? [];
  const folded = errors.filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf' ? true : !errors.some((o) => (o.keyword === 'anyOf' || o.keyword === 'oneOf') && e.instancePath.startsWith(o.instancePath) && e.schemaPath.startsWith(`${o.schemaPath}/`))));
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of folded) {
    const problem = describe(error, object);
    const key = `${problem.path}\0${problem.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}
