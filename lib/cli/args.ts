import { InputError } from '../platform/errors';
import { Overrides, RELEASE_DIR } from '../platform/inputs';

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
  --tag <tag>               image tag for every service (NX_TAG)
  --tag <service>=<tag>     image tag for one service; repeatable (NX_TAG="identity=abc1234 sale=def5678")
  --registry <host[/path]>  image registry (NX_REGISTRY); default: the release file's, else bcr.bana.com.vn
  --save                    also write the tags/registry into lib/platform/releases/<env>.yaml
  --out <dir>               output folder; default: dist
  --release-dir <dir>       folder of the release files; default: lib/platform/releases
  --help                    this text`;

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

  const addTag = (raw: string, input: string): void => {
    const eq = raw.indexOf('=');
    if (eq === -1) {
      tag = { value: raw, input };
    } else {
      tags.push({ service: raw.slice(0, eq), value: raw.slice(eq + 1), input: `${input} ${raw.slice(0, eq)}` });
    }
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
      case '--env':
        environments.push(...splitList(value()));
        break;
      case '--tag':
        tagFromCli = true;
        addTag(value(), '--tag');
        break;
      case '--registry':
        registry = { value: value(), input: '--registry' };
        break;
      case '--out':
        outDir = value();
        break;
      case '--release-dir':
        releaseDir = value();
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

function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((v) => v.length > 0);
}

/** An empty variable counts as unset (CI systems often define variables with no value). */
function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}
