import { InputError } from './errors';
import { BackupLocation, BackupLocations, EnvironmentName } from './types';

export type { BackupLocation, BackupLocations } from './types';

export const BACKUP_TOOLS = ['velero', 'postgres'] as const;

/** Defaults: the operations page's bucket, a prefix per tool and environment, the Secrets named in SECRETS.md. */
export function defaultBackupLocations(env: EnvironmentName): BackupLocations {
  return {
    velero: { bucket: 'bana-backups', prefix: `velero/${env}`, credentialSecret: 'cloud-credentials' },
    postgres: { bucket: 'bana-backups', prefix: `postgresql/${env}`, credentialSecret: 'nx-postgresql-backup-s3' },
  };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const SECRET = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const FIELDS = ['bucket', 'prefix', 'credentialSecret'] as const;

/** `s3://bucket/prefix`, the form both tools' locations reduce to. */
export function locationUrl(l: BackupLocation): string {
  return `s3://${l.bucket}/${l.prefix}`;
}

/** Whether one location is the other or lies inside it (then one tool's sync or retention reaches the other's objects). */
export function overlaps(a: BackupLocation, b: BackupLocation): boolean {
  if (a.bucket !== b.bucket) return false;
  const x = `${a.prefix}/`;
  const y = `${b.prefix}/`;
  return x.startsWith(y) || y.startsWith(x);
}

/**
 * The `backups:` block, validated: well-formed bucket, prefix and Secret names; each prefix names this
 * environment as a path segment and no other environment; the two tools' locations do not overlap.
 */
export function parseBackupLocations(input: string, raw: unknown, env: EnvironmentName, environments: readonly EnvironmentName[]): BackupLocations {
  const defaults = defaultBackupLocations(env);
  if (raw === undefined || raw === null) return defaults;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(input, raw, `allowed: a mapping with ${BACKUP_TOOLS.join(', ')}`);
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(BACKUP_TOOLS as readonly string[]).includes(key)) throw new InputError(`${input} key`, key, `allowed: ${BACKUP_TOOLS.join(', ')}`);
  }
  const one = (tool: (typeof BACKUP_TOOLS)[number]): BackupLocation => {
    const v = record[tool];
    if (v === undefined || v === null) return defaults[tool];
    if (typeof v !== 'object' || Array.isArray(v)) throw new InputError(`${input}.${tool}`, v, `allowed: a mapping with ${FIELDS.join(', ')}`);
    const r = v as Record<string, unknown>;
    for (const key of Object.keys(r)) if (!(FIELDS as readonly string[]).includes(key)) throw new InputError(`${input}.${tool} key`, key, `allowed: ${FIELDS.join(', ')}`);
    const bucket = r.bucket ?? defaults[tool].bucket;
    const prefix = r.prefix ?? defaults[tool].prefix;
    const credentialSecret = r.credentialSecret ?? defaults[tool].credentialSecret;
    if (typeof bucket !== 'string' || !BUCKET.test(bucket)) throw new InputError(`${input}.${tool}.bucket`, bucket, 'allowed: an S3 bucket name (3-63 of a-z 0-9 . -)');
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) throw new InputError(`${input}.${tool}.prefix`, prefix, "allowed: a key prefix of [A-Za-z0-9_.-] segments separated by '/', no leading or trailing '/'");
    const segments = prefix.split('/');
    if (!segments.includes(env)) throw new InputError(`${input}.${tool}.prefix`, prefix, `allowed: a prefix with '${env}' as one path segment, so each environment writes only under its own name`);
    const other = environments.find((e) => e !== env && segments.includes(e));
    if (other) throw new InputError(`${input}.${tool}.prefix`, prefix, `allowed: a prefix that does not name another environment ('${other}'): ${env} must never reach its backups`);
    if (typeof credentialSecret !== 'string' || credentialSecret.length > 253 || !SECRET.test(credentialSecret)) {
      throw new InputError(`${input}.${tool}.credentialSecret`, credentialSecret, 'allowed: a Secret name (DNS-1123 subdomain)');
    }
    return { bucket, prefix, credentialSecret };
  };
  const locations = { velero: one('velero'), postgres: one('postgres') };
  if (overlaps(locations.velero, locations.postgres)) {
    throw new InputError(`${input}.postgres.prefix`, locations.postgres.prefix, `allowed: a location apart from Velero's (${locationUrl(locations.velero)}): one tool's retention would delete the other's objects`);
  }
  return locations;
}
