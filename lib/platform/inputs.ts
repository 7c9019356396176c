import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { DEFAULT_REGISTRY } from './conventions';
import { InputError } from './errors';
import { formatGitOps, GitOpsSpec, parseGitOps } from './gitops';
import { ClusterNetwork, formatClusterNetwork, parseClusterNetwork } from './network-inputs';
import { BackupLocations, formatBackupLocations, parseBackupLocations } from './backup-locations';
import { assertImageTag, assertRegistry } from './rules';
import { EnvironmentSpec, PlatformSpec, Release } from './types';

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
    tag = overrides.tag.value;
    // A tag for all services replaces the file's per-service pins too: "deploy this commit everywhere".
    for (const key of Object.keys(tags)) delete tags[key];
  }
  for (const t of overrides.tags) {
    if (!services.includes(t.service)) {
      throw new InputError(t.input, t.service, `allowed: a service of the catalogue (${services.join(', ')})`);
    }
    assertImageTag(t.input, t.value, env.forbiddenTags);
    tags[t.service] = t.value;
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
    throw new InputError(`release file ${file}: 'tag'`, data.tag ?? null, 'allowed: an image tag string (quote tags that look like numbers)');
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
        throw new InputError(`release file ${file}: 'tags.${service}'`, value, 'allowed: an image tag string (quote tags that look like numbers)');
      }
      assertImageTag(`release file ${file}: 'tags.${service}'`, value, env.forbiddenTags);
      tags[service] = value;
    }
  }
  if (data.registry !== undefined && typeof data.registry !== 'string') {
    throw new InputError(`release file ${file}: 'registry'`, data.registry, 'allowed: a registry host string');
  }
  const gitops = parseGitOps(`release file ${file}: 'gitops'`, data.gitops);
  const network = parseClusterNetwork(`release file ${file}: 'network'`, data.network);
  const backups = parseBackupLocations(`release file ${file}: 'backups'`, data.backups, env.name, platform.environments.map((e) => e.name));
  return { registry: data.registry as string | undefined, tag: data.tag, tags, gitops, network, backups };
}

/** The release file text for a release, as `--save` writes it. */
export function formatReleaseFile(env: EnvironmentSpec, release: Release): string {
  const lines = [
    `# Images deployed to ${env.name}. Change with \`npm run synth -- --env ${env.name} --tag [<service>=]<tag> --save\``,
    '# (or edit by hand), then commit this file together with the regenerated dist/.',
    `registry: ${release.registry}`,
    `tag: "${release.tag}"`,
  ];
  const entries = Object.entries(release.tags);
  if (entries.length > 0) {
    lines.push('tags:');
    for (const [service, tag] of entries) lines.push(`  ${service}: "${tag}"`);
  }
  if (release.gitops) lines.push(...formatGitOps(release.gitops));
  if (release.network) lines.push(...formatClusterNetwork(release.network));
  if (release.backups) lines.push(...formatBackupLocations(env.name, release.backups));
  return lines.join('\n') + '\n';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The image tag of one service in a release. */
export function tagOf(release: Release, service: string): string {
  return release.tags[service] ?? release.tag;
}

/** `<registry>/nx-<service>:<tag>` (operations page, "Build Image"). */
export function imageOf(release: Release, service: string): string {
  return `${release.registry}/nx-${service}:${tagOf(release, service)}`;
}
