import { Construct } from 'constructs';
import { InputError } from '../../platform/errors';
import { imageOf, tagOf } from '../../inputs/release';
import { EnvironmentSpec, Release, ServiceSpec } from '../../platform/types';
import { ServiceWorkload } from './service-workload';

export interface FrontendAppProps {
  /** The app's catalogue entry (tier `frontend`). */
  readonly service: ServiceSpec;
  readonly environment: EnvironmentSpec;
  readonly release: Release;
  /** The ConfigMap data the app reads (shared, then its own); its digest rolls the pods on change. */
  readonly configData: readonly Record<string, string>[];
  /**
   * PriorityClass of the pods.
   * @default - none (the cluster default)
   */
  readonly priorityClassName?: string;
}

/** A frontend app in nx-app. It talks to the backends through the gateway, so it waits for nothing. */
export class FrontendApp extends ServiceWorkload {
  constructor(scope: Construct, id: string, props: FrontendAppProps) {
    const { service } = props;
    if (service.tier !== 'frontend') {
      throw new InputError(`FrontendApp '${service.name}': 'tier'`, service.tier, "allowed: 'frontend' (a backend is a BackendService)");
    }
    super(scope, id, {
      service,
      environment: props.environment,
      image: imageOf(props.release, service),
      version: tagOf(props.release, service),
      configData: props.configData,
      priorityClassName: props.priorityClassName,
    });
  }
}
