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

/** Docker's tag grammar (distribution/reference, reference.go: `tag = [\w][\w.-]{0,127}`). */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A content digest as registries serve them; this platform pins sha256 only. */
const DIGEST = /^sha256:[a-f0-9]{64}$/;

const TAG_ALLOWED =
  "allowed: an image tag of 1-128 characters from [A-Za-z0-9_.-], not starting with '.' or '-' (quote it in YAML), " +
  'optionally pinned as <tag>@sha256:<64 lower-case hex digits>, or a digest alone, sha256:<64 hex digits>';

/** The parts of an image reference's version: `tag`, `tag@sha256:…` or `sha256:…`. */
export function splitImageVersion(value: string): { readonly tag?: string; readonly digest?: string } {
  if (DIGEST.test(value)) return { digest: value };
  const at = value.indexOf('@');
  return at === -1 ? { tag: value } : { tag: value.slice(0, at), digest: value.slice(at + 1) };
}

/**
 * An image version: a tag, a tag pinned by digest, or a digest alone. A tag the environment refuses (compared
 * without case: registries keep `LATEST` and `latest` apart, people do not) is refused unless a digest pins it.
 */
export function assertImageTag(input: string, value: string, forbidden: readonly string[]): void {
  const { tag, digest } = splitImageVersion(value);
  if ((tag !== undefined && !IMAGE_TAG.test(tag)) || (digest !== undefined && !DIGEST.test(digest))) {
    throw new InputError(input, value, TAG_ALLOWED);
  }
  if (digest === undefined && tag !== undefined && forbidden.some((f) => f.toLowerCase() === tag.toLowerCase())) {
    throw new InputError(input, value, `allowed: an immutable tag such as the commit SHA, or a digest; this environment refuses ${forbidden.map((t) => `'${t}'`).join(', ')} in any case`);
  }
}

/** A registry host with optional port and path, as Docker references spell it (no scheme, no trailing slash). */
const REGISTRY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::([0-9]{1,5}))?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

const REGISTRY_ALLOWED =
  "allowed: a registry host with a '.' (or localhost), optional :port (1-65535) and /path, without scheme or trailing '/' (e.g. bcr.bana.com.vn)";

/**
 * A registry host. Docker reads the first component of `<registry>/nx-<service>` as a registry only when it has
 * a '.' or a ':' or is `localhost` (distribution/reference, normalize.go, splitDockerDomain); anything else
 * (`1234`, `bcr`) would silently mean a Docker Hub repository, so it is refused.
 */
export function assertRegistry(input: string, value: string): void {
  const match = value.length <= 255 ? REGISTRY.exec(value) : null;
  const host = value.split('/')[0];
  const port = match?.[1] === undefined ? undefined : Number(match[1]);
  if (!match || (port !== undefined && (port < 1 || port > 65535)) || !(/[.:]/.test(host) || host === 'localhost')) {
    throw new InputError(input, value, REGISTRY_ALLOWED);
  }
}
