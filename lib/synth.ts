import { App } from 'cdk8s';
import { LAYERS } from './charts/layers';
import { EnvironmentContext } from './charts/layer-chart';
import { annotateLayer, rankLayers } from './charts/ordering';
import {
  assertUniquePaths,
  environmentKustomization,
  GeneratedFile,
  KubeObject,
  layerKustomization,
  ManifestFile,
  manifestPath,
  renderManifest,
} from './output/render';
import { DOCUMENTS } from './output/documents';
import { Overrides, resolveRelease, selectEnvironments } from './platform/inputs';
import { EnvironmentSpec, PlatformSpec, Release } from './platform/types';
import { validatePlatform } from './platform/validate';

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
 * renders the files of its folder. Writes nothing.
 */
export function synthesizeEnvironment(platform: PlatformSpec, environment: EnvironmentSpec, release: Release): SynthesizedEnvironment {
  const context: EnvironmentContext = { platform, environment, release };
  const app = new App({ outdir: '.cdk8s.out' });
  const charts = LAYERS.map((layer) => ({ layer, chart: layer.build(app, layer.folder, context) }));
  rankLayers(LAYERS).forEach((rank, i) => annotateLayer(charts[i].chart, rank));

  const manifests: ManifestFile[] = [];
  const files = new Map<string, string>();
  for (const { layer, chart } of charts) {
    const layerFiles = (chart.toJson() as KubeObject[]).map((object) => ({ path: manifestPath(layer.folder, object), folder: layer.folder, object }));
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
  return releases.map(({ env, release }) => synthesizeEnvironment(platform, env, release));
}
