import { PLATFORM } from '../platform';
import { runValidate } from '../review/commands';

// `npm run validate`: schemas, names and the policy gate, over a fresh synth and over the committed dist/.
process.exitCode = runValidate(PLATFORM, process.argv.slice(2), process.env, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
