import { App, Chart } from 'cdk8s';
import { buildLayer } from '../charts/build-layer';
import { Layer, LAYERS } from '../charts/layers';
import { EnvironmentContext } from '../charts/layer-chart';
import { annotateLayer, rankLayers } from '../charts/ordering';
import { chartJson } from '../k8s/chart-json';
import { KubeObject, ManifestFile } from '../k8s/objects';
import { assertUniquePaths, environmentKustomization, GeneratedFile, layerKustomization, manifestPath, renderManifest } from '../output/render';
import { DOCUMENTS } from './documents';
import { Overrides, resolveRelease, selectEnvironments } from '../inputs/release';
import { EnvironmentSpec, PlatformSpec, Release } from '../platform/types';
import { validatePlatform } from '../platform/validate';
import { saveValidatorCodeCache } from '../checks/schema-validator';
import { assertValidManifests } from '../checks/validate';

/** One environment, synthesized in memory: its objects, and every file of `dist/<env>/` with its bytes. */
export interface SynthesizedEnvironment {
  readonly environment: EnvironmentSpec;
  readonly release: Release;
  readonly manifests: readonly ManifestFile[];
  /** Every file of the environment folder, keyed by relative path, sorted. */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Builds one environment's charts, synthesizes them (cdk8s resolves and validates every object), and
 * renders the files of its folder. Writes nothing. `toJson` turns a chart into its objects: `chartJson`
 * (cdk8s's resolution in one walk, lib/k8s/chart-json.ts), or cdk8s's own `chart.toJson()` in the test that
 * compares the two.
 */
export function synthesizeEnvironment(
  platform: PlatformSpec,
  environment: EnvironmentSpec,
  release: Release,
  toJson: (chart: Chart) => unknown[] = chartJson,
): SynthesizedEnvironment {
  const context: EnvironmentContext = { platform, environment, release };
  const ranks = new Map(rankLayers(LAYERS).map((rank) => [rank.folder, rank]));
  const build = (layer: Layer, others: readonly KubeObject[]): ManifestFile[] => {
    // One App per layer: no construct of one layer refers to another's (a derived layer reads the others'
    // objects, not their constructs), and cdk8s resolves dependencies and validates across the whole App
    // each time a chart is synthesized (App._synthChart), so a shared App made that walk grow layer by layer.
    const chart = buildLayer(new App({ outdir: '.cdk8s.out' }), layer, context, others);
    annotateLayer(chart, ranks.get(layer.folder)!);
    return (toJson(chart) as KubeObject[]).map((object) => ({ path: manifestPath(layer.folder, object), folder: layer.folder, object }));
  };
  // Derived layers are built last, from the other layers' objects (e.g. quotas sized from the workloads),
  // which are validated first (schemas, names, labels) so a derived layer never reads an invalid object.
  const built = new Map<string, ManifestFile[]>();
  for (const layer of LAYERS.filter((l) => !l.derived)) built.set(layer.folder, build(layer, []));
  const base = [...built.values()].flat();
  assertValidManifests(base);
  for (const layer of LAYERS.filter((l) => l.derived)) {
    const derived = build(layer, base.map((m) => m.object));
    assertValidManifests(derived);
    built.set(layer.folder, derived);
  }

  const manifests: ManifestFile[] = [];
  const files = new Map<string, string>();
  for (const layer of LAYERS) {
    const layerFiles = built.get(layer.folder)!;
    manifests.push(...layerFiles);
    files.set(`${layer.folder}/kustomization.yaml`, layerKustomization(layer.folder, layer.title, layerFiles));
  }
  assertUniquePaths(manifests);
  for (const manifest of manifests) files.set(manifest.path, renderManifest(manifest));
  files.set('kustomization.yaml', environmentKustomization(environment.name, LAYERS.map((l) => l.folder)));

  const generated: GeneratedFile[] = DOCUMENTS.flatMap((document) => document({ ...context, manifests }));
  for (const file of generated) {
    if (files.has(file.path)) throw new Error(`generated file ${file.path} collides with another file of ${environment.name}`);
    files.set(file.path, file.content);
  }
  const sorted = new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { environment, release, manifests, files: sorted };
}

/**
 * Validates the platform and the inputs, then synthesizes every selected environment in memory. Any bad
 * input throws an `InputError` before a single file exists.
 */
export function synthesizePlatform(platform: PlatformSpec, overrides: Overrides, releaseDir: string, envInput = '--env'): SynthesizedEnvironment[] {
  validatePlatform(platform);
  const environments = selectEnvironments(platform, overrides.environments, envInput);
  const releases = environments.map((env) => ({ env, release: resolveRelease(platform, env, releaseDir, overrides) }));
  const synthesized = releases.map(({ env, release }) => synthesizeEnvironment(platform, env, release));
  // Build cache only (.build/), never dist/: the next run loads the schema validators already compiled.
  saveValidatorCodeCache();
  // Tells the loader (lib/tools/main-loader.js) that this run compiled the synthesis, so its code cache is worth keeping.
  (globalThis as Record<symbol, unknown>)[Symbol.for('bana.synth.synthesized')] = true;
  return synthesized;
}
