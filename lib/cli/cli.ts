import * as path from 'path';
import { InputError, maskCredentials } from '../platform/errors';
import { releaseFile, savedReleaseFile } from '../inputs/release';
import { PlatformSpec } from '../platform/types';
import { validatePlatform } from '../platform/validate';
import { EnvironmentFiles, withLock, writeEnvironments } from '../output/writer';
import { synthesizePlatform, SynthesizedEnvironment } from '../synth/synthesize';
import { ciFiles } from '../ci/gitlab-ci';
import { parseArgs, USAGE } from '../inputs/args';

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Told first thing under the lock, before any input is read (main.ts stamps the release files there). */
  readonly locked?: (where: RunFolders) => void;
  /**
   * Told the environments once they are written and the summary printed, still under the lock (main.ts gives
   * `cdk8s synth` its review copy, and writes the up-to-date record of lib/output/up-to-date.ts).
   */
  readonly written?: (environments: readonly SynthesizedEnvironment[], where: RunFolders) => void;
}

/** Where a run reads and writes: the output folder, the release files' folder, and what it wrote in the output. */
export interface RunFolders {
  readonly outDir: string;
  readonly releaseDir: string;
  /** Each folder of `outDir` the run replaced, with its files (path relative to it → content). */
  readonly wrote: readonly EnvironmentFiles[];
}

/**
 * The synthesizer's command line: parse and validate the flags and the platform description, take the lock
 * beside the output folder, read and validate the release files, synthesize in memory, then write the
 * environment folders (and, with --save, the release files) as one transaction. Returns the exit status:
 * 0 written; 2 bad input (nothing written); 1 any other failure (nothing written). Errors are one line on
 * stderr, credentials masked, never a stack trace.
 */
export function runCli(platform: PlatformSpec, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): number {
  try {
    const options = parseArgs(argv, env);
    if (options.help) {
      io.stdout(USAGE);
      return 0;
    }
    validatePlatform(platform);
    const onWait = (owner: { pid: number }) => io.stderr(`waiting: another synth (process ${owner.pid}) is writing ${options.outDir}/ or the release files`);
    // With --save, the release folder's lock too (always after the output's, so two runs never wait on each
    // other): runs with different --out but the same release files are one at a time as well.
    const locked = <T>(body: () => T): T => (options.save ? withLock(options.outDir, () => withLock(options.releaseDir, body, { onWait }), { onWait }) : withLock(options.outDir, body, { onWait }));
    return locked(() => {
      const where = (wrote: readonly EnvironmentFiles[]): RunFolders => ({ outDir: options.outDir, releaseDir: options.releaseDir, wrote });
      io.locked?.(where([]));
      const environments = synthesizePlatform(platform, options.overrides, options.releaseDir, options.envInput);
      const files = options.save
        ? environments.map((e) => ({ file: releaseFile(options.releaseDir, e.environment.name), content: savedReleaseFile(platform, options.releaseDir, e.environment, options.overrides) }))
        : [];
      const wrote: EnvironmentFiles[] = [
        ...environments.map((e) => ({ name: e.environment.name, files: e.files })),
        // The CI fragment depends on the catalogue only, so every run writes it.
        ciFiles(platform),
      ];
      writeEnvironments(options.outDir, wrote, { files, sweep: [options.releaseDir] });
      for (const e of environments) {
        io.stdout(`${e.environment.name}: ${e.manifests.length} objects in ${e.files.size} files -> ${path.join(options.outDir, e.environment.name)}`);
        const pins = Object.entries(e.release.tags).filter(([service]) => !options.overrides.tags.some((t) => t.service === service));
        if (options.overrides.tag && pins.length > 0) {
          io.stdout(`${e.environment.name}: pinned by its release file, not changed by ${options.overrides.tag.input}: ${pins.map(([s, t]) => `${s}=${t}`).join(', ')} (change with --tag <service>=<tag>)`);
        }
      }
      if (options.save) for (const f of files) io.stdout(`saved ${f.file}`);
      io.written?.(environments, where(wrote));
      return 0;
    });
  } catch (error) {
    return reportError(error, io);
  }
}

/** One line on stderr: exit 2 for bad input, 1 for anything else. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof InputError) {
    io.stderr(`error: ${maskCredentials(error.message)}`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`error: ${maskCredentials(message.split('\n')[0])}`);
  return 1;
}
