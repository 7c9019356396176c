import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DEFAULT_CONTAINER_ANNOTATION } from '../../k8s/keys';
import { capabilityLabels } from '../../platform/capabilities';
import { commonLabels, namespaceOf, PART_OF } from '../../platform/conventions';
import { STORE_ENDPOINTS } from '../../platform/endpoints';
import { InputError } from '../../platform/errors';
import { imageOf, tagOf } from '../../inputs/release';
import { MIGRATION_JOB, MIGRATION_RESOURCES, migrationJobName, migrationVersion } from '../../platform/migrations';
import { PRIORITY_CLASSES } from '../../platform/priorities';
import { EnvironmentSpec, Release, ResourceSpec, ServiceSpec } from '../../platform/types';
import {
  IMAGE_PULL_SECRETS,
  nodeSelector,
  resourceRequirements,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  serviceEnvFrom,
  TMP_MOUNT,
  TMP_VOLUME,
} from '../pod-defaults';
import { waitForPrimaryDatabase, waitForService } from '../wait-containers';

export interface MigrationJobProps {
  /** The catalogue entry of the service whose image runs the migration; it must declare `migration`. */
  readonly service: ServiceSpec;
  readonly environment: EnvironmentSpec;
  /** The release: the Job runs the service's own image and tag, and its name carries that tag. */
  readonly release: Release;
  /**
   * The service whose health endpoint the Job waits for before migrating (`wait-for-identity`).
   * @default - none: the Job waits for the database only (identity's own migration, which identity needs
   * before it can become healthy)
   */
  readonly waitFor?: ServiceSpec;
  /**
   * PriorityClass of the Job's pod.
   * @default PRIORITY_CLASSES.batch.name (`nx-batch`): migrations yield to running services
   */
  readonly priorityClassName?: string;
  /**
   * Resources of the `migrate` container.
   * @default MIGRATION_RESOURCES: requests 100m / 128Mi, limits 500m / 256Mi (operations page)
   */
  readonly resources?: ResourceSpec;
}

/**
 * The database migration of one service (operations page, "Migration Jobs"): a Job
 * `nx-<migration>-migrate-<version>` in the service's namespace running `bun run migrate` from the service's
 * own image, against the PostgreSQL primary. The version comes from the image tag, so the Job's name
 * changes exactly when its (immutable) pod template does: re-applying a release is a no-op, a new release
 * runs a new Job. No `ttlSecondsAfterFinished`: a GitOps controller would recreate, and re-run, a Job the
 * TTL controller deleted; old Jobs are pruned instead (see docs/rollout.md).
 */
export class MigrationJob extends Construct {
  /** The Job's name, `nx-<migration>-migrate-<version>`. */
  public readonly name: string;
  public readonly namespace: string;
  /** The version part of the name, derived from the image tag (see `migrationVersion`). */
  public readonly version: string;
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    const { service, environment: env, release } = props;
    const migration = service.migration;
    if (!migration) {
      throw new InputError(`MigrationJob '${service.name}': 'service.migration'`, migration ?? null, 'allowed: a service that declares a migration (only those get a Job)');
    }
    if (service.tier !== 'backend') {
      throw new InputError(`MigrationJob '${service.name}': 'tier'`, service.tier, "allowed: 'backend' (only backends migrate a database)");
    }
    if (props.waitFor?.name === service.name) {
      throw new InputError(`MigrationJob '${service.name}': 'waitFor'`, props.waitFor.name, 'allowed: another service (a service may need this migration before it is healthy)');
    }
    const migrationName = migration.name ?? service.name;
    const tag = tagOf(release, service);
    this.version = migrationVersion(migrationName, tag);
    this.name = migrationJobName(migrationName, tag);
    this.namespace = namespaceOf(service);
    const labels = commonLabels(service.name, MIGRATION_JOB.component);

    const initContainers = [...(props.waitFor ? [waitForService(props.waitFor)] : []), waitForPrimaryDatabase()];
    const migrate: k8s.Container = {
      name: MIGRATION_JOB.containerName,
      image: imageOf(release, service),
      imagePullPolicy: 'IfNotPresent',
      command: [...MIGRATION_JOB.command],
      envFrom: serviceEnvFrom(service),
      // `env` wins over `envFrom`: the service's config points DATABASE_HOST at the pooler, and schema
      // changes (DDL, advisory locks, session settings) need a direct session on the primary.
      env: [{ name: 'DATABASE_HOST', value: STORE_ENDPOINTS.postgres.DATABASE_PRIMARY_HOST }],
      resources: resourceRequirements(props.resources ?? MIGRATION_RESOURCES),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [TMP_MOUNT],
    };

    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        backoffLimit: MIGRATION_JOB.backoffLimit,
        activeDeadlineSeconds: MIGRATION_JOB.activeDeadlineSeconds,
        template: {
          metadata: {
            // Capability labels let the stores' shared policies admit the Job by what it uses (lib/network).
            labels: {
              'app.kubernetes.io/name': service.name,
              'app.kubernetes.io/component': MIGRATION_JOB.component,
              'app.kubernetes.io/part-of': PART_OF,
              ...capabilityLabels(service),
            },
            annotations: { [DEFAULT_CONTAINER_ANNOTATION]: MIGRATION_JOB.containerName },
          },
          spec: {
            restartPolicy: MIGRATION_JOB.restartPolicy,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            priorityClassName: props.priorityClassName ?? PRIORITY_CLASSES.batch.name,
            nodeSelector: nodeSelector(env),
            imagePullSecrets: IMAGE_PULL_SECRETS,
            securityContext: restrictedPodSecurityContext(),
            initContainers,
            containers: [migrate],
            volumes: [TMP_VOLUME],
          },
        },
      },
    });
  }
}
