import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PodSpecView, podTemplates } from '../lib/k8s/pods';
import { KubeObject } from '../lib/k8s/objects';
import { PLATFORM } from '../lib/platform';
import { Overrides } from '../lib/inputs/release';
import { EnvironmentName, PlatformSpec } from '../lib/platform/types';
import { synthesizePlatform, SynthesizedEnvironment } from '../lib/synth/synthesize';
import { GOLDEN_TAG, synthesizeGolden } from '../lib/tools/golden';
import { readSynthCache } from './synth-cache';

export const ROOT = path.resolve(__dirname, '..');
export const RELEASE_DIR = path.join(ROOT, 'lib', 'platform', 'releases');

/**
 * A service name for fixtures that the catalogue does not hold (a team may add any ordinary name, `loyalty`
 * included): the first of `fixture-svc`, `fixture-svc-2`, ... that is free.
 */
export const FIXTURE_SERVICE = ((): string => {
  const taken = new Set(PLATFORM.services.map((s) => s.name));
  let name = 'fixture-svc';
  for (let i = 2; taken.has(name); i++) name = `fixture-svc-${i}`;
  return name;
})();

/** Fixed tag used by targeted tests and goldens, independent of the committed release files. */
export const FIXTURE_TAG = GOLDEN_TAG;

export function overrides(partial: Partial<Overrides> = {}): Overrides {
  return { environments: [], tags: [], ...partial };
}

/** Synthesizes one environment in memory with the fixture tag (or the given overrides). */
export function synthEnv(env: EnvironmentName, extra: Partial<Overrides> = {}, platform: PlatformSpec = PLATFORM): SynthesizedEnvironment {
  const result = synthesizePlatform(platform, overrides({ environments: [env], tag: { value: FIXTURE_TAG, input: 'test' }, ...extra }), RELEASE_DIR);
  return result[0];
}

/** Every environment of the platform, in its order. */
export const ENVIRONMENT_NAMES: readonly EnvironmentName[] = PLATFORM.environments.map((e) => e.name);

/**
 * Synth results the suites share: the jest global setup computes each once per run (synth-cache.ts) and
 * `shared(key)` returns a fresh copy of it, or computes it here when there is no cache.
 */
export const SHARED_SYNTHS = {
  /**
   * Each environment with the fixture tag, as `env(name)` returns it: the environment of the golden synthesis
   * below, which is that very synthesis (the fixture tag is the golden tag, every other input the committed
   * release files; `synthEnv(name)` gives the same bytes), so the run synthesizes it once, not twice.
   */
  'env-staging': () => goldenEnvironment('staging'),
  'env-production': () => goldenEnvironment('production'),
  /** Both environments from the committed release files: what `npm run synth` writes to dist/. */
  committed: () => synthesizePlatform(PLATFORM, overrides(), RELEASE_DIR),
  /** What `npm run golden` writes. */
  golden: () => goldenSynthesis(),
} satisfies Record<string, () => SynthesizedEnvironment | SynthesizedEnvironment[]>;

let goldenMemo: SynthesizedEnvironment[] | undefined;
/** `synthesizeGolden`, once per process (read-only: `shared` hands out copies). */
function goldenSynthesis(): SynthesizedEnvironment[] {
  goldenMemo ??= synthesizeGolden(PLATFORM, RELEASE_DIR);
  return goldenMemo;
}
function goldenEnvironment(name: EnvironmentName): SynthesizedEnvironment {
  const found = goldenSynthesis().find((e) => e.environment.name === name);
  if (!found) throw new Error(`the golden synthesis has no environment ${name}`);
  return found;
}

export type SharedSynth = keyof typeof SHARED_SYNTHS;

/** A fresh copy of a shared synth result (see SHARED_SYNTHS); the caller may change it. */
export function shared<K extends SharedSynth>(key: K): ReturnType<(typeof SHARED_SYNTHS)[K]> {
  return (readSynthCache(key) as ReturnType<(typeof SHARED_SYNTHS)[K]> | undefined) ?? (structuredClone(SHARED_SYNTHS[key]()) as ReturnType<(typeof SHARED_SYNTHS)[K]>);
}

const cache = new Map<EnvironmentName, SynthesizedEnvironment>();
/** The environment with the fixture release (what `synthEnv(env)` gives), memoized, for read-only assertions (shared, see SHARED_SYNTHS). */
export function env(name: EnvironmentName): SynthesizedEnvironment {
  let result = cache.get(name);
  if (!result) {
    result = shared(`env-${name}`);
    cache.set(name, result);
  }
  return result;
}

export function objects(synth: SynthesizedEnvironment, kind?: string): KubeObject[] {
  return synth.manifests.map((m) => m.object).filter((o) => kind === undefined || o.kind === kind);
}

/** The object of that kind and name (and namespace, when given); fails the test when absent. */
export function find<T = any>(synth: SynthesizedEnvironment, kind: string, name: string, namespace?: string): T {
  const found = objects(synth, kind).filter((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name} in ${synth.environment.name}, found ${found.length}`);
  }
  return found[0] as T;
}

export function tryFind(synth: SynthesizedEnvironment, kind: string, name: string, namespace?: string): KubeObject | undefined {
  return objects(synth, kind).find((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
}

/** Every pod spec in the environment's workloads (Deployments, StatefulSets, Jobs, ...), with its owner. */
export function podSpecs(synth: SynthesizedEnvironment): { owner: string; spec: PodSpecView }[] {
  return podTemplates(objects(synth)).map((t) => ({ owner: t.owner, spec: t.spec }));
}

const tempDirs: string[] = [];

/** A fresh folder in the temp folder, removed when the test file is done (`removeTempDirs`, jest setup). */
export function tempDir(prefix = 'bana-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder `tempDir` made in this test file (run after each file by __tests__/setup-after-env.ts). */
export function removeTempDirs(): void {
  // Retried: a server a test just stopped may still be writing its last files there.
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

/** A scratch copy of the committed dist/ and release files, so a run can be checked for "wrote nothing". */
export function distSandbox(): { out: string; releases: string } {
  const dir = tempDir();
  const out = path.join(dir, 'dist');
  copyTree(path.join(ROOT, 'dist'), out);
  const releases = path.join(dir, 'releases');
  copyTree(RELEASE_DIR, releases);
  return { out, releases };
}

/**
 * Copies the folder `from` to `to` (which must not exist yet), files with their modes: GNU `cp -R`, one native
 * process, which costs the test process about half the CPU of `fs.cpSync` for the ~600 files of dist/ (the
 * suites make dozens of such boxes).
 */
export function copyTree(from: string, to: string): void {
  if (fs.existsSync(to)) throw new Error(`copyTree: ${to} already exists`);
  const r = spawnSync('cp', ['-R', '--preserve=mode', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -R ${from} ${to} failed: ${r.stderr || r.error?.message}`);
}
