import { createHash } from 'crypto';
import { InputError } from './errors';
import { isIdentity } from './identity';
import { isDnsLabel } from './rules';
import { MigrationSpec, ResourceSpec, ServiceSpec } from './types';

/**
 * Migration Jobs (operations page, "Migration Jobs"): what every Job shares, and the rule that turns a
 * migration and an image tag into a Job name.
 */

/** The fixed fields of the page's Job template. */
export const MIGRATION_JOB = {
  backoffLimit: 3,
  activeDeadlineSeconds: 300,
  restartPolicy: 'OnFailure',
  command: ['bun', 'run', 'migrate'],
  containerName: 'migrate',
  /** `app.kubernetes.io/component` of the Job and its pods; runbook selectors and NetworkPolicies use it. */
  component: 'migration',
} as const;

export const MIGRATION_RESOURCES: ResourceSpec = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

/** Kubernetes names of Jobs (and their pods' `job-name` label values) are DNS-1123 labels. */
export const MAX_JOB_NAME_LENGTH = 63;
/** Hex digits of the tag's SHA-256 kept in a shortened version: 32 bits, ample for one service's tags. */
export const VERSION_HASH_LENGTH = 8;
/**
 * The longest migration name: leaves `nx-<name>-migrate-` room for a shortened version with a few readable
 * characters of the tag before its hash.
 */
export const MAX_MIGRATION_NAME_LENGTH = MAX_JOB_NAME_LENGTH - 'nx--migrate-'.length - (VERSION_HASH_LENGTH + 1) - 12;

/** A service with a migration, as the synthesizer orders and names it. */
export interface Migration {
  readonly service: ServiceSpec;
  readonly spec: MigrationSpec;
  /** The migration's name (`payment`): the service name unless the catalogue names it. */
  readonly name: string;
}

/** The migrations of a catalogue, in migration order. */
export function migrationsOf(services: readonly ServiceSpec[]): Migration[] {
  return services
    .filter((s) => s.migration !== undefined)
    .map((s) => ({ service: s, spec: s.migration!, name: s.migration!.name ?? s.name }))
    .sort((a, b) => a.spec.order - b.spec.order);
}

/**
 * Whether a migration must finish, and its service become available, before the other migrations run: the
 * identity service's, since every other migration and backend waits for identity's health endpoint.
 */
export function isGateMigration(migration: Migration): boolean {
  return isIdentity(migration.service);
}

function jobPrefix(name: string): string {
  return `nx-${name}-migrate-`;
}

/**
 * The version part of a migration Job's name, derived from the image tag alone, so it changes exactly when
 * the image does. It is the tag itself whenever `nx-<name>-migrate-<tag>` is a DNS-1123 label of at most 63
 * characters. Otherwise (upper case, `.` or `_`, too long) it is the tag lower-cased with every run of other
 * characters turned into one `-`, cut to fit, then `-` and the first 8 hex digits of the tag's SHA-256: stable
 * for a tag, and different for two tags (the hash tells apart tags that read alike, `v1.2` and `V1_2`).
 */
export function migrationVersion(name: string, tag: string): string {
  const room = MAX_JOB_NAME_LENGTH - jobPrefix(name).length;
  if (room < VERSION_HASH_LENGTH) {
    throw new InputError(`migration '${name}': 'name'`, name, `allowed: a name of at most ${MAX_MIGRATION_NAME_LENGTH} characters (the Job name must fit 63)`);
  }
  if (tag.length === 0) {
    throw new InputError(`migration '${name}': image tag`, tag, 'allowed: a non-empty image tag');
  }
  if (isDnsLabel(tag, room)) return tag;
  const hash = createHash('sha256').update(tag).digest('hex').slice(0, VERSION_HASH_LENGTH);
  const slug = tag
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '');
  const head = slug.slice(0, Math.max(0, room - VERSION_HASH_LENGTH - 1)).replace(/-+$/, '');
  return head.length > 0 ? `${head}-${hash}` : hash;
}

/** `nx-<name>-migrate-<version>` (see `migrationVersion`). */
export function migrationJobName(name: string, tag: string): string {
  return `${jobPrefix(name)}${migrationVersion(name, tag)}`;
}
