import { Construct } from 'constructs';
import { BackupStorageLocation } from '../../imports/velero-bsl-velero.io';
import { Schedule } from '../../imports/velero-schedule-velero.io';
import { VolumeSnapshotLocation } from '../../imports/velero-vsl-velero.io';
import { BACKUP_LOCATION, BACKUP_SCHEDULES, SNAPSHOT_LOCATION, VELERO_NAMESPACE } from '../platform/backups';
import { defaultBackupLocations } from '../platform/backup-locations';
import { commonLabels } from '../platform/conventions';
import { EnvironmentContext, LayerChart } from './layer-chart';

/**
 * Backups: Velero's storage and snapshot locations (what `velero install --bucket ... --backup-location-config
 * ... --snapshot-location-config ...` would create, declared here so they are reviewed and restored like the
 * rest) and the two Schedules exactly as the operations page writes them.
 */
export class BackupsChart extends LayerChart {
  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const location = context.release.backups?.velero ?? defaultBackupLocations(context.environment.name).velero;
    new BackupStorageLocation(this, 'StorageLocation', {
      metadata: { name: BACKUP_LOCATION.name, namespace: VELERO_NAMESPACE, labels: commonLabels('velero', 'backup-location') },
      spec: {
        default: true,
        provider: BACKUP_LOCATION.provider,
        // This environment's own prefix: Velero lists (and syncs into the cluster) only backups under it.
        objectStorage: { bucket: location.bucket, prefix: location.prefix },
        config: { ...BACKUP_LOCATION.config },
        credential: { name: location.credentialSecret, key: BACKUP_LOCATION.credential.key },
      },
    });
    new VolumeSnapshotLocation(this, 'SnapshotLocation', {
      metadata: { name: SNAPSHOT_LOCATION.name, namespace: VELERO_NAMESPACE, labels: commonLabels('velero', 'snapshot-location') },
      spec: { provider: SNAPSHOT_LOCATION.provider, config: { ...SNAPSHOT_LOCATION.config } },
    });
    for (const s of BACKUP_SCHEDULES) {
      new Schedule(this, `Schedule-${s.name}`, {
        metadata: { name: s.name, namespace: VELERO_NAMESPACE, labels: commonLabels(s.name, 'backup-schedule') },
        spec: {
          schedule: s.schedule,
          template: {
            ttl: s.ttl,
            includedNamespaces: [...s.includedNamespaces],
            snapshotVolumes: s.snapshotVolumes,
            defaultVolumesToFsBackup: s.defaultVolumesToFsBackup,
            includedResources: s.includedResources ? [...s.includedResources] : undefined,
          },
        },
      });
    }
  }
}
