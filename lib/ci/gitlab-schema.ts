import * as fs from 'fs';
import Ajv from 'ajv';

/**
 * GitLab's CI JSON schema (`ci.json`, as GitLab ships it for its pipeline editor), read offline from the npm
 * package gitlab-ci-local (MIT; a devDependency pinned in package.json). gitlab-ci-local 4.75.1 bundles the
 * schema into dist/index.js as one object literal (`$id: "https://gitlab.com/.gitlab-ci.yml"`), then relaxes a
 * few patterns at run time in its src/schema.ts; we take the literal as bundled, before those edits, so the
 * files are held to GitLab's own rules. No network: nothing is downloaded.
 */

const SCHEMA_ID = '$id:"https://gitlab.com/.gitlab-ci.yml"';

/** The object literal that holds `marker`: from the `{` before it to its matching `}`, strings skipped. */
function enclosingLiteral(source: string, marker: string): string {
  const at = source.indexOf(marker);
  if (at < 0) throw new Error(`gitlab-ci-local: the bundled CI schema (${marker}) was not found`);
  const start = source.lastIndexOf('{', at);
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') {
      // Skip a string literal (escapes included).
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === '\\') i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error('gitlab-ci-local: the bundled CI schema is not a complete object literal');
}

let cached: object | undefined;

/** GitLab's CI schema, as a JSON object. */
export function gitlabCiSchema(): object {
  if (cached) return cached;
  const file = require.resolve('gitlab-ci-local/dist/index.js');
  const literal = enclosingLiteral(fs.readFileSync(file, 'utf8'), SCHEMA_ID);
  // A minified object literal of constants (`!0` for true): evaluated alone, with no access to the bundle.
  cached = new Function(`"use strict"; return (${literal});`)() as object;
  return cached;
}

let compiled: ReturnType<Ajv['compile']> | undefined;

/** Validates a parsed CI file; returns the problems as `instancePath: message` lines (empty when valid). */
export function gitlabCiProblems(document: unknown): string[] {
  // As gitlab-ci-local and GitLab's editor read it: union types, no format checks, its `markdownDescription`.
  compiled ??= new Ajv({ allErrors: true, strict: false, validateFormats: false, allowUnionTypes: true }).compile(gitlabCiSchema());
  const validate = compiled;
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
