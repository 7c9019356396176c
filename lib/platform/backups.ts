import { NAMESPACES } from './conventions';

/**
 * Velero (operations page, "Sao lưu & Khôi phục"): where backups go and the two schedules, exactly as the
 * page writes them. Velero does not back up the data inside PostgreSQL: CloudNativePG's WAL archive does.
 */

export const VELERO_NAMESPACE = NAMESPACES.internal;

/**
 * Velero's location apart from bucket, prefix and credential Secret, which are per environment (the release
 * file's `backups.velero`, lib/platform/backup-locations.ts).
 */
export const BACKUP_LOCATION = {
  name: 'default',
  provider: 'aws',
  config: { region: 'ap-southeast-1', s3ForcePathStyle: 'true', s3Url: 'https://s3.vnpaycloud.vn' },
  /** The key of the credentials file `velero install --secret-file` would load, created by hand instead. */
  credential: { key: 'cloud' },
} as const;

export const SNAPSHOT_LOCATION = { name: 'default', provider: 'aws', config: { region: 'ap-southeast-1' } } as const;

export interface BackupSchedule {
  readonly name: string;
  /** Five-field cron, evaluated by Velero in UTC unless the server says otherwise. */
  readonly schedule: string;
  readonly ttl: string;
  readonly includedNamespaces: readonly string[];
  readonly snapshotVolumes: boolean;
  readonly defaultVolumesToFsBackup?: boolean;
  readonly includedResources?: readonly string[];
}

export const BACKUP_SCHEDULES: readonly BackupSchedule[] = [
  {
    // Daily full backup, kept 30 days.
    name: 'nx-daily-full',
    schedule: '0 2 * * *',
    ttl: '720h',
    includedNamespaces: [NAMESPACES.backend, NAMESPACES.app, NAMESPACES.persistent, NAMESPACES.broker, NAMESPACES.search, NAMESPACES.internal],
    snapshotVolumes: true,
    defaultVolumesToFsBackup: true,
  },
  {
    // Hourly configuration-only backup, kept 7 days (no volumes, fast).
    name: 'nx-hourly-config',
    schedule: '0 * * * *',
    ttl: '168h',
    includedNamespaces: [NAMESPACES.backend, NAMESPACES.app, NAMESPACES.internal],
    snapshotVolumes: false,
    includedResources: ['deployments', 'services', 'configmaps', 'secrets', 'ingresses', 'ingressroutes'],
  },
];
