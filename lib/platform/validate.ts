import { assertPinned, imageRef, PinnedImage, THIRD_PARTY_IMAGES } from './images';
import { validateTopics } from './kafka';
import { validateRedisAccess } from './redis';
import { IDENTITY_SERVICE, replicasOf } from './conventions';
import { InputError } from './errors';
import { MAX_MIGRATION_NAME_LENGTH } from './migrations';
import { assertDnsLabel } from './rules';
import { DataStore, EnvironmentName, EnvironmentSpec, PlatformSpec, ServiceSpec, Tier } from './types';

/**
 * Semantic checks of the platform description, run before anything is synthesized. Each failure names the
 * service, the field, the bad value and what is allowed.
 */
export function validatePlatform(platform: PlatformSpec): void {
  validateShape(platform);
  const seen = new Set<string>();
  for (const service of platform.services) {
    const where = `service '${service.name}'`;
    // `nx-<name>` names the workload; a public frontend's Ingress is `public-<name>` and carries it as its
    // `app.kubernetes.io/name` label (63 characters at most).
    assertDnsLabel(`${where}: 'name'`, service.name, service.tier === 'frontend' && service.public !== false ? 63 - 'public-'.length : 63 - 'nx-'.length);
    if (seen.has(service.name)) {
      throw new InputError(`${where}: 'name'`, service.name, 'allowed: each service name once in the catalogue');
    }
    seen.add(service.name);
    validateService(service, platform);
  }
  const envNames = new Set<string>();
  for (const env of platform.environments) {
    if (envNames.has(env.name)) {
      throw new InputError(`environment '${env.name}': 'name'`, env.name, 'allowed: each environment once');
    }
    envNames.add(env.name);
    if (env.haReplicas.min < 2) {
      throw new InputError(`environment '${env.name}': 'haReplicas.min'`, env.haReplicas.min, 'allowed: 2 or more (HA services need a second replica)');
    }
    validateImages(env);
  }
  validateMigrations(platform.services);
  if (!platform.services.some((s) => s.name === IDENTITY_SERVICE && s.tier === 'backend')) {
    throw new InputError(`service '${IDENTITY_SERVICE}'`, null, `allowed: the catalogue keeps the backend '${IDENTITY_SERVICE}': every other backend and migration waits for it and reads its JWKS`);
  }
}

// ---- the shape of the description: a schema over every field, checked before any semantic rule --------------

type Check = (where: string, value: unknown) => void;

const fail = (where: string, value: unknown, allowed: string): never => {
  throw new InputError(where, value === undefined ? null : value, `allowed: ${allowed}`);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str: Check = (w, v) => void (typeof v === 'string' || fail(w, v, 'a string'));
const bool: Check = (w, v) => void (typeof v === 'boolean' || fail(w, v, 'true or false (a boolean, not a string)'));
const num: Check = (w, v) => void ((typeof v === 'number' && Number.isFinite(v)) || fail(w, v, 'a number'));
const oneOf =
  (values: readonly string[]): Check =>
  (w, v) =>
    void (values.includes(v as string) || fail(w, v, `one of ${values.map((x) => `'${x}'`).join(', ')}`));
const arrayOf =
  (item: Check): Check =>
  (w, v) => {
    if (!Array.isArray(v)) fail(w, v, 'a list');
    (v as unknown[]).forEach((x, i) => item(`${w}[${i}]`, x));
  };
const recordOf =
  (keys: readonly string[] | null, item: Check): Check =>
  (w, v) => {
    if (!isObject(v)) fail(w, v, 'a mapping');
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (keys && !keys.includes(k)) fail(`${w} key`, k, keys.join(', '));
      item(`${w}.${k}`, x);
    }
  };
const object =
  (fields: Record<string, { check: Check; optional?: boolean }>): Check =>
  (w, v) => {
    if (!isObject(v)) fail(w, v, `a mapping with ${Object.keys(fields).join(', ')}`);
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!(key in fields)) fail(`${w} key`, key, Object.keys(fields).join(', '));
    for (const [key, { check, optional }] of Object.entries(fields)) {
      if (o[key] === undefined) {
        if (!optional) fail(`${w}.${key}`, undefined, 'a value (the field is required)');
        continue;
      }
      check(`${w}.${key}`, o[key]);
    }
  };

const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['staging', 'production'];
const TIERS: readonly Tier[] = ['backend', 'frontend'];
const STORES: readonly DataStore[] = ['postgres', 'redis', 'kafka', 'typesense'];
const cpuMemory = object({ cpu: { check: str }, memory: { check: str } });
const replicas = object({ min: { check: num }, max: { check: num } });

/** Every field of a catalogue entry (lib/platform/types.ts, `ServiceSpec`). */
const SERVICE_SCHEMA = object({
  name: { check: str },
  tier: { check: oneOf(TIERS) },
  ha: { check: bool },
  healthPath: { check: str, optional: true },
  package: { check: str, optional: true },
  public: { check: bool, optional: true },
  uses: { check: arrayOf(oneOf(STORES)), optional: true },
  resources: { check: object({ requests: { check: cpuMemory }, limits: { check: cpuMemory } }), optional: true },
  replicas: { check: recordOf(ENVIRONMENT_NAMES, replicas), optional: true },
  migration: { check: object({ order: { check: num }, name: { check: str, optional: true } }), optional: true },
  config: { check: recordOf(null, str), optional: true },
  topics: { check: object({ produces: { check: arrayOf(str) }, consumes: { check: arrayOf(str) } }), optional: true },
  redis: {
    check: object({ keys: { check: arrayOf(str) }, channels: { check: arrayOf(str), optional: true }, categories: { check: arrayOf(str), optional: true } }),
    optional: true,
  },
});

/** Every field of an environment (`EnvironmentSpec`). */
const ENVIRONMENT_SCHEMA = object({
  name: { check: oneOf(ENVIRONMENT_NAMES) },
  nodePool: { check: str },
  autoscaling: { check: bool },
  haReplicas: { check: replicas },
  singleReplicas: { check: replicas },
  spreadAcrossNodes: { check: bool },
  forbiddenTags: { check: arrayOf(str) },
  appEnv: { check: str },
  requireImageDigests: { check: bool, optional: true },
});

/**
 * The description's shape: each service and environment against its schema, so a typo or a wrong type
 * (`uses: ['mongodb']`, `tier: 'worker'`, `ha: 'yes'`) is one line naming the service, the field, the value and
 * what is allowed, never an error deep inside synthesis. The types say the same at compile time; this holds for
 * a description built at run time (tests, tools) or edited past a type error.
 */
function validateShape(platform: PlatformSpec): void {
  const services = (platform as { services?: unknown }).services;
  if (!Array.isArray(services)) fail('platform: services', services, 'a list of services');
  for (const [i, service] of (services as unknown[]).entries()) {
    const name = isObject(service) && typeof service.name === 'string' ? service.name : `#${i + 1}`;
    SERVICE_SCHEMA(`service '${name}'`, service);
  }
  const environments = (platform as { environments?: unknown }).environments;
  if (!Array.isArray(environments)) fail('platform: environments', environments, 'a list of environments');
  for (const [i, env] of (environments as unknown[]).entries()) {
    const name = isObject(env) && typeof env.name === 'string' ? env.name : `#${i + 1}`;
    ENVIRONMENT_SCHEMA(`environment '${name}'`, env);
  }
}

/** Where the environment requires digests, every image from outside the platform's registry has one. */
export function validateImages(env: EnvironmentSpec, images: Readonly<Record<string, PinnedImage>> = THIRD_PARTY_IMAGES): void {
  if (!env.requireImageDigests) return;
  for (const [name, image] of Object.entries(images)) assertPinned(`environment '${env.name}': image '${name}' (lib/platform/images.ts)`, imageRef(image));
}

function validateService(service: ServiceSpec, platform: PlatformSpec): void {
  const where = `service '${service.name}'`;
  if (service.healthPath !== undefined && !/^\/[A-Za-z0-9/_.~-]*$/.test(service.healthPath)) {
    throw new InputError(`${where}: 'healthPath'`, service.healthPath, "allowed: an absolute URL path starting with '/'");
  }
  if (service.package !== undefined) {
    assertDnsLabel(`${where}: 'package'`, service.package, 63 - 'nx-'.length);
    const other = platform.services.find((o) => o !== service && (o.package ?? o.name) === service.package && o.tier !== service.tier);
    if (other) throw new InputError(`${where}: 'package'`, service.package, `allowed: a package whose services share one tier (${other.name} is ${other.tier})`);
  }
  validateTopics(where, service);
  validateRedisAccess(where, service);
  const uses = service.uses ?? [];
  if (new Set(uses).size !== uses.length) {
    throw new InputError(`${where}: 'uses'`, uses, 'allowed: each store at most once');
  }
  for (const key of Object.keys(service.config ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new InputError(`${where}: 'config' key`, key, 'allowed: an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
    }
  }
  for (const env of platform.environments) {
    const override = service.replicas?.[env.name];
    const { min, max } = replicasOf(service, env);
    const field = override ? `'replicas.${env.name}'` : `replicas in ${env.name}`;
    if (!Number.isInteger(min) || min < 1) {
      throw new InputError(`${where}: ${field}.min`, min, 'allowed: a whole number of 1 or more');
    }
    if (service.ha && min < 2) {
      throw new InputError(`${where}: ${field}.min`, min, 'allowed: 2 or more for an HA service');
    }
    if (override && (!Number.isInteger(override.max) || override.max < override.min)) {
      throw new InputError(`${where}: ${field}.max`, override.max, `allowed: a whole number >= 'min' (${override.min})`);
    }
    if (!Number.isInteger(max) || max < min) {
      throw new InputError(`${where}: ${field}.max`, max, `allowed: a whole number >= 'min' (${min})`);
    }
  }
}

function validateMigrations(services: readonly ServiceSpec[]): void {
  const orders = new Map<number, string>();
  const names = new Map<string, string>();
  for (const service of services) {
    const migration = service.migration;
    if (!migration) continue;
    const where = `service '${service.name}'`;
    if (service.tier !== 'backend') {
      throw new InputError(`${where}: 'migration'`, migration, 'allowed: migrations on backend services only');
    }
    if (!Number.isInteger(migration.order) || migration.order < 1) {
      throw new InputError(`${where}: 'migration.order'`, migration.order, 'allowed: a whole number of 1 or more');
    }
    const other = orders.get(migration.order);
    if (other) {
      throw new InputError(`${where}: 'migration.order'`, migration.order, `allowed: an order no other service uses ('${other}' has it)`);
    }
    orders.set(migration.order, service.name);
    const name = migration.name ?? service.name;
    assertDnsLabel(`${where}: 'migration.name'`, name, MAX_MIGRATION_NAME_LENGTH);
    const owner = names.get(name);
    if (owner) {
      throw new InputError(`${where}: 'migration.name'`, name, `allowed: a migration name no other service uses ('${owner}' has it)`);
    }
    names.set(name, service.name);
  }
  // Every other migration and backend waits for identity, so identity's migration runs alone and first.
  const identity = services.find((s) => s.name === IDENTITY_SERVICE)?.migration;
  const first = Math.min(...orders.keys());
  if (identity && identity.order !== first) {
    throw new InputError(`service '${IDENTITY_SERVICE}': 'migration.order'`, identity.order, `allowed: the lowest order of the catalogue (${first}, '${orders.get(first)}' has it): identity migrates first`);
  }
}
