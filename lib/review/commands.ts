import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ciFiles } from '../ci/gitlab-ci';
import { parseArgs } from '../inputs/args';
import { CliIo, reportError } from '../cli/cli';
import { KubeObject } from '../k8s/objects';
import { readTree, writeEnvironments } from '../output/writer';
import { InputError, maskCredentials } from '../platform/errors';
import { PlatformSpec } from '../platform/types';
import { synthesizePlatform } from '../synth/synthesize';
import { formatFinding, gate, policyFindings } from '../checks/policy';
import { POLICY_ALLOW_LIST } from '../checks/policy-allowlist';
import { formatProblem, ManifestError, objectProblems } from '../checks/validate';
import { diffTrees, isEmpty, renderMarkdown, renderText, unsafeChanges } from './object-diff';

/** Flags of a review command, taken out before the synthesizer's own flags are parsed. */
function takeFlags(argv: readonly string[], booleans: readonly string[]): { flags: Set<string>; dist: string; rest: string[] } {
  const flags = new Set<string>();
  let dist = 'dist';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (booleans.includes(arg)) flags.add(arg);
    else if (arg === '--dist') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new InputError('--dist', null, 'allowed: --dist followed by a folder');
      dist = next;
      i++;
    } else if (arg.startsWith('--dist=')) dist = arg.slice('--dist='.length);
    else rest.push(arg);
  }
  return { flags, dist, rest };
}

function run(io: CliIo, body: () => number): number {
  try {
    return body();
  } catch (error) {
    if (error instanceof ManifestError) {
      for (const line of error.problems) io.stderr(`error: ${maskCredentials(line)}`);
      return 2;
    }
    return reportError(error, io);
  }
}

export const DIFF_USAGE = `Usage: npm run diff -- [--check] [--stale] [--markdown] [--dist <dir>] [synth options: --env, --tag, --registry, --release-dir]

Synthesizes into a temporary folder (writing nothing else) and compares it with <dir> (default dist/) object by
object: added, removed and changed objects, with the changed fields as paths and old → new values, and for
each changed object whether it applies in place, restarts pods or needs a replace (an immutable field).
  --check      exit 1 when a change cannot apply in place and the output does not handle it
               (merge requests: --dist <the target branch's dist/>)
  --stale      exit 1 when anything differs (CI on main: dist/ is stale)
  --markdown   Markdown for a merge-request comment`;

/**
 * `npm run diff`. Exit status: 0 (no difference, or nothing that --check/--stale refuses), 1 a change that
 * cannot apply in place with --check or any difference with --stale, 2 bad input.
 */
export function runDiff(platform: PlatformSpec, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): number {
  return run(io, () => {
    const { flags, dist, rest } = takeFlags(argv, ['--check', '--stale', '--markdown']);
    const options = parseArgs(rest, env);
    if (options.help) {
      io.stdout(DIFF_USAGE);
      return 0;
    }
    if (options.save) throw new InputError('--save', true, 'allowed: nothing that writes; npm run diff only compares (use npm run synth -- --save)');
    const environments = synthesizePlatform(platform, options.overrides, options.releaseDir, options.envInput);
    const folders = [...environments.map((e) => ({ name: e.environment.name, files: e.files })), ciFiles(platform)];
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-diff-'));
    try {
      writeEnvironments(scratch, folders);
      const fresh = readTree(scratch);
      const names = new Set(folders.map((f) => f.name));
      const committed = new Map([...readTree(dist)].filter(([file]) => names.has(file.split('/')[0])));
      assertParsableTree(dist, committed);
      const diff = diffTrees(committed, fresh);
      io.stdout((flags.has('--markdown') ? renderMarkdown(diff) : renderText(diff)).trimEnd());
      // Objects can be equal while the bytes differ (a comment or the formatting edited by hand): dist/ is then
      // still not what synth writes, so --stale fails on it too.
      const listed = new Set([...diff.objects.map((o) => o.file), ...diff.files.map((f) => f.file)]);
      const byteOnly = [...fresh].filter(([file, content]) => committed.has(file) && committed.get(file) !== content && !listed.has(file)).map(([file]) => file);
      for (const file of byteOnly) io.stdout(`~ ${file}: bytes differ, objects equal (a comment or formatting edited by hand)`);
      if (flags.has('--stale') && !(isEmpty(diff) && byteOnly.length === 0)) return 1;
      const unsafe = unsafeChanges(diff);
      if (flags.has('--check') && unsafe.length > 0) {
        for (const o of unsafe) io.stderr(`error: ${o.environment}: ${o.object} cannot be applied in place (${o.verdict!.reasons[0]}); ${o.verdict!.action}`);
        return 1;
      }
      return 0;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
}

export const VALIDATE_USAGE = `Usage: npm run validate -- [--dist <dir>] [synth options: --env, --tag, --registry, --release-dir]

1. Synthesizes in memory and validates every object (schemas, names, labels), listing every problem.
2. Validates every object file of <dir> (default dist/) the same way: what CI and GitOps would apply.
3. Runs the policy gate (PSS restricted, kube-linter default checks, lib/checks/policy-allowlist.ts) on it.`;

/**
 * Refuses a tree holding a YAML file that does not parse (a hand edit gone wrong): one line naming the file,
 * the parser's first message and what to do, instead of a crash or a bogus "added"/"removed" object.
 */
export function assertParsableTree(dir: string, tree: ReadonlyMap<string, string>): void {
  for (const [file, content] of tree) {
    if (!/\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(content)) {
      const error = 'errors' in doc ? doc.errors[0] : undefined;
      if (error) throw new InputError(`file ${path.join(dir, file)}`, error.message.split('\n')[0], 'allowed: valid YAML; regenerate the folder with npm run synth (hand edits are overwritten)');
    }
  }
}

/** The Kubernetes objects of each environment folder of a tree (`<env>/<layer>/<ns>/<file>.yaml`). */
export function objectsOfTree(tree: ReadonlyMap<string, string>): Map<string, { file: string; object: KubeObject }[]> {
  const result = new Map<string, { file: string; object: KubeObject }[]>();
  for (const [file, content] of tree) {
    if (!file.endsWith('.yaml') || file.endsWith('kustomization.yaml')) continue;
    const env = file.split('/')[0];
    for (const doc of parseAllDocuments(content)) {
      const object = doc.toJS() as KubeObject | null;
      if (!object || typeof object !== 'object' || !('kind' in object)) continue;
      if (!result.has(env)) result.set(env, []);
      result.get(env)!.push({ file, object });
    }
  }
  return result;
}

/** `npm run validate`. Exit status: 0 all valid and no unexplained finding, 1 otherwise, 2 bad input. */
export function runValidate(platform: PlatformSpec, argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): number {
  return run(io, () => {
    const { dist, rest } = takeFlags(argv, []);
    const options = parseArgs(rest, env);
    if (options.help) {
      io.stdout(VALIDATE_USAGE);
      return 0;
    }
    const environments = synthesizePlatform(platform, options.overrides, options.releaseDir, options.envInput);
    io.stdout(`synth: ${environments.map((e) => `${e.environment.name} ${e.manifests.length} objects`).join(', ')}: valid`);
    const names = new Set<string>(environments.map((e) => e.environment.name));
    const tree = new Map([...readTree(dist)].filter(([file]) => names.has(file.split('/')[0])));
    assertParsableTree(dist, tree);
    let failures = 0;
    const findings = [];
    for (const [name, entries] of objectsOfTree(tree)) {
      const problems = entries.flatMap(({ file, object }) => objectProblems(object).map((p) => formatProblem(p, file)));
      for (const line of problems) io.stderr(`error: ${line}`);
      failures += problems.length;
      const found = policyFindings(entries.map((e) => e.object));
      findings.push(...found);
      io.stdout(`${dist}/${name}: ${entries.length} objects, ${problems.length} invalid, ${found.length} policy findings`);
    }
    const { unexplained, unused } = gate(findings, POLICY_ALLOW_LIST);
    // Every finding is listed: the allow-listed ones (explained in lib/checks/policy-allowlist.ts) on
    // stdout, the others on stderr as failures.
    for (const f of findings.filter((x) => !unexplained.includes(x))) io.stdout(`policy (allow-listed): ${formatFinding(f)}`);
    for (const f of unexplained) io.stderr(`policy: ${formatFinding(f)}`);
    // With --env, an entry may be for the environment left out: only a full run can call it unused.
    if (names.size === platform.environments.length) {
      for (const a of unused) io.stderr(`policy: allow-list entry matches nothing, remove it: ${a.check} ${a.object}${a.container ? ` container ${a.container}` : ''}`);
      failures += unused.length;
    }
    failures += unexplained.length;
    io.stdout(failures === 0 ? 'validate: ok' : `validate: ${failures} problem${failures === 1 ? '' : 's'}`);
    return failures === 0 ? 0 : 1;
  });
}
