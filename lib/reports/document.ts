import { EnvironmentContext } from '../charts/layer-chart';
import { ManifestFile } from '../k8s/objects';
import { GeneratedFile } from '../output/render';

/** What a document generator sees: the environment and every object synthesized for it. */
export interface DocumentContext extends EnvironmentContext {
  readonly manifests: readonly ManifestFile[];
}

/** Produces non-manifest files of an environment folder (plans, inventories, overviews) from the output itself. */
export type DocumentGenerator = (context: DocumentContext) => GeneratedFile[];
