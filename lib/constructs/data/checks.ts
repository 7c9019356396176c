import { k8s } from 'cdk8s-plus-28';
import { parseQuantity } from '../../k8s/quantity';
import { InputError } from '../../platform/errors';
import { ResourceSpec } from '../../platform/types';

/**
 * Eager checks shared by the data-layer constructs. Each names the construct, the field, the bad value and
 * what is allowed, and throws an `InputError`, so the CLI prints one line and leaves dist/ untouched.
 */

/** `Kind 'name'`: how a data-layer object is named in error messages. */
export function subject(kind: string, name: string): string {
  return `${kind} '${name}'`;
}

export function assertInteger(where: string, field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min} to ${max}`;
    throw new InputError(`${where}: '${field}'`, value, `allowed: a whole number, ${range}`);
  }
}

export function assertOdd(where: string, field: string, value: number, why: string): void {
  if (value % 2 === 0) {
    throw new InputError(`${where}: '${field}'`, value, `allowed: an odd number (${why})`);
  }
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const STORAGE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;

export function assertStorageSize(where: string, field: string, value: string): void {
  if (!STORAGE.test(value)) {
    throw new InputError(`${where}: '${field}'`, value, 'allowed: a volume size such as 20Gi (a whole number of Mi, Gi or Ti)');
  }
}

export function assertResources(where: string, field: string, spec: ResourceSpec): void {
  const values: [string, string][] = [
    ['requests.cpu', spec.requests.cpu],
    ['requests.memory', spec.requests.memory],
    ['limits.cpu', spec.limits.cpu],
    ['limits.memory', spec.limits.memory],
  ];
  for (const [key, value] of values) {
    if (!QUANTITY.test(value)) {
      throw new InputError(`${where}: '${field}.${key}'`, value, 'allowed: a Kubernetes quantity such as 500m, 1, 256Mi or 2Gi');
    }
  }
  for (const resource of ['cpu', 'memory'] as const) {
    if (parseQuantity(spec.requests[resource]) > parseQuantity(spec.limits[resource])) {
      throw new InputError(`${where}: '${field}.requests.${resource}'`, spec.requests[resource], `allowed: at most the limit (${spec.limits[resource]})`);
    }
  }
}

/**
 * Resources for a CRD whose generated types wrap quantities in their own class (every CRD has one): pass
 * that class's `fromString`.
 */
export function crdResources<Q>(spec: ResourceSpec, fromString: (value: string) => Q): { requests: Record<string, Q>; limits: Record<string, Q> } {
  return {
    requests: { cpu: fromString(spec.requests.cpu), memory: fromString(spec.requests.memory) },
    limits: { cpu: fromString(spec.limits.cpu), memory: fromString(spec.limits.memory) },
  };
}


/** The `data` volume claim of a store's StatefulSet: one ReadWriteOnce volume per pod, labelled like the pods. */
export function dataVolumeClaim(selector: Readonly<Record<string, string>>, size: string, storageClass?: string): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name: 'data', labels: { ...selector } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: storageClass,
      resources: { requests: { storage: k8s.Quantity.fromString(size) } },
    },
  };
}
