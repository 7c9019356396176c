import { Construct } from 'constructs';
import { APP_PORT, healthPathOf, IDENTITY_SERVICE, serviceHost } from '../../platform/conventions';
import { imageOf, tagOf } from '../../inputs/release';
import { EnvironmentSpec, Release, ServiceSpec } from '../../platform/types';
import { waitForHttpContainer } from '../pod-defaults';
import { ServiceWorkload } from './service-workload';

export interface BackendServiceProps {
  /** The service's catalogue entry (tier `backend`). */
  readonly service: ServiceSpec;
  /** The identity service every other backend waits for. */
  readonly identity: ServiceSpec;
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

/** The `wait-for-identity` init container (operations page, "Chuỗi Dependency"). */
export function waitForIdentity(identity: ServiceSpec) {
  return waitForHttpContainer('wait-for-identity', `http://${serviceHost(identity)}:${APP_PORT}${healthPathOf(identity)}`);
}

/**
 * A backend API in nx-backend: everything `ServiceWorkload` writes, plus the start-up order — every backend
 * but identity waits for identity's health endpoint before it starts.
 */
export class BackendService extends ServiceWorkload {
  constructor(scope: Construct, id: string, props: BackendServiceProps) {
    const { service, identity } = props;
    if (service.tier !== 'backend') {
      throw new Error(`BackendService '${service.name}': 'tier' (${service.tier}) must be 'backend'`);
    }
    super(scope, id, {
      service,
      environment: props.environment,
      image: imageOf(props.release, service),
      version: tagOf(props.release, service),
      configData: props.configData,
      priorityClassName: props.priorityClassName,
      initContainers: service.name === IDENTITY_SERVICE ? [] : [waitForIdentity(identity)],
    });
  }
}
