import { Construct } from 'constructs';
import { imageOf, tagOf } from '../../inputs/release';
import { EnvironmentSpec, Release, ServiceSpec } from '../../platform/types';
import { InputError } from '../../platform/errors';
import { ServiceWorkload } from './service-workload';
import { waitForService } from '../wait-containers';

export interface BackendServiceProps {
  /** The service's catalogue entry (tier `backend`). */
  readonly service: ServiceSpec;
  /**
   * The service whose health endpoint the pods wait for before they start (`wait-for-<name>`): identity, for
   * every backend but identity itself (lib/platform/identity.ts).
   * @default - none: the pods start at once
   */
  readonly waitFor?: ServiceSpec;
  readonly environment: EnvironmentSpec;
  readonly release: Release;
  /** The ConfigMap data the service reads (shared, then its own); its digest rolls the pods on change. */
  readonly configData: readonly Record<string, string>[];
  /**
   * PriorityClass of the pods.
   * @default - none (the cluster default)
   */
  readonly priorityClassName?: string;
}

/**
 * A backend API in nx-backend: everything `ServiceWorkload` writes, plus the start-up order — the pods wait
 * for `waitFor`'s health endpoint before they start.
 */
export class BackendService extends ServiceWorkload {
  constructor(scope: Construct, id: string, props: BackendServiceProps) {
    const { service, waitFor } = props;
    if (service.tier !== 'backend') {
      throw new InputError(`BackendService '${service.name}': 'tier'`, service.tier, "allowed: 'backend' (a frontend is a FrontendApp)");
    }
    if (waitFor?.name === service.name) {
      throw new InputError(`BackendService '${service.name}': 'waitFor'`, waitFor.name, 'allowed: another service (a service cannot wait for itself to start)');
    }
    super(scope, id, {
      service,
      environment: props.environment,
      image: imageOf(props.release, service),
      version: tagOf(props.release, service),
      configData: props.configData,
      priorityClassName: props.priorityClassName,
      initContainers: waitFor ? [waitForService(waitFor)] : [],
    });
  }
}
