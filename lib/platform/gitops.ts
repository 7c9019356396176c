import { InputError } from './errors';
import { assertDnsLabel } from './rules';

/**
 * Where Argo CD and Flux find this platform's output: the inputs of the generated GitOps objects, set per
 * environment in the `gitops:` block of the release file (lib/platform/releases/<env>.yaml).
 */
export interface GitOpsSpec {
  /** Git repository that holds the committed `dist/`, as the controllers clone it (`https://` or `ssh://`). */
  readonly repoURL: string;
  /** Branch the controllers follow; production deploys what is merged to `main`. */
  readonly revision: string;
  /** Folder of the repository holding the environment folders (`dist`, or `.` at the top). */
  readonly path: string;
  /** Secret in Flux's namespace with the clone credentials, created by hand like every Secret. */
  readonly secretName: string;
}

/**
 * The platform repository (this one), the single setting its three readers take it from: the services' CI
 * fragment triggers this GitLab project (lib/ci/gitlab-ci.ts), and Flux and Argo CD clone it
 * (`GITOPS_DEFAULTS.repoURL`; a release file's `gitops.repoURL` may change the host or scheme, not the
 * project). The operations page names GitLab and `main` but no repository: the name follows the company's
 * domain.
 */
export const PLATFORM_REPOSITORY = { host: 'gitlab.bana.com.vn', project: 'bana/bana-platform' } as const;

export const GITOPS_DEFAULTS: GitOpsSpec = {
  repoURL: `https://${PLATFORM_REPOSITORY.host}/${PLATFORM_REPOSITORY.project}.git`,
  revision: 'main',
  path: 'dist',
  secretName: 'nx-platform-git',
};

/** Fixed names and timings of the generated GitOps objects. */
export const GITOPS = {
  argoNamespace: 'argocd',
  argoProject: 'default',
  /** The cluster Argo CD runs in (each environment has its own cluster and its own Argo CD or Flux). */
  argoDestination: 'https://kubernetes.default.svc',
  fluxNamespace: 'flux-system',
  sourceName: 'nx-platform',
  sourceInterval: '1m',
  /** Re-apply (and correct drift) every 10 minutes; retry a failed layer after 2. */
  interval: '10m',
  retryInterval: '2m',
  /**
   * Least health wait per layer; a layer with a longer Job or rollout deadline gets that deadline plus
   * `timeoutMargin` (lib/reports/gitops.ts, layerTimeout).
   */
  timeout: '10m',
  /** Scheduling and image pulls on top of the longest deadline of a layer. */
  timeoutMargin: '5m',
} as const;

/** A GITOPS duration in minutes; the durations are written as whole minutes (`'10m'`). */
export function gitopsMinutes(key: 'timeout' | 'timeoutMargin'): number {
  const value: string = GITOPS[key];
  const match = /^(\d+)m$/.exec(value);
  if (!match) throw new InputError(`GITOPS.${key} (lib/platform/gitops.ts)`, value, "allowed: whole minutes such as '10m'");
  return Number(match[1]);
}

const KEYS = Object.keys(GITOPS_DEFAULTS) as (keyof GitOpsSpec)[];

/** The `gitops:` block of a release file, validated, with defaults for what it leaves out. */
export function parseGitOps(input: string, raw: unknown): GitOpsSpec {
  if (raw === undefined || raw === null) return GITOPS_DEFAULTS;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(input, raw, `allowed: a mapping with ${KEYS.join(', ')}`);
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(KEYS as string[]).includes(key)) throw new InputError(`${input} key`, key, `allowed: ${KEYS.join(', ')}`);
  }
  const value = (key: keyof GitOpsSpec): string => {
    const v = record[key];
    if (v === undefined || v === null) return GITOPS_DEFAULTS[key];
    if (typeof v !== 'string') throw new InputError(`${input}.${key}`, v, 'allowed: a string');
    return v;
  };
  const spec: GitOpsSpec = { repoURL: value('repoURL'), revision: value('revision'), path: value('path'), secretName: value('secretName') };
  assertRepoUrl(`${input}.repoURL`, spec.repoURL);
  assertBranch(`${input}.revision`, spec.revision);
  assertRepoPath(`${input}.path`, spec.path);
  assertDnsLabel(`${input}.secretName`, spec.secretName);
  return spec;
}

/**
 * Flux accepts `http`, `https` and `ssh` URLs; plain `http` is refused (the platform's source of truth must
 * not travel in clear), and so is a password in the URL (it would be a secret in git).
 */
function assertRepoUrl(input: string, value: string): void {
  const allowed = 'allowed: an https:// or ssh:// repository URL without a password, e.g. https://gitlab.example.com/group/repo.git';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(input, value, allowed);
  }
  if (!['https:', 'ssh:'].includes(url.protocol) || url.hostname === '' || url.password !== '' || url.search !== '' || url.hash !== '' || /\s/.test(value)) {
    throw new InputError(input, value, allowed);
  }
  const project = url.pathname.replace(/^\/+/, '').replace(/\.git$/, '');
  if (project !== PLATFORM_REPOSITORY.project) {
    throw new InputError(
      input,
      value,
      `allowed: a URL of the project ${PLATFORM_REPOSITORY.project}, the one the services' CI fragment triggers (change PLATFORM_REPOSITORY in lib/platform/gitops.ts to move it)`,
    );
  }
}

/** A branch name as `git check-ref-format --branch` accepts it (the common subset). */
function assertBranch(input: string, value: string): void {
  const ok =
    /^[A-Za-z0-9._/-]{1,255}$/.test(value) &&
    !value.startsWith('-') &&
    !value.startsWith('/') &&
    !value.endsWith('/') &&
    !value.endsWith('.') &&
    !value.endsWith('.lock') &&
    !value.includes('..') &&
    !value.includes('//') &&
    !value.split('/').some((part) => part.startsWith('.'));
  if (!ok) throw new InputError(input, value, "allowed: a git branch name such as 'main' or 'release/2024-10'");
}

/** A folder inside the repository: relative, no `..`, so the controllers cannot be pointed outside it. */
function assertRepoPath(input: string, value: string): void {
  const parts = value.split('/');
  const ok = value === '.' || (parts.every((p) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(p)) && value.length <= 255);
  if (!ok) throw new InputError(input, value, "allowed: '.' or a relative folder path such as 'dist' (no leading '/', no '..')");
}

/** The path of an environment's folder, or of a folder inside it, as the controllers address it. */
export function repoPath(spec: GitOpsSpec, ...parts: string[]): string {
  const base = spec.path === '.' ? [] : [spec.path];
  return ['.', ...base, ...parts].join('/');
}
