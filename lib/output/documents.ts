import { EnvironmentContext } from '../charts/layer-chart';
import { applyPlanDocument } from './apply-plan';
import { argoDocuments, fluxDocuments } from './gitops';
import { GeneratedFile, ManifestFile } from './render';

/** What a document generator sees: the environment and every object synthesized for it. */
export interface DocumentContext extends EnvironmentContext {
  readonly manifests: readonly ManifestFile[];
}

/** Produces non-manifest files of an environment folder (plans, inventories, overviews) from the output itself. */
export type DocumentGenerator = (context: DocumentContext) => GeneratedFile[];

/** Generators run for every environment, after its objects are synthesized. */
export const DOCUMENTS: readonly DocumentGenerator[] = [
  applyPlanDocument,
  fluxDocuments,
  argoDocuments,
];
