import { IDENTITY_SERVICE } from './conventions';
import { InputError } from './errors';
import { ServiceSpec } from './types';

/**
 * The identity service gates the application tier (operations page, "Thứ tự Khởi động"): every other backend
 * and every other migration waits for identity's health endpoint, and identity needs its own migration
 * first. This module holds that rule; the charts, the constructs and the network flows ask it.
 */

/** Whether `service` is the identity service. */
export function isIdentity(service: ServiceSpec): boolean {
  return service.name === IDENTITY_SERVICE;
}

/** identity's catalogue entry, if the catalogue has one (lib/platform/validate.ts requires it). */
export function identityOf(services: readonly ServiceSpec[]): ServiceSpec | undefined {
  return services.find(isIdentity);
}

/** Whether the pods of `service` wait for identity before they start: every backend but identity itself. */
export function waitsForIdentity(service: ServiceSpec): boolean {
  return service.tier === 'backend' && !isIdentity(service);
}

/**
 * identity's entry, for `dependant` (a service or migration that waits for it): a catalogue without identity
 * cannot start any backend, which is a mistake in the platform description.
 */
export function requireIdentity(services: readonly ServiceSpec[], dependant: ServiceSpec): ServiceSpec {
  const identity = identityOf(services);
  if (!identity) {
    throw new InputError(`service '${dependant.name}'`, dependant.tier, `allowed: a backend or a migration only with the '${IDENTITY_SERVICE}' service in the catalogue (it waits for identity)`);
  }
  return identity;
}
