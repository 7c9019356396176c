import * as path from 'path';
import { InputError } from '../platform/errors';
import { formatReleaseFile, releaseFile } from '../platform/inputs';
import { PlatformSpec } from '../platform/types';
import { writeEnvironments, writeFileAtomic } from '../output/writer';
import { synthesizePlatform } from '../synth';
import { ciFiles } from '../ci/gitlab-ci';
import { parseArgs, USAGE } from './args';

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/**
 * The synthesizer's command line: parse, validate, synthesize in memory, then write atomically. Returns
 * the exit status. Errors are one line on stderr, never a stack trace.
 */
export function runCli(platform: PlatformSpec, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): number {
  try {
    const options = parseArgs(argv, env);
    if (options.help) {
      io.stdout(USAGE);
      return 0;
    }
    const environments = synthesizePlatform(platform, options.overrides, options.releaseDir, options.envInput);
    writeEnvironments(options.outDir, [
      ...environments.map((e) => ({ name: e.environment.name, files: e.files })),
      // The CI fragment depends on the catalogue only, so every run writes it.
      ciFiles(platform),
    ]);
    if (options.save) {
      for (const e of environments) writeFileAtomic(releaseFile(options.releaseDir, e.environment.name), formatReleaseFile(e.environment, e.release));
    }
    for (const e of environments) {
      io.stdout(`${e.environment.name}: ${e.manifests.length} objects in ${e.files.size} files -> ${path.join(options.outDir, e.environment.name)}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`error: ${error.message}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`error: ${message.split('\n')[0]}`);
    return 1;
  }
}
