import { storesOf } from './conventions';
import { DataStore, ServiceSpec } from './types';

/**
 * Capability labels: pod labels derived from a service's catalogue entry that say what its pods may reach
 * (`platform.bana.com.vn/uses-postgres: "true"`). Shared network policies (a store's ingress) select their
 * clients by these labels instead of listing services, so adding a service touches none of them. They go on
 * pod templates only, never on a Deployment's selector (immutable) or a Service's selector.
 */

/** The value every capability label carries. */
export const CAPABILITY_VALUE = 'true';

/** Label key stating that a pod uses `store`. */
export function usesLabel(store: DataStore): string {
  return `platform.bana.com.vn/uses-${store}`;
}

/**
 * The capability labels of a service's pods, in the order the catalogue declares its stores. Services and
 * their migration Jobs both carry them; what a migration may reach is narrowed by its component label.
 */
export function capabilityLabels(service: ServiceSpec): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const store of storesOf(service)) labels[usesLabel(store)] = CAPABILITY_VALUE;
  return labels;
}
