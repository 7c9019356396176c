import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BackendService } from '../constructs/workload/backend-service';
import { FrontendApp } from '../constructs/workload/frontend-app';
import { MigrationJob } from '../constructs/workload/migration-job';
import { ServiceWorkload } from '../constructs/workload/service-workload';
import { SHARED_CONFIG, serviceConfig, serviceConfigName, sharedConfig } from '../platform/config';
import { commonLabels, namespaceOf, TIER_NAMESPACE } from '../platform/conventions';
import { isIdentity, requireIdentity, waitsForIdentity } from '../platform/identity';
import { isGateMigration, migrationsOf } from '../platform/migrations';
import { PRIORITY_CLASSES } from '../platform/priorities';
import { EnvironmentContext, LayerChart } from './layer-chart';

/**
 * The parts of the application tier, in rollout order. identity gates the rest: every other backend and
 * every other migration waits for identity's health endpoint, and identity needs its own migration before
 * it is healthy. So: configuration, identity's migration, identity, the other migrations, the other services.
 * Each part is its own layer folder (lib/charts/layers.ts), so kubectl, Argo CD and Flux can all wait between
 * them.
 */
export type AppPart = 'config' | 'identity-migration' | 'identity' | 'migrations' | 'services';

export const APP_PARTS: readonly AppPart[] = ['config', 'identity-migration', 'identity', 'migrations', 'services'];

/**
 * Step 6, application services: every backend and frontend of the catalogue, the ConfigMaps they read and
 * their migration Jobs; `parts` selects which of them this layer holds.
 */
export class AppsChart extends LayerChart {
  /** The workloads, keyed by service name. */
  public readonly workloads: ReadonlyMap<string, ServiceWorkload>;
  /** The migration Jobs, keyed by the name of the service that runs them. */
  public readonly migrations: ReadonlyMap<string, MigrationJob>;

  constructor(scope: Construct, folder: string, context: EnvironmentContext, parts: readonly AppPart[] = APP_PARTS) {
    super(scope, { folder, context });
    const { platform, environment, release } = context;
    const shared = sharedConfig(platform, environment);
    const has = (part: AppPart): boolean => parts.includes(part);

    if (has('config')) {
      const namespaces = [...new Set(platform.services.map(namespaceOf))];
      for (const namespace of namespaces) {
        new k8s.KubeConfigMap(this, `SharedConfig-${namespace}`, {
          metadata: { name: SHARED_CONFIG, namespace, labels: commonLabels('shared', 'config') },
          data: shared,
        });
      }
      for (const service of platform.services) {
        new k8s.KubeConfigMap(this, `Config-${service.name}`, {
          metadata: { name: serviceConfigName(service), namespace: TIER_NAMESPACE[service.tier], labels: commonLabels(service.name, 'config') },
          data: serviceConfig(service),
        });
      }
    }

    const migrations = new Map<string, MigrationJob>();
    for (const migration of migrationsOf(platform.services)) {
      const gate = isGateMigration(migration);
      if (!(gate ? has('identity-migration') : has('migrations'))) continue;
      const { service } = migration;
      const waitFor = gate ? undefined : requireIdentity(platform.services, service);
      migrations.set(service.name, new MigrationJob(this, `Migration-${service.name}`, { service, environment, release, waitFor }));
    }
    this.migrations = migrations;

    const workloads = new Map<string, ServiceWorkload>();
    for (const service of platform.services) {
      if (!(isIdentity(service) ? has('identity') : has('services'))) continue;
      // The digest of what the pods read rolls them on a config change, wherever the ConfigMaps are written.
      const configData = [shared, serviceConfig(service)];
      const priorityClassName = service.ha ? PRIORITY_CLASSES.haService.name : PRIORITY_CLASSES.service.name;
      if (service.tier === 'backend') {
        const waitFor = waitsForIdentity(service) ? requireIdentity(platform.services, service) : undefined;
        workloads.set(service.name, new BackendService(this, service.name, { service, waitFor, environment, release, configData, priorityClassName }));
      } else {
        workloads.set(service.name, new FrontendApp(this, service.name, { service, environment, release, configData, priorityClassName }));
      }
    }
    this.workloads = workloads;
  }
}
