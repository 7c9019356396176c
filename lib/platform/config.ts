import { APP_PORT, clusterHost, healthPathOf, serviceHost, storesOf } from './conventions';
import { identityOf } from './identity';
import { DATA_SECRETS, kafkaPasswordSecret, redisPasswordSecret } from './data';
import { redisUserOf } from './redis';
import { STORE_ENDPOINTS } from './endpoints';
import { KAFKA_SASL_MECHANISM, kafkaUserOf } from './kafka';
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
  const identity = identityOf(platform.services);
  return {
    APP_ENV: env.appEnv,
    NODE_ENV: 'production',
    ...(identity ? { IDENTITY_URL: `http://${serviceHost(identity)}:${APP_PORT}` } : {}),
  };
}

/**
 * Environment variables a service reads from a Secret by key, per store it uses: Kafka's SCRAM password
 * (the Secret `nx-kafka-<service>`, same value as the one its KafkaUser reads in nx-broker) and the cluster CA
 * certificate that verifies the brokers (PEM). The Bun services use KafkaJS: `ssl: { ca: [KAFKA_SSL_CA] }`,
 * `sasl: { mechanism: KAFKA_SASL_MECHANISM, username: KAFKA_SASL_USERNAME, password: KAFKA_SASL_PASSWORD }`.
 */
export function storeCredentials(service: ServiceSpec): { readonly env: string; readonly secret: string; readonly key: string }[] {
  const result: { env: string; secret: string; key: string }[] = [];
  if (storesOf(service).includes('redis')) {
    // Its own ACL user (REDIS_USERNAME); the same value sits in nx-broker for the Redis nodes.
    const password = redisPasswordSecret(service.name);
    // The Redis CA (PEM) verifies the nodes: ioredis `redisOptions: { tls: { ca: [REDIS_TLS_CA] } }`.
    result.push(
      { env: 'REDIS_PASSWORD', secret: password.name, key: password.keys[0] },
      { env: 'REDIS_TLS_CA', secret: DATA_SECRETS.redisCa.name, key: DATA_SECRETS.redisCa.keys[0] },
    );
  }
  if (storesOf(service).includes('kafka')) {
    const password = kafkaPasswordSecret(service.name);
    result.push(
      { env: 'KAFKA_SASL_PASSWORD', secret: password.name, key: password.keys[0] },
      { env: 'KAFKA_SSL_CA', secret: DATA_SECRETS.kafkaClusterCa.name, key: DATA_SECRETS.kafkaClusterCa.keys[0] },
    );
  }
  return result;
}

/** One service's own settings: who it is, where it listens, the stores it declared, its own entries. */
export function serviceConfig(service: ServiceSpec): Record<string, string> {
  const endpoints = Object.assign({}, ...storesOf(service).map((store) => STORE_ENDPOINTS[store])) as Record<string, string>;
  if (storesOf(service).includes('redis')) Object.assign(endpoints, { REDIS_USERNAME: redisUserOf(service) });
  if (storesOf(service).includes('kafka')) {
    // Names, never values: the password and CA come from Secrets by key (storeCredentials).
    Object.assign(endpoints, {
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: KAFKA_SASL_MECHANISM,
      KAFKA_SASL_USERNAME: kafkaUserOf(service),
      KAFKA_SASL_PASSWORD_SECRET: kafkaPasswordSecret(service.name).name,
    });
  }
  return {
    SERVICE_NAME: service.name,
    PORT: String(APP_PORT),
    HEALTH_PATH: healthPathOf(service),
    ...endpoints,
    // Frontends reach the backends through the gateway's internal entry point, which believes no
    // X-Forwarded-For (the public one admits only ingress-nginx).
    ...(service.tier === 'frontend' ? { API_GATEWAY_URL: `http://${clusterHost(TRAEFIK.name, TRAEFIK.namespace)}:${TRAEFIK.internalServicePort}` } : {}),
    ...(service.config ?? {}),
  };
}
