import { InputError } from './errors';

/** Format rules shared by input parsing and platform validation. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDnsLabel(value: string, maxLength = 63): boolean {
  return value.length <= maxLength && DNS_LABEL.test(value);
}

export function assertDnsLabel(input: string, value: string, maxLength = 63): void {
  if (!isDnsLabel(value, maxLength)) {
    throw new InputError(input, value, `allowed: a DNS-1123 label of at most ${maxLength} characters (lower-case a-z, 0-9 and '-', starting and ending alphanumeric)`);
  }
}

/** Docker's tag grammar. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function assertImageTag(input: string, value: string, forbidden: readonly string[]): void {
  if (!IMAGE_TAG.test(value)) {
    throw new InputError(input, value, "allowed: an image tag of 1-128 characters from [A-Za-z0-9_.-], not starting with '.' or '-'");
  }
  if (forbidden.includes(value)) {
    throw new InputError(input, value, `allowed: an immutable tag such as the commit SHA; this environment refuses ${forbidden.map((t) => `'${t}'`).join(', ')}`);
  }
}

/** A registry host with optional port and path, as Docker references spell it (no scheme, no trailing slash). */
const REGISTRY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function assertRegistry(input: string, value: string): void {
  if (value.length > 255 || !REGISTRY.test(value)) {
    throw new InputError(input, value, "allowed: a registry host with optional :port and /path, without scheme or trailing '/' (e.g. bcr.bana.com.vn)");
  }
}
