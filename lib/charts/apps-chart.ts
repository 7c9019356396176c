import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BackendService } from '../constructs/backend-service';
import { FrontendApp } from '../constructs/frontend-app';
import { ServiceWorkload } from '../constructs/service-workload';
import { SHARED_CONFIG, serviceConfig, serviceConfigName, sharedConfig } from '../platform/config';
import { commonLabels, IDENTITY_SERVICE, namespaceOf, TIER_NAMESPACE } from '../platform/conventions';
import { PRIORITY_CLASSES } from '../platform/priorities';
import { EnvironmentContext, LayerChart } from './layer-chart';

/**
 * Step 6, application services: every backend and frontend of the catalogue, with the ConfigMaps they read.
 */
export class AppsChart extends LayerChart {
  /** The workloads, keyed by service name. */
  public readonly workloads: ReadonlyMap<string, ServiceWorkload>;

  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const { platform, environment, release } = context;
    const identity = platform.services.find((s) => s.name === IDENTITY_SERVICE);
    const shared = sharedConfig(platform, environment);

    const namespaces = [...new Set(platform.services.map(namespaceOf))];
    for (const namespace of namespaces) {
      new k8s.KubeConfigMap(this, `SharedConfig-${namespace}`, {
        metadata: { name: SHARED_CONFIG, namespace, labels: commonLabels('shared', 'config') },
        data: shared,
      });
    }

    const workloads = new Map<string, ServiceWorkload>();
    for (const service of platform.services) {
      const own = serviceConfig(service);
      new k8s.KubeConfigMap(this, `Config-${service.name}`, {
        metadata: { name: serviceConfigName(service), namespace: TIER_NAMESPACE[service.tier], labels: commonLabels(service.name, 'config') },
        data: own,
      });
      const configData = [shared, own];
      const priorityClassName = service.ha ? PRIORITY_CLASSES.haService.name : PRIORITY_CLASSES.service.name;
      if (service.tier === 'backend') {
        if (!identity) {
          throw new Error(`service '${service.name}': backend services need the '${IDENTITY_SERVICE}' service in the catalogue`);
        }
        workloads.set(service.name, new BackendService(this, service.name, { service, identity, environment, release, configData, priorityClassName }));
      } else {
        workloads.set(service.name, new FrontendApp(this, service.name, { service, environment, release, configData, priorityClassName }));
      }
    }
    this.workloads = workloads;
  }
}
