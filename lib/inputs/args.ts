import { InputError } from '../platform/errors';
import { Overrides, RELEASE_DIR } from './release';

/** Parsed command line of the synthesizer. */
export interface CliOptions {
  readonly overrides: Overrides;
  /** Where the environment folders go. */
  readonly outDir: string;
  /** Folder of the per-environment release files. */
  readonly releaseDir: string;
  /** Persist the tag and registry overrides into the release files of the selected environments. */
  readonly save: boolean;
  readonly help: boolean;
  /** Which input selected the environments, for error messages. */
  readonly envInput: string;
}

export const USAGE = `Usage: npm run synth -- [options]   (or: npx cdk8s synth --check-upgrade false, with the NX_* variables)

Synthesizes the BANA platform into <out>/<env>/, validating every input first; on any error nothing is written.

Options (each has an environment variable; the option wins):
  --env <name>[,<name>]     environments to write (NX_ENV); default: all (staging, production)
  --tag <tag>               image tag for every service, once (NX_TAG); <tag>@sha256:<64 hex> or sha256:<64 hex>
                            pin by digest; services pinned in the release file keep their pin
  --tag <service>=<tag>     image tag for one service; once per service (NX_TAG="identity=abc1234 sale=def5678")
  --registry <host[/path]>  image registry (NX_REGISTRY); default: the release file's, else bcr.bana.com.vn
  --save                    also write the tags/registry into lib/platform/releases/<env>.yaml
  --out <dir>               output folder; default: dist
  --release-dir <dir>       folder of the release files; default: lib/platform/releases
  --help                    this text

With npm, put -- before the options (npm run synth -- --tag abc1234): without it npm takes them as its own.
Exit status: 0 written; 2 bad input, nothing written; 1 any other failure (disk, lock timeout), nothing written.
One run writes at a time (lock .<out>.lock beside the output folder); an interrupted run is finished or
undone by the next one.`;

const ALLOWED = 'allowed: --env, --tag, --registry, --save, --out, --release-dir, --help';

/** Parses argv (without node and script) and the NX_* environment variables. Throws `InputError`. */
export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  const environments: string[] = [];
  let envInput = '--env';
  let tag: Overrides['tag'];
  const tags: { service: string; value: string; input: string }[] = [];
  let registry: Overrides['registry'];
  let outDir = 'dist';
  let releaseDir = RELEASE_DIR;
  let save = false;
  let help = false;
  let tagFromCli = false;
  const seenFolders = new Set<string>();

  refuseNpmSwallowedFlags(env);

  const addTag = (raw: string, input: string): void => {
    const eq = raw.indexOf('=');
    if (eq === -1) {
      if (tag) throw new InputError(input, raw, `allowed: one tag for every service; ${tag.input} already says ${JSON.stringify(tag.value)}`);
      tag = { value: raw, input };
    } else {
      const service = raw.slice(0, eq);
      const earlier = tags.find((t) => t.service === service);
      if (earlier) throw new InputError(`${input} ${service}`, raw.slice(eq + 1), `allowed: one tag per service; ${earlier.input} already says ${JSON.stringify(earlier.value)}`);
      tags.push({ service, value: raw.slice(eq + 1), input: `${input} ${service}` });
    }
  };
  const once = (flag: string, seen: boolean, value: string): void => {
    if (seen) throw new InputError(flag, value, `allowed: ${flag} once`);
  };
  /** A folder flag (`--out`, `--release-dir`): given at most once, never empty. */
  const folder = (flag: string, raw: string): string => {
    once(flag, seenFolders.has(flag), raw);
    if (raw.trim() === '') throw new InputError(flag, raw, 'allowed: a folder path');
    seenFolders.add(flag);
    return raw;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new InputError(flag, null, `allowed: ${flag} followed by a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--env': {
        const raw = value();
        if (splitList(raw).length === 0) throw new InputError('--env', raw, 'allowed: one or more environment names, comma-separated; leave --env out for every environment');
        environments.push(...splitList(raw));
        break;
      }
      case '--tag':
        tagFromCli = true;
        addTag(value(), '--tag');
        break;
      case '--registry': {
        const raw = value();
        once('--registry', registry !== undefined, raw);
        registry = { value: raw, input: '--registry' };
        break;
      }
      case '--out':
        outDir = folder('--out', value());
        break;
      case '--release-dir':
        releaseDir = folder('--release-dir', value());
        break;
      case '--save':
        save = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new InputError('command line argument', arg, ALLOWED);
    }
  }

  if (environments.length === 0 && nonEmpty(env.NX_ENV)) {
    environments.push(...splitList(env.NX_ENV!));
    envInput = 'NX_ENV';
  }
  if (!tagFromCli && nonEmpty(env.NX_TAG)) {
    for (const raw of splitList(env.NX_TAG!)) addTag(raw, 'NX_TAG');
  }
  if (!registry && nonEmpty(env.NX_REGISTRY)) {
    registry = { value: env.NX_REGISTRY!, input: 'NX_REGISTRY' };
  }
  return { overrides: { environments, tag, tags, registry }, outDir, releaseDir, save, help, envInput };
}

/**
 * `npm run synth --tag=x` (no `--`) gives the flag to npm, not to the synthesizer: npm keeps it as its own
 * setting and exports it to the script's environment as `npm_config_tag=x` (observed with npm 11.19: every
 * setting given on npm's command line that differs from npm's default is exported as `npm_config_<name>`).
 * The run would silently ignore it, so it is refused. `--save` and `--registry` cannot be told apart this way
 * (`save` is npm's default, and a registry may come from the user's .npmrc): docs/usage.md says so.
 */
const NPM_SWALLOWED = ['env', 'tag', 'out', 'release_dir', 'help'];

function refuseNpmSwallowedFlags(env: Readonly<Record<string, string | undefined>>): void {
  if (env.npm_lifecycle_event === undefined) return;
  for (const name of NPM_SWALLOWED) {
    const value = env[`npm_config_${name}`];
    if (value === undefined) continue;
    const flag = `--${name.replace(/_/g, '-')}`;
    throw new InputError(`npm_config_${name}`, value, `allowed: synthesizer flags after \`--\` (npm run ${env.npm_lifecycle_event} -- ${flag} ${value}); without it npm took ${flag} as its own setting and the run would ignore it`);
  }
}

function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((v) => v.length > 0);
}

/** An empty variable counts as unset (CI systems often define variables with no value). */
function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
