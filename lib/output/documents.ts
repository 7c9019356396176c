import { EnvironmentContext } from '../charts/layer-chart';
import { applyPlanDocument } from './apply-plan';
import { argoDocuments, fluxDocuments } from './gitops';
import { overviewDocument } from './overview';
import { postDeployCheckDocument } from './post-deploy-checks';
import { GeneratedFile, ManifestFile } from './render';
import { secretsInventoryDocument } from './secrets-inventory';

/** What a document generator sees: the environment and every object synthesized for it. */
export interface DocumentContext extends EnvironmentContext {
  readonly manifests: readonly ManifestFile[];
}

/** Produces non-manifest files of an environment folder (plans, inventories, overviews) from the output itself. */
export type DocumentGenerator = (context: DocumentContext) => GeneratedFile[];

/** Generators run for every environment, after its objects are synthesized. */
export const DOCUMENTS: readonly DocumentGenerator[] = [
  overviewDocument,
  secretsInventoryDocument,
  applyPlanDocument,
  postDeployCheckDocument,
  fluxDocuments,
  argoDocuments,
];
