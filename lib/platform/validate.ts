import { assertPinned, imageRef, PinnedImage, THIRD_PARTY_IMAGES } from './images';
import { validateTopics } from './kafka';
import { validateRedisAccess } from './redis';
import { IDENTITY_SERVICE, replicasOf } from './conventions';
import { InputError } from './errors';
import { MAX_MIGRATION_NAME_LENGTH } from './migrations';
import { assertDnsLabel } from './rules';
import { EnvironmentSpec, PlatformSpec, ServiceSpec } from './types';

/**
 * Semantic checks of the platform description, run before anything is synthesized. Each failure names the
 * service, the field, the bad value and what is allowed.
 */
export function validatePlatform(platform: PlatformSpec): void {
  const seen = new Set<string>();
  for (const service of platform.services) {
    const where = `service '${service.name}'`;
    assertDnsLabel(`${where}: 'name'`, service.name, 63 - 'nx-'.length);
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
