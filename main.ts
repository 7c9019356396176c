import { runCli } from './lib/cli/cli';
import { PLATFORM } from './lib/platform';

// Composition only: the platform description, the process's arguments and environment, its streams.
process.exitCode = runCli(PLATFORM, process.argv.slice(2), process.env, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
