import { ApiObject, ApiObjectMetadataDefinition, App, Chart, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * `chart.toJson()` with cdk8s's resolution of each value done in one walk instead of two.
 *
 * Why: `node --cpu-prof` of 1,000 generated services put ~17% of the synthesis in cdk8s 2.70.106's
 * `ApiObject.toJson`: `resolve` (node_modules/cdk8s/lib/resolve.js) walks every value once, calling
 * `App.of(apiObject)` (a walk up the construct tree), allocating a `ResolutionContext` and a copy of the key
 * path (`[...key, k]`) per value; `sanitizeValue` (lib/_util.js) then walks the result a second time to sort
 * keys and drop nulls. `ApiObjectMetadataDefinition.toJson` (lib/metadata.js) does the same for metadata.
 *
 * Here both walks are one, and the per-value allocations are gone. The result is the same value, key order
 * included (__tests__/chart-json.test.ts compares both on every object of both environments and on the
 * corner cases below), because each step of cdk8s is kept in its order:
 *  1. resolvers, as App's default list runs them (`LazyResolver`, `ImplicitTokenResolver`,
 *     `NumberStringUnionResolver`), on every non-null value, again on each replacement;
 *  2. arrays element by element, plain objects (`constructor == Object`) key by key; any other value as is;
 *  3. sanitizing: null and undefined dropped from objects (kept as `undefined` in arrays), keys sorted, any
 *     object whose constructor is not named `Object` refused with cdk8s's own message.
 *
 * It applies only where cdk8s's own semantics are these: an App with exactly the default resolvers and keys
 * sorted (no `CDK8S_DISABLE_SORT`). Any other app keeps cdk8s's own code, object by object. Patches
 * (`addJsonPatch`) go through cdk8s's `JsonPatch.apply`, as in cdk8s.
 */
export function chartJson(chart: Chart): unknown[] {
  if (process.env.CDK8S_DISABLE_SORT || primitivesResolve()) return chart.toJson();
  const objectProto = ApiObject.prototype as unknown as { toJson: (this: ApiObject) => unknown };
  const metadataProto = ApiObjectMetadataDefinition.prototype as unknown as { toJson: (this: ApiObjectMetadataDefinition) => unknown };
  const objectToJson = objectProto.toJson;
  const metadataToJson = metadataProto.toJson;
  // Whether each App (there is one per chart's tree) resolves with exactly cdk8s's default resolvers.
  const apps = new Map<App, boolean>();
  const defaultResolvers = (object: ApiObject): boolean => {
    const app = App.of(object);
    let known = apps.get(app);
    if (known === undefined) {
      const r = app.resolvers;
      known = r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
      apps.set(app, known);
    }
    return known;
  };
  // Generated classes (`KubeDeployment` …) override toJson and call `super.toJson()`, which looks the
  // method up on ApiObject.prototype at call time: swapping it there, for this call only, reaches them.
  objectProto.toJson = function (this: ApiObject) {
    return defaultResolvers(this) ? objectJson(this) : objectToJson.call(this);
  };
  metadataProto.toJson = function (this: ApiObjectMetadataDefinition) {
    const owner = (this as unknown as { apiObject: ApiObject }).apiObject;
    return defaultResolvers(owner) ? metadataJson(this) : metadataToJson.call(this);
  };
  try {
    return chart.toJson();
  } finally {
    objectProto.toJson = objectToJson;
    metadataProto.toJson = metadataToJson;
  }
}

/**
 * True when a string, number or boolean could meet a resolver: `ImplicitTokenResolver` calls any `resolve`
 * function a value has and `NumberStringUnionResolver` wraps any string or number `value` property, both of
 * which a primitive would inherit from its prototype. No code here adds them; were some library to, cdk8s's
 * own code runs instead.
 */
function primitivesResolve(): boolean {
  return [String.prototype, Number.prototype, Boolean.prototype].some((proto) => 'resolve' in proto || 'value' in proto);
}

/** ApiObject.toJson (cdk8s lib/api-object.js) with one walk. */
function objectJson(object: ApiObject): unknown {
  try {
    const props = (object as unknown as { props: Record<string, unknown> }).props;
    const data = { ...props, metadata: object.metadata.toJson() };
    const json = resolveSanitize(data, false) as Record<string, unknown>;
    const patches = (object as unknown as { patches: JsonPatch[] }).patches;
    const patched = (patches.length > 0 ? JsonPatch.apply(json, ...patches) : json) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
      if (k in patched) result[k] = patched[k];
    }
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${object.node.path}' with name '${object.name}': ${e}`);
  }
}

/** ApiObjectMetadataDefinition.toJson (cdk8s lib/metadata.js): empty arrays and objects are dropped too. */
function metadataJson(metadata: ApiObjectMetadataDefinition): unknown {
  const m = metadata as unknown as Record<string, unknown> & { _additionalAttributes: Record<string, unknown> };
  return resolveSanitize(
    {
      ...m._additionalAttributes,
      name: m.name,
      namespace: m.namespace,
      annotations: m.annotations,
      finalizers: m.finalizers,
      ownerReferences: m.ownerReferences,
      labels: m.labels,
    },
    true,
  );
}

/**
 * cdk8s's `sanitizeValue(resolve([], value))`, in one walk. `filterEmpty` is sanitizeValue's
 * `filterEmptyArrays` and `filterEmptyObjects` (both set for metadata, neither for the object).
 */
function resolveSanitize(input: unknown, filterEmpty: boolean): unknown {
  let value = input as any;
  // A string, number or boolean meets no resolver (see primitivesResolve) and is kept as is.
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  // 1. The default resolvers, in App's order; a replacement is resolved again from the first.
  for (;;) {
    if (value == null) return undefined;
    if (value instanceof Lazy) value = value.produce();
    else if (typeof value.resolve === 'function') value = value.resolve();
    else if (value.constructor !== Object && (typeof value.value === 'number' || typeof value.value === 'string')) value = { value: value.value };
    else break;
  }
  if (typeof value !== 'object') return value;
  // 2. and 3. Arrays and plain objects are resolved and sanitized element by element.
  if (Array.isArray(value)) {
    if (filterEmpty && value.length === 0) return undefined;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = resolveSanitize(value[i], filterEmpty);
    return out;
  }
  if (value.constructor == Object) return sanitizedObject(value, filterEmpty, resolveSanitize);
  // resolve() returns any other object as is; sanitizeValue accepts it only when its constructor is named
  // `Object` (an object of another realm), and then sanitizes it without resolving its values.
  if (value.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  return sanitizedObject(value, filterEmpty, sanitizeOnly);
}

/** sanitizeValue alone (cdk8s lib/_util.js), for a value resolve() returned as is. */
function sanitizeOnly(value: any, filterEmpty: boolean): unknown {
  if (value == null) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (filterEmpty && value.length === 0) return undefined;
    return value.map((x) => sanitizeOnly(x, filterEmpty));
  }
  if (value.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  return sanitizedObject(value, filterEmpty, sanitizeOnly);
}

function sanitizedObject(value: Record<string, unknown>, filterEmpty: boolean, each: (v: any, filterEmpty: boolean) => unknown): unknown {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  // Objects often come with their keys in order already (metadata is sorted once before it is resolved
  // again as part of the object): a pass finds out, and only an object out of order is sorted.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys.sort();
      break;
    }
  }
  let kept = 0;
  for (const key of keys) {
    const v = each(value[key], filterEmpty);
    if (v != null) {
      out[key] = v;
      kept++;
    }
  }
  return filterEmpty && kept === 0 ? undefined : out;
}
