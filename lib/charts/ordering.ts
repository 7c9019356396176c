import { ApiObject, Chart } from 'cdk8s';

/**
 * The apply order of the layers, stated once as each layer's `{ step, part }` and written three ways: the
 * folder names (kubectl and people), an Argo CD sync wave on every object, and the Flux Kustomizations'
 * `dependsOn` (lib/reports/gitops.ts). A layer added to LAYERS is ordered by its step and part with no other
 * work. The folder name is derived from the layer, never parsed back.
 */

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/**
 * Flux recreates an object carrying this annotation when an apply fails on an immutable field. Set on Jobs
 * only: `spec.force` on a whole Kustomization would also recreate a StatefulSet or an operator's cluster.
 */
export const FLUX_FORCE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/force';

/** Which layer: the staging step it belongs to, an optional part of that step, and its name. */
export interface LayerId {
  /** Staging step (operations page, "Các bước"), 0–9: what `apply.sh --step N` selects. */
  readonly step: number;
  /** Part of the step, 1–9, when a step is applied in ordered parts (step 6). */
  readonly part?: number;
  /** Lower-case name, unique among the layers (`identity-migration`). */
  readonly name: string;
}

/** A layer to rank: its id and, optionally, the names of the layers it waits for. */
export interface LayerOrder extends LayerId {
  /**
   * The layers this one really waits for (their objects must exist and be healthy first): Flux's `dependsOn`.
   * Each must have a lower wave, so Argo CD's sync waves and apply.sh's folder order agree with it.
   * @default - every layer of the wave before (a chain)
   */
  readonly after?: readonly string[];
}

/** Where a layer stands in the apply order. */
export interface LayerRank {
  readonly name: string;
  /** Its folder in `dist/<env>/`: `06-2-identity-migration` for `{ step: 6, part: 2, name: 'identity-migration' }`. */
  readonly folder: string;
  /** Argo CD sync wave: step×10 + part (0 without a part). */
  readonly wave: number;
  /** The staging step it belongs to, as `apply.sh --step N` selects. */
  readonly step: number;
  /** The folders of the layers it waits for (Flux `dependsOn`): its `after`, else every layer of the wave before. */
  readonly after: readonly string[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `NN-name` or `NN-M-name`: the folder of a layer in `dist/<env>/`, sorting in apply order. */
export function layerFolder(layer: LayerId): string {
  if (!Number.isInteger(layer.step) || layer.step < 0 || layer.step > 9) throw new Error(`layer '${layer.name}': step ${layer.step} is not a staging step (0-9)`);
  if (layer.part !== undefined && (!Number.isInteger(layer.part) || layer.part < 1 || layer.part > 9)) {
    throw new Error(`layer '${layer.name}': part ${layer.part} is not a part number (1-9)`);
  }
  if (!NAME.test(layer.name)) throw new Error(`layer '${layer.name}': a name is lower-case letters, digits and '-'`);
  const part = layer.part === undefined ? '' : `${layer.part}-`;
  return `${String(layer.step).padStart(2, '0')}-${part}${layer.name}`;
}

/**
 * Ranks the layers of an ordered list. Layers with the same wave are applied together; the list must not
 * put a layer before one with a lower wave, or the folder names, the waves and the list would disagree
 * about the order.
 */
export function rankLayers(layers: readonly LayerOrder[]): LayerRank[] {
  const ranks: { name: string; folder: string; wave: number; step: number }[] = [];
  for (const layer of layers) {
    const previous = ranks[ranks.length - 1];
    const folder = layerFolder(layer);
    const wave = layer.step * 10 + (layer.part ?? 0);
    if (previous && wave < previous.wave) {
      throw new Error(
        `layer '${folder}' (sync wave ${wave}) is listed after '${previous.folder}' (sync wave ${previous.wave}) in LAYERS: list the layers in the order of their folder numbers`,
      );
    }
    ranks.push({ name: layer.name, folder, wave, step: layer.step });
  }
  const seen = new Set<string>();
  for (const { name, folder } of ranks) {
    if (seen.has(name)) throw new Error(`layer '${folder}' is listed twice in LAYERS`);
    seen.add(name);
  }
  const byName = new Map(ranks.map((r) => [r.name, r]));
  return ranks.map((rank, i) => {
    const declared = layers[i].after;
    if (declared === undefined) {
      const before = ranks.filter((r) => r.wave < rank.wave);
      const lastWave = before.length > 0 ? before[before.length - 1].wave : undefined;
      return { ...rank, after: before.filter((r) => r.wave === lastWave).map((r) => r.folder) };
    }
    const after = declared.map((dep) => {
      const target = byName.get(dep);
      if (target === undefined) throw new Error(`layer '${rank.folder}': 'after' names '${dep}', which is not in LAYERS`);
      // Argo CD orders by sync wave only, apply.sh by folder: a dependency must come earlier in both.
      if (target.wave >= rank.wave) {
        throw new Error(`layer '${rank.folder}' (sync wave ${rank.wave}) waits for '${target.folder}' (sync wave ${target.wave}): a layer may only wait for layers with a lower folder number`);
      }
      return target.folder;
    });
    return { ...rank, after };
  });
}

/** Stamps a layer's order on every object of its chart: its sync wave, and Flux's force on Jobs. */
export function annotateLayer(chart: Chart, rank: LayerRank): void {
  for (const node of chart.node.findAll()) {
    if (!(node instanceof ApiObject)) continue;
    node.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(rank.wave));
    if (node.apiVersion === 'batch/v1' && node.kind === 'Job') node.metadata.addAnnotation(FLUX_FORCE_ANNOTATION, 'Enabled');
  }
}
