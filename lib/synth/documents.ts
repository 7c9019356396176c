import { EnvironmentContext } from '../charts/layer-chart';
import { applyPlanDocument } from '../reports/apply-plan';
import { argoDocuments, fluxDocuments } from '../reports/gitops';
import { overviewDocument } from '../reports/overview';
import { postDeployCheckDocument } from '../reports/post-deploy-checks';
import { GeneratedFile, ManifestFile } from '../output/render';
import { secretsInventoryDocument } from '../reports/secrets-inventory';

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
