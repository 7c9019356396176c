import { k8s } from 'cdk8s-plus-28';
import { APP_PORT, healthPathOf, serviceHost, UTILITY_IMAGES, WAIT_CONTAINER_RESOURCES } from '../platform/conventions';
import { DATA_NAMES } from '../platform/data';
import { STORE_ENDPOINTS } from '../platform/endpoints';
import { ServiceSpec } from '../platform/types';
import { resourceRequirements, restrictedContainerSecurityContext } from './pod-defaults';
import { renderCommand } from './scripts';
import WAIT_FOR_DB_SCRIPT from './wait-for-db.sh';
import WAIT_FOR_HTTP_SCRIPT from './wait-for-http.sh';

/**
 * The init containers that hold a pod back until what it needs answers: shared by the workloads and the
 * migration Jobs, so neither construct imports the other.
 */

/** An init container that polls an HTTP URL every 2 s until it answers (operations page, "wait-for-identity"). */
export function waitForHttpContainer(name: string, url: string): k8s.Container {
  return {
    name,
    image: UTILITY_IMAGES.busybox,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', renderCommand('wait-for-http.sh', WAIT_FOR_HTTP_SCRIPT, { URL: url })],
    resources: resourceRequirements(WAIT_CONTAINER_RESOURCES),
    securityContext: restrictedContainerSecurityContext(),
  };
}

/** `wait-for-<service>`: polls the service's health endpoint (operations page, "Chuỗi Dependency": `wait-for-identity`). */
export function waitForService(service: ServiceSpec): k8s.Container {
  return waitForHttpContainer(`wait-for-${service.name}`, `http://${serviceHost(service)}:${APP_PORT}${healthPathOf(service)}`);
}

/** `wait-for-db`: polls the PostgreSQL primary (never the pooler) every 2 s until it accepts connections. */
export function waitForPrimaryDatabase(): k8s.Container {
  const { DATABASE_PRIMARY_HOST: host, DATABASE_PORT: port } = STORE_ENDPOINTS.postgres;
  return {
    name: 'wait-for-db',
    image: UTILITY_IMAGES.postgresClient,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', renderCommand('wait-for-db.sh', WAIT_FOR_DB_SCRIPT, { HOST: host, PORT: port })],
    // The pod's uid has no passwd entry in postgres:16-alpine (it knows root and postgres, uid 70): without a
    // user name libpq makes no connection attempt and pg_isready answers "no attempt" (exit 3) for ever.
    // Any name does: pg_isready only asks whether the server accepts connections, it does not log in.
    env: [{ name: 'PGUSER', value: DATA_NAMES.databaseOwner }],
    resources: resourceRequirements(WAIT_CONTAINER_RESOURCES),
    securityContext: restrictedContainerSecurityContext(),
  };
}
