import { createHash } from 'crypto';
import { parseAllDocuments } from 'yaml';

/**
 * Turns the sources of truth the project already depends on into the compact, strict JSON schemas that
 * `schema-validator.ts` checks every object against:
 *
 * - core kinds of Kubernetes 1.28: the jsii assembly and `k8s.js` of `cdk8s-plus-28`, which `cdk8s import
 *   k8s@1.28.0` generated from the Kubernetes 1.28 OpenAPI definitions (no npm package ships those
 *   definitions for 1.28 as JSON: kubernetes-models jumps from 1.27.1 to 1.33, kubernetes-types from 1.26 to
 *   1.29), plus its `api-resources.txt` for the scope of each kind;
 * - custom resources: the `openAPIV3Schema` of every CRD listed in cdk8s.yaml `imports:`.
 *
 * Pure functions (text in, JSON out) so that the generator and the "generated files are current" test share them.
 */

export type JsonSchema = { [key: string]: unknown };

/** One kind the validator knows: its schema (a `$ref` into the definitions) and whether it is namespaced. */
export interface KindSchema {
  readonly namespaced: boolean;
  readonly schema: JsonSchema;
}

/** A generated schema file: where it came from, shared definitions, and one entry per `apiVersion/kind`. */
export interface SchemaBundle {
  readonly generatedFrom: Readonly<Record<string, string>>;
  readonly definitions: Readonly<Record<string, JsonSchema>>;
  readonly kinds: Readonly<Record<string, KindSchema>>;
}

/** Kubernetes' quantity grammar (resource.Quantity), as kubeconform's schemas spell it. */
export const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const K8S = 'cdk8s-plus-28.k8s.';

/**
 * jsii has one `number` type; the Kubernetes API has integers (int32/int64) almost everywhere. These are the
 * only floating-point fields of the 1.28 core definitions (JSONSchemaProps, type `number`, format `double`).
 */
const FLOAT_FIELDS = new Set(['JsonSchemaProps.maximum', 'JsonSchemaProps.minimum', 'JsonSchemaProps.multipleOf']);

interface JsiiType {
  readonly fqn: string;
  readonly kind: 'interface' | 'class' | 'enum';
  readonly name: string;
  readonly properties?: readonly { readonly name: string; readonly optional?: boolean; readonly type: JsiiTypeRef; readonly static?: boolean }[];
}
type JsiiTypeRef =
  | { readonly primitive: string }
  | { readonly fqn: string }
  | { readonly collection: { readonly kind: 'array' | 'map'; readonly elementtype: JsiiTypeRef } }
  | { readonly union: { readonly types: readonly JsiiTypeRef[] } };

/** `'wireName': ... obj.jsiiName` lines of every `toJson_<Type>` function of k8s.js. */
function wireNames(k8sJs: string): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of k8sJs.split('\n')) {
    const start = /^function toJson_(\w+)\(obj\)/.exec(line);
    if (start) {
      current = new Map();
      result.set(start[1], current);
      continue;
    }
    if (line.startsWith('}')) current = undefined;
    const field = current && /^\s*'([^']+)': .*?\bobj\.(\w+)/.exec(line);
    if (field) current!.set(field[2], field[1]);
  }
  return result;
}

/** `Enum["MEMBER"] = "value";` lines of one enum of k8s.js. */
function enumValues(k8sJs: string, name: string): string[] {
  const re = new RegExp(`\\b${name}\\["\\w+"\\] = "([^"]*)"`, 'g');
  return [...k8sJs.matchAll(re)].map((m) => m[1]);
}

/** `KubeX.GVK = { apiVersion: '...', kind: '...' }` of every API object class of k8s.js. */
function groupVersionKinds(k8sJs: string): Map<string, { apiVersion: string; kind: string }> {
  const result = new Map<string, { apiVersion: string; kind: string }>();
  const re = /^(Kube\w+)\.GVK = \{\s*apiVersion: '([^']+)',\s*kind: '([^']+)',\s*\};/gm;
  for (let m = re.exec(k8sJs); m; m = re.exec(k8sJs)) result.set(m[1], { apiVersion: m[2], kind: m[3] });
  return result;
}

/** `group/Kind` → namespaced, from `kubectl api-resources` output. */
function scopes(apiResources: string): Map<string, boolean> {
  const lines = apiResources.split('\n').filter((l) => l.trim().length > 0);
  const header = lines[0];
  const columns = ['APIVERSION', 'NAMESPACED', 'KIND'].map((c) => header.indexOf(c));
  const result = new Map<string, boolean>();
  for (const line of lines.slice(1)) {
    const [apiVersion, namespaced, kind] = columns.map((start, i) => line.slice(start, i < 2 ? columns[i + 1] : undefined).trim().split(/\s+/)[0]);
    result.set(`${groupOf(apiVersion)}/${kind}`, namespaced === 'true');
  }
  return result;
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** The Kubernetes 1.28 core kinds as strict JSON schemas (unknown fields are errors). */
export function coreSchemas(jsiiAssembly: string, k8sJs: string, apiResources: string): SchemaBundle {
  const assembly = JSON.parse(jsiiAssembly) as { version: string; types: Record<string, JsiiType> };
  const names = wireNames(k8sJs);
  const gvks = groupVersionKinds(k8sJs);
  const scope = scopes(apiResources);
  const types = Object.values(assembly.types).filter((t) => t.fqn.startsWith(K8S));

  const ref = (type: JsiiTypeRef, owner: string, field: string): JsonSchema => {
    if ('primitive' in type) {
      switch (type.primitive) {
        case 'string':
          return { type: 'string' };
        case 'boolean':
          return { type: 'boolean' };
        case 'number':
          return { type: FLOAT_FIELDS.has(`${owner}.${field}`) ? 'number' : 'integer' };
        case 'date':
          return { type: 'string' };
        case 'any':
        case 'json':
          return {};
        default:
          throw new Error(`${owner}.${field}: unexpected jsii primitive '${type.primitive}'`);
      }
    }
    if ('fqn' in type) {
      const name = type.fqn.slice(K8S.length);
      if (name === 'IntOrString') return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
      if (name === 'Quantity') return { anyOf: [{ type: 'string', pattern: QUANTITY_PATTERN }, { type: 'number' }] };
      return { $ref: `#/definitions/${name}` };
    }
    if ('collection' in type) {
      const element = ref(type.collection.elementtype, owner, field);
      return type.collection.kind === 'array' ? { type: 'array', items: element } : { type: 'object', additionalProperties: element };
    }
    throw new Error(`${owner}.${field}: unexpected jsii type ${JSON.stringify(type)}`);
  };

  const definitions: Record<string, JsonSchema> = {};
  const kinds: Record<string, KindSchema> = {};
  for (const type of types) {
    if (type.kind === 'enum') {
      const values = enumValues(k8sJs, type.name);
      if (values.length === 0) throw new Error(`k8s.js has no values for enum ${type.name}`);
      definitions[type.name] = { type: 'string', enum: values };
      continue;
    }
    if (type.kind !== 'interface') continue;
    const wire = names.get(type.name);
    if (!wire) throw new Error(`k8s.js has no toJson_${type.name}: cannot map its field names`);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const property of type.properties ?? []) {
      const name = wire.get(property.name);
      if (!name) throw new Error(`toJson_${type.name} does not write '${property.name}'`);
      properties[name] = ref(property.type, type.name, property.name);
      if (!property.optional) required.push(name);
    }
    const gvk = type.name.endsWith('Props') ? gvks.get(type.name.slice(0, -'Props'.length)) : undefined;
    if (gvk) {
      // The props of an API object class are its fields but apiVersion and kind, which the class writes. They
      // are optional here, because the same definition is embedded where the API leaves them out (a
      // StatefulSet's volumeClaimTemplates); the validator requires them of a top-level object.
      properties.apiVersion = { const: gvk.apiVersion };
      properties.kind = { const: gvk.kind };
      const namespaced = scope.get(`${groupOf(gvk.apiVersion)}/${gvk.kind}`);
      if (namespaced !== undefined || !gvk.kind.endsWith('List')) {
        kinds[`${gvk.apiVersion}/${gvk.kind}`] = { namespaced: namespaced ?? true, schema: { $ref: `#/definitions/${type.name}` } };
      }
    }
    definitions[type.name] = sortKeys({
      type: 'object',
      properties: sortKeys(properties),
      ...(required.length > 0 ? { required: [...new Set(required)] } : {}),
      additionalProperties: false,
    });
  }
  if (!definitions.ObjectMeta) throw new Error('no ObjectMeta in the cdk8s-plus-28 assembly');
  return {
    generatedFrom: { 'cdk8s-plus-28': assembly.version, kubernetes: '1.28.0' },
    definitions: sortKeys(definitions),
    kinds: sortKeys(kinds),
  };
}

/** One CRD file as cdk8s.yaml imports it: its path (as written there) and its text. */
export interface CrdSource {
  readonly path: string;
  readonly text: string;
}

/** The CRD paths of cdk8s.yaml `imports:` (`name:=path` entries; `k8s@x` entries are not files). */
export function crdPaths(cdk8sYaml: string): string[] {
  const doc = parseAllDocuments(cdk8sYaml)[0].toJS() as { imports?: string[] };
  return (doc.imports ?? []).filter((i) => i.includes(':=')).map((i) => i.slice(i.indexOf(':=') + 2));
}

/**
 * Every served version of every CRD in the sources, as a strict schema. `metadata` is the core ObjectMeta
 * (definition `ObjectMeta` of the core bundle, referenced as `k8s#/definitions/ObjectMeta`).
 */
export function crdSchemas(sources: readonly CrdSource[]): SchemaBundle {
  const kinds: Record<string, KindSchema> = {};
  const generatedFrom: Record<string, string> = {};
  for (const source of sources) {
    generatedFrom[source.path] = `sha256:${createHash('sha256').update(source.text).digest('hex')}`;
    for (const doc of parseAllDocuments(source.text)) {
      const crd = doc.toJS() as any;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const { group, names, scope, versions } = crd.spec;
      for (const version of versions ?? []) {
        if (!version.served) continue;
        const raw = version.schema?.openAPIV3Schema;
        if (!raw) throw new Error(`${source.path}: ${names.kind} ${version.name} has no openAPIV3Schema`);
        const apiVersion = `${group}/${version.name}`;
        const schema = strict(raw, false);
        const properties = { ...(schema.properties as Record<string, JsonSchema>) };
        properties.apiVersion = { const: apiVersion };
        properties.kind = { const: names.kind };
        properties.metadata = { $ref: 'k8s#/definitions/ObjectMeta' };
        const required = new Set([...((schema.required as string[]) ?? []), 'apiVersion', 'kind', 'metadata']);
        kinds[`${apiVersion}/${names.kind}`] = {
          namespaced: scope === 'Namespaced',
          schema: sortKeys({ ...schema, type: 'object', properties: sortKeys(properties), required: [...required].sort(), additionalProperties: false }),
        };
      }
    }
  }
  return { generatedFrom: sortKeys(generatedFrom), definitions: {}, kinds: sortKeys(kinds) };
}

/** Keywords of a structural schema that the validator uses; the rest (descriptions, CEL rules, ...) is dropped. */
const KEPT = new Set([
  'type', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'pattern', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'multipleOf', 'anyOf', 'oneOf', 'allOf', 'not',
]);

/**
 * An OpenAPI v3 structural schema as a strict JSON schema (draft-07), as the API server prunes and validates:
 * - an object without `x-kubernetes-preserve-unknown-fields: true` accepts only its declared properties;
 * - `x-kubernetes-int-or-string` accepts an integer or a string; `nullable` accepts null;
 * - `x-kubernetes-embedded-resource` objects also have apiVersion, kind and metadata;
 * - OpenAPI's boolean `exclusiveMinimum`/`exclusiveMaximum` become draft-07 numbers.
 * Inside anyOf/oneOf/allOf/not (value validations only, in a structural schema) nothing is made strict.
 * `format` is not checked (the API server checks few formats, and not always), nor `x-kubernetes-validations`
 * (CEL).
 */
export function strict(schema: any, inValidation: boolean): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KEPT.has(key)) continue;
    if (key === 'properties') {
      out.properties = sortKeys(Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strict(v, inValidation)])));
    } else if (key === 'items' || key === 'not') {
      out[key] = strict(value, key === 'not' || inValidation);
    } else if (key === 'additionalProperties') {
      out[key] = typeof value === 'boolean' ? value : strict(value, inValidation);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = (value as object[]).map((v) => strict(v, true));
    } else {
      out[key] = value;
    }
  }
  if (schema.exclusiveMinimum === true) {
    out.exclusiveMinimum = schema.minimum;
    delete out.minimum;
  } else if (schema.exclusiveMinimum === false) delete out.exclusiveMinimum;
  if (schema.exclusiveMaximum === true) {
    out.exclusiveMaximum = schema.maximum;
    delete out.maximum;
  } else if (schema.exclusiveMaximum === false) delete out.exclusiveMaximum;
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema['x-kubernetes-embedded-resource'] === true) {
    out.properties = sortKeys({ apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...((out.properties as object) ?? {}) });
  }
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (!inValidation && !preserve && out.type === 'object' && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  if (schema.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return sortKeys(out);
}

function sortKeys<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** Stable, reviewable JSON. */
export function renderBundle(bundle: SchemaBundle): string {
  return JSON.stringify(bundle, null, 1) + '\n';
}
