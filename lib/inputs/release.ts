import * as fs from 'fs';
import * as path from 'path';
import { Document, isMap, isScalar, parseDocument, Scalar } from 'yaml';
import { DEFAULT_REGISTRY, imageRepository, packageOf } from '../platform/conventions';
import { InputError } from '../platform/errors';
import { BackupLocations, parseBackupLocations } from '../platform/backup-locations';
import { GitOpsSpec, parseGitOps } from '../platform/gitops';
import { ClusterNetwork, parseClusterNetwork } from '../platform/network-inputs';
import { assertImageTag, assertRegistry, splitImageVersion } from '../platform/rules';
import { EnvironmentSpec, PlatformSpec, Release, ServiceSpec } from '../platform/types';

/** What the command line and the environment variables ask for. Each field is validated before use. */
export interface Overrides {
  /** Environments to write; all of them when empty. */
  readonly environments: readonly string[];
  /** Tag for every service (`--tag T`, `NX_TAG=T`). */
  readonly tag?: { readonly value: string; readonly input: string };
  /** Tag per service (`--tag svc=T`). */
  readonly tags: readonly { readonly service: string; readonly value: string; readonly input: string }[];
  readonly registry?: { readonly value: string; readonly input: string };
}

export const RELEASE_DIR = path.join('lib', 'platform', 'releases');

export function releaseFile(dir: string, env: string): string {
  return path.join(dir, `${env}.yaml`);
}

/** The environments selected by the overrides, in the platform's order; an unknown name is an error. */
export function selectEnvironments(platform: PlatformSpec, names: readonly string[], input: string): EnvironmentSpec[] {
  const known = platform.environments.map((e) => e.name);
  for (const name of names) {
    if (!known.includes(name as EnvironmentSpec['name'])) {
      throw new InputError(input, name, `allowed: ${known.join(', ')}`);
    }
  }
  return platform.environments.filter((e) => names.length === 0 || names.includes(e.name));
}

/**
 * The release of one environment: its committed release file, then the overrides on top. Validates the file's
 * shape, every tag (format, and the tags the environment refuses), service names and the registry.
 */
export function resolveRelease(platform: PlatformSpec, env: EnvironmentSpec, dir: string, overrides: Overrides): Release {
  const file = releaseFile(dir, env.name);
  const fromFile = readReleaseFile(platform, env, file);
  const services = platform.services.map((s) => s.name);
  const tags: Record<string, string> = { ...fromFile.tags };
  let tag = fromFile.tag;
  if (overrides.tag) {
    assertImageTag(overrides.tag.input, overrides.tag.value, env.forbiddenTags);
    // The default tag changes; the file's per-service pins stay pinned (the CLI lists them), so a pin is
    // only ever changed by naming its service (`--tag <service>=<tag>`) or by editing the file.
    tag = overrides.tag.value;
  }
  const pinned = new Map<string, { readonly input: string; readonly value: string }>();
  for (const t of overrides.tags) {
    if (!services.includes(t.service)) {
      throw new InputError(t.input, t.service, `allowed: a service of the catalogue (${services.join(', ')})`);
    }
    assertImageTag(t.input, t.value, env.forbiddenTags);
    // A tag belongs to an image, and an image to a package: `--tag payment-api=T` pins nx-payment, so it
    // replaces the file's pins of every service of that package.
    const pkg = packageOf(serviceNamed(platform, t.service));
    const earlier = pinned.get(pkg);
    if (earlier && earlier.value !== t.value) {
      throw new InputError(t.input, t.value, `allowed: the tag ${earlier.value} that ${earlier.input} already gives the image nx-${pkg} (its services share one image)`);
    }
    pinned.set(pkg, t);
    for (const s of platform.services) if (packageOf(s) === pkg) delete tags[s.name];
    tags[t.service] = t.value;
  }
  assertOnePinPerImage(platform, tags, `release file ${file}: 'tags'`);
  // One image, one tag: a pin of one service of a package is the pin of all of them.
  for (const s of platform.services) {
    const sibling = platform.services.find((o) => packageOf(o) === packageOf(s) && tags[o.name] !== undefined);
    if (sibling && tags[s.name] === undefined) tags[s.name] = tags[sibling.name];
  }
  const registry = overrides.registry?.value ?? fromFile.registry ?? DEFAULT_REGISTRY;
  assertRegistry(overrides.registry?.input ?? `${file}: 'registry'`, registry);
  return { registry, tag, tags: sortKeys(tags), gitops: fromFile.gitops, network: fromFile.network, backups: fromFile.backups };
}

interface ReleaseFileContent {
  readonly registry?: string;
  readonly tag: string;
  readonly tags: Record<string, string>;
  readonly gitops: GitOpsSpec;
  readonly network: ClusterNetwork;
  readonly backups: BackupLocations;
}

function readReleaseFile(platform: PlatformSpec, env: EnvironmentSpec, file: string): ReleaseFileContent {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`release file of environment '${env.name}'`, file, 'allowed: an existing YAML file with at least `tag: <image tag>`');
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(`release file ${file}`, doc.errors[0].message.split('\n')[0], 'allowed: valid YAML');
  }
  const data = doc.toJS() as unknown;
  if (!isRecord(data)) {
    throw new InputError(`release file ${file}`, data, 'allowed: a mapping with `tag`, optional `tags` and `registry`');
  }
  for (const key of Object.keys(data)) {
    if (!['registry', 'tag', 'tags', 'gitops', 'network', 'backups'].includes(key)) {
      throw new InputError(`release file ${file}: key`, key, 'allowed: registry, tag, tags, gitops, network, backups');
    }
  }
  if (typeof data.tag !== 'string') {
    throw new InputError(`release file ${file}: 'tag'`, sourceText(doc, text, ['tag']), 'allowed: an image tag string (quote tags that look like numbers)');
  }
  assertImageTag(`release file ${file}: 'tag'`, data.tag, env.forbiddenTags);
  const tags: Record<string, string> = {};
  if (data.tags !== undefined && data.tags !== null) {
    if (!isRecord(data.tags)) {
      throw new InputError(`release file ${file}: 'tags'`, data.tags, 'allowed: a mapping of service name to image tag');
    }
    const services = platform.services.map((s) => s.name);
    for (const [service, value] of Object.entries(data.tags)) {
      if (!services.includes(service)) {
        throw new InputError(`release file ${file}: 'tags' key`, service, `allowed: a service of the catalogue (${services.join(', ')})`);
      }
      if (typeof value !== 'string') {
        throw new InputError(`release file ${file}: 'tags.${service}'`, sourceText(doc, text, ['tags', service]), 'allowed: an image tag string (quote tags that look like numbers)');
      }
      assertImageTag(`release file ${file}: 'tags.${service}'`, value, env.forbiddenTags);
      tags[service] = value;
    }
  }
  if (data.registry !== undefined && typeof data.registry !== 'string') {
    throw new InputError(`release file ${file}: 'registry'`, sourceText(doc, text, ['registry']), 'allowed: a registry host string (quote it if YAML reads it as a number)');
  }
  const gitops = parseGitOps(`release file ${file}: 'gitops'`, data.gitops);
  const network = parseClusterNetwork(`release file ${file}: 'network'`, data.network);
  const backups = parseBackupLocations(`release file ${file}: 'backups'`, data.backups, env.name, platform.environments.map((e) => e.name));
  return { registry: data.registry as string | undefined, tag: data.tag, tags, gitops, network, backups };
}

/**
 * The release file text after `--save`: the file as it is, with only what the overrides name changed in place
 * (the YAML library's Document API keeps comments, order and the other keys and pins): `registry`, `tag`, and
 * `tags.<service>` for each `--tag <service>=<tag>` and the services that share its image. Values are written double-quoted so YAML never reads a tag
 * or registry as a number.
 */
export function savedReleaseFile(platform: PlatformSpec, dir: string, env: EnvironmentSpec, overrides: Overrides): string {
  const file = releaseFile(dir, env.name);
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  const quoted = (value: string): Scalar => {
    const node = new Scalar(value);
    node.type = Scalar.QUOTE_DOUBLE;
    return node;
  };
  if (overrides.registry) doc.set('registry', quoted(overrides.registry.value));
  if (overrides.tag) doc.set('tag', quoted(overrides.tag.value));
  for (const t of overrides.tags) {
    if (!isMap(doc.get('tags', true))) doc.set('tags', doc.createNode({}));
    // A pin names an image: every service of the same package is pinned with it (resolveRelease refuses
    // a file whose pins of one package disagree).
    const pkg = packageOf(serviceNamed(platform, t.service));
    for (const s of platform.services) if (packageOf(s) === pkg) doc.setIn(['tags', s.name], quoted(t.value));
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The value of a key as the file spells it (`4e12345`, not the number YAML made of it). */
function sourceText(doc: Document, text: string, keyPath: readonly string[]): unknown {
  const node = doc.getIn(keyPath, true);
  if (isScalar(node) && node.range) return text.slice(node.range[0], node.range[1]);
  return doc.getIn(keyPath) ?? null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function serviceNamed(platform: PlatformSpec, name: string): ServiceSpec {
  const service = platform.services.find((s) => s.name === name);
  if (!service) throw new Error(`no service '${name}' in the catalogue`);
  return service;
}

/** Pins of services that share a package must agree: they name one image. */
function assertOnePinPerImage(platform: PlatformSpec, tags: Readonly<Record<string, string>>, input: string): void {
  const byPackage = new Map<string, string>();
  for (const s of platform.services) {
    const tag = tags[s.name];
    if (tag === undefined) continue;
    const pkg = packageOf(s);
    const other = byPackage.get(pkg);
    if (other !== undefined && tags[other] !== tag) {
      throw new InputError(`${input}.${s.name}`, tag, `allowed: the tag of ${other} (${tags[other]}): both run the image nx-${pkg}`);
    }
    byPackage.set(pkg, s.name);
  }
}

/** The image tag of one service in a release (resolveRelease gives every service of a pinned package the pin). */
export function tagOf(release: Release, service: ServiceSpec): string {
  return release.tags[service.name] ?? release.tag;
}

/**
 * `<registry>/nx-<package>:<tag>` (operations page, "Build Image"; images are built per package);
 * `…:<tag>@sha256:…` for a tag pinned by digest, `…@sha256:…` for a digest alone.
 */
export function imageOf(release: Release, service: ServiceSpec): string {
  const { tag, digest } = splitImageVersion(tagOf(release, service));
  return `${release.registry}/${imageRepository(service)}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
}
