import { applyPlanDocument } from '../reports/apply-plan';
import { DocumentGenerator } from '../reports/document';
import { argoDocuments, fluxDocuments } from '../reports/gitops';
import { overviewDocument } from '../reports/overview';
import { postDeployCheckDocument } from '../reports/post-deploy-checks';
import { secretsInventoryDocument } from '../reports/secrets-inventory';

/** Generators run for every environment, after its objects are synthesized (lib/reports/). */
export const DOCUMENTS: readonly DocumentGenerator[] = [
  overviewDocument,
  secretsInventoryDocument,
  applyPlanDocument,
  postDeployCheckDocument,
  fluxDocuments,
  argoDocuments,
];
