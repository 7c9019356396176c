import * as fs from 'fs';
import * as path from 'path';
import { CrdSource, crdPaths } from './schema-generation';

/** Where the generated schemas live (relative to the project root), and where they are generated from. */
export const CORE_SCHEMA_FILE = 'lib/checks/schemas/kubernetes-1.28.json';
export const CRD_SCHEMA_FILE = 'lib/checks/schemas/crds.json';

export function coreSchemaSources(root: string): { assembly: string; k8sJs: string; apiResources: string } {
  const pkg = path.join(root, 'node_modules', 'cdk8s-plus-28');
  return {
    assembly: fs.readFileSync(path.join(pkg, '.jsii'), 'utf8'),
    k8sJs: fs.readFileSync(path.join(pkg, 'lib', 'imports', 'k8s.js'), 'utf8'),
    apiResources: fs.readFileSync(path.join(pkg, 'api-resources.txt'), 'utf8'),
  };
}

/** The CRD files cdk8s.yaml imports, or undefined when any is missing (../shared is not beside the project). */
export function readCrdSources(root: string): CrdSource[] | undefined {
  const paths = crdPaths(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
  if (!paths.every((p) => fs.existsSync(path.resolve(root, p)))) return undefined;
  return paths.map((p) => ({ path: p, text: fs.readFileSync(path.resolve(root, p), 'utf8') }));
}
