import { APP_PORT, healthPathOf, IDENTITY_SERVICE, serviceHost, storesOf } from './conventions';
import { STORE_ENDPOINTS } from './endpoints';
import { TRAEFIK } from './edge';
import { EnvironmentSpec, PlatformSpec, ServiceSpec } from './types';

/**
 * The non-secret configuration every service reads through `envFrom`: `nx-shared-config` (one per namespace
 * that runs services) and `nx-<service>-config`. Secrets (`nx-shared-secret`, `nx-<service>-secret`) are only
 * referenced, never generated.
 */

export const SHARED_CONFIG = 'nx-shared-config';
export const SHARED_SECRET = 'nx-shared-secret';

export function serviceConfigName(service: ServiceSpec): string {
  return `nx-${service.name}-config`;
}

export function serviceSecretName(service: ServiceSpec): string {
  return `nx-${service.name}-secret`;
}

/** Settings every service of the platform shares. */
export function sharedConfig(platform: PlatformSpec, env: EnvironmentSpec): Record<string, string> {
  const identity = platform.services.find((s) => s.name === IDENTITY_SERVICE);
  return {
    APP_ENV: env.appEnv,
    NODE_ENV: 'production',
    ...(identity ? { IDENTITY_URL: `http://${serviceHost(identity)}:${APP_PORT}` } : {}),
  };
}

/** One service's own settings: who it is, where it listens, the stores it declared, its own entries. */
export function serviceConfig(service: ServiceSpec): Record<string, string> {
  const endpoints = Object.assign({}, ...storesOf(service).map((store) => STORE_ENDPOINTS[store])) as Record<string, string>;
  return {
    SERVICE_NAME: service.name,
    PORT: String(APP_PORT),
    HEALTH_PATH: healthPathOf(service),
    ...endpoints,
    // Frontends reach the backends through the gateway's internal entry point, which believes no
    // X-Forwarded-For (the public one admits only ingress-nginx).
    ...(service.tier === 'frontend' ? { API_GATEWAY_URL: `http://${TRAEFIK.name}.${TRAEFIK.namespace}.svc.cluster.local:${TRAEFIK.internalServicePort}` } : {}),
    ...(service.config ?? {}),
  };
}
