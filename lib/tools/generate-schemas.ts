import * as fs from 'fs';
import * as path from 'path';
import { coreSchemaSources, CORE_SCHEMA_FILE, CRD_SCHEMA_FILE, readCrdSources } from '../checks/schema-files';
import { coreSchemas, crdSchemas, renderBundle } from '../checks/schema-generation';

// `npm run schemas`: regenerates lib/checks/schemas/*.json from cdk8s-plus-28 (core kinds) and from the CRDs
// that cdk8s.yaml imports (../shared/crds). Review the diff, then commit the JSON (never the CRD YAML).
const root = process.cwd();
const core = coreSchemaSources(root);
fs.writeFileSync(path.join(root, CORE_SCHEMA_FILE), renderBundle(coreSchemas(core.assembly, core.k8sJs, core.apiResources)));
process.stdout.write(`${CORE_SCHEMA_FILE}: written\n`);
const crds = readCrdSources(root);
if (crds === undefined) {
  process.stderr.write(`error: the CRD files of cdk8s.yaml are not there (is ../shared present?); ${CRD_SCHEMA_FILE} left as it is\n`);
  process.exitCode = 1;
} else {
  fs.writeFileSync(path.join(root, CRD_SCHEMA_FILE), renderBundle(crdSchemas(crds)));
  process.stdout.write(`${CRD_SCHEMA_FILE}: ${crds.length} CRD files\n`);
}
