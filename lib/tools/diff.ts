import { PLATFORM } from '../platform';
import { runDiff } from '../review/commands';

// `npm run diff [-- --check] [--stale] [--markdown]`: the object-level diff of a fresh synth against dist/.
process.exitCode = runDiff(PLATFORM, process.argv.slice(2), process.env, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
