import { ApiObject, Chart } from 'cdk8s';

/**
 * The apply order of the layers, derived once from their folder names and written three ways: the folder
 * names themselves (kubectl and people), an Argo CD sync wave on every object, and the Flux Kustomizations'
 * `dependsOn` (lib/output/gitops.ts). A layer added to LAYERS is ordered by its folder name with no other work.
 */

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/**
 * Flux recreates an object carrying this annotation when an apply fails on an immutable field. Set on Jobs
 * only: `spec.force` on a whole Kustomization would also recreate a StatefulSet or an operator's cluster.
 */
export const FLUX_FORCE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/force';

/** Where a layer stands in the apply order. */
export interface LayerRank {
  readonly folder: string;
  /** Argo CD sync wave: `NN-` → NN×10, `NN-M-` → NN×10+M; a folder without a number follows the one before it. */
  readonly wave: number;
  /** The staging step it belongs to (`06` for `06-2-identity-migration`), as `apply.sh --step N` selects. */
  readonly step: number;
  /** The layers it waits for (Flux `dependsOn`): its `after`, else every layer of the wave before. */
  readonly after: readonly string[];
}

const NUMBERED = /^(\d{2})-(?:(\d)-)?[a-z0-9]/;

/**
 * Ranks the layers of an ordered list. Layers with the same wave are applied together; the list must not
 * put a layer before one whose folder number is lower, or the folder names, the waves and the list would
 * disagree about the order.
 */
export function rankLayers(layers: readonly { readonly folder: string; readonly after?: readonly string[] }[]): LayerRank[] {
  const ranks: { folder: string; wave: number; step: number }[] = [];
  for (const { folder } of layers) {
    const previous = ranks[ranks.length - 1];
    const match = NUMBERED.exec(folder);
    if (!match) {
      ranks.push({ folder, wave: previous ? previous.wave + 1 : 0, step: previous?.step ?? 0 });
      continue;
    }
    const step = Number(match[1]);
    const wave = step * 10 + Number(match[2] ?? 0);
    if (previous && wave < previous.wave) {
      throw new Error(
        `layer '${folder}' (sync wave ${wave}) is listed after '${previous.folder}' (sync wave ${previous.wave}) in LAYERS: list the layers in the order of their folder numbers`,
      );
    }
    ranks.push({ folder, wave, step });
  }
  const seen = new Set<string>();
  for (const { folder } of ranks) {
    if (seen.has(folder)) throw new Error(`layer '${folder}' is listed twice in LAYERS`);
    seen.add(folder);
  }
  const waveOf = new Map(ranks.map((r) => [r.folder, r.wave]));
  return ranks.map((rank, i) => {
    const declared = layers[i].after;
    if (declared === undefined) {
      const before = ranks.filter((r) => r.wave < rank.wave);
      const lastWave = before.length > 0 ? before[before.length - 1].wave : undefined;
      return { ...rank, after: before.filter((r) => r.wave === lastWave).map((r) => r.folder) };
    }
    for (const dep of declared) {
      const depWave = waveOf.get(dep);
      if (depWave === undefined) throw new Error(`layer '${rank.folder}': 'after' names '${dep}', which is not in LAYERS`);
      // Argo CD orders by sync wave only, apply.sh by folder: a dependency must come earlier in both.
      if (depWave >= rank.wave) {
        throw new Error(`layer '${rank.folder}' (sync wave ${rank.wave}) waits for '${dep}' (sync wave ${depWave}): a layer may only wait for layers with a lower folder number`);
      }
    }
    return { ...rank, after: [...declared] };
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
