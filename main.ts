import * as fs from 'fs';
import { runCli } from './lib/cli/cli';
import { PLATFORM } from './lib/platform';

// Composition only: the platform description, the process's arguments and environment, its streams.
process.exitCode = runCli(PLATFORM, process.argv.slice(2), process.env, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});

// Under `cdk8s synth` the CLI empties CDK8S_OUTDIR and expects the app to create it. The manifests go to
// dist/ (written atomically by runCli), so that folder stays empty.
if (process.exitCode === 0 && process.env.CDK8S_OUTDIR) fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });
