import * as fs from 'fs';
import * as path from 'path';
import { runCli } from './lib/cli/cli';
import { PLATFORM } from './lib/platform';
import { removeRecord, settledStamps, upToDateRequest, writeRecord } from './lib/output/up-to-date';

// Composition only: the platform description, the process's arguments and environment, its streams.
//
// Under `npx cdk8s synth` (cdk8s-cli 2.207, lib/util.js synthApp) the CLI sets CDK8S_OUTDIR, empties it,
// swallows the app's stdout, prints the stack of its own error when the app exits non-zero, and lists the
// *.yaml files the app left in CDK8S_OUTDIR ("No manifests synthesized" when there are none). So there:
// - the summary lines go to stderr, which the CLI passes through;
// - on success the folder gets one review copy per environment, `<env>.k8s.yaml` (the objects of dist/<env>,
//   in apply order), which the CLI lists; dist/ stays the output that is committed and applied;
// - on failure the one-line error is printed and the folder is not created: the CLI then says "synthesis
//   failed" and exits 1, without a stack trace.
//
// Started by `npm run synth` (lib/tools/synth.js), the run also keeps the launcher's up-to-date record
// (lib/output/up-to-date.ts): removed before anything can change, written back under the lock once the run
// has written everything, so a run that fails or is killed leaves none.
const cdk8sOut = process.env.CDK8S_OUTDIR;
const upToDate = cdk8sOut ? undefined : upToDateRequest();
const printed: string[] = [];
/** The record only saves time: a failure to keep it (a read-only .build/) leaves none and never fails the run. */
const recordOnly = <T>(body: () => T): T | undefined => {
  try {
    return body();
  } catch {
    return undefined;
  }
};
if (upToDate) recordOnly(() => removeRecord(upToDate));
let releaseStamps: Map<string, string> | undefined;
const write = (stream: NodeJS.WriteStream) => (line: string) => void stream.write(`${line}\n`);
const status = runCli(PLATFORM, process.argv.slice(2), process.env, {
  stdout: (line) => {
    printed.push(line);
    write(cdk8sOut ? process.stderr : process.stdout)(line);
  },
  stderr: write(process.stderr),
  locked: (where) => {
    if (upToDate) releaseStamps = recordOnly(() => settledStamps([where.releaseDir], [], `${upToDate.record}.tmp-${process.pid}`));
  },
  written: (environments, where) => {
    if (upToDate && releaseStamps) {
      const expected = new Map(where.wrote.flatMap((f) => [...f.files].map(([file, content]) => [path.resolve(where.outDir, f.name, file), content] as const)));
      recordOnly(() =>
        writeRecord(upToDate, {
          stdout: printed.map((line) => `${line}\n`).join(''),
          outDir: where.outDir,
          folders: [where.outDir, where.releaseDir],
          expected,
          before: releaseStamps!,
        }),
      );
    }
    if (!cdk8sOut) return;
    fs.mkdirSync(cdk8sOut, { recursive: true });
    for (const e of environments) {
      const name = e.environment.name;
      const header = `# Review copy of dist/${name} written by \`cdk8s synth\`; apply dist/${name} (apply.sh, kubectl apply -k, Argo CD, Flux), not this file.\n`;
      const documents = e.manifests.map((m) => e.files.get(m.path)!);
      fs.writeFileSync(path.join(cdk8sOut, `${name}.k8s.yaml`), header + documents.join('---\n'));
    }
  },
});
process.exitCode = cdk8sOut && status !== 0 ? 0 : status;
