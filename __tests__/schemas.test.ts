import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { coreSchemaSources, CORE_SCHEMA_FILE, CRD_SCHEMA_FILE, readCrdSources } from '../lib/checks/schema-files';
import { coreSchemas, crdPaths, crdSchemas, renderBundle, strict } from '../lib/checks/schema-generation';
import { kindSchema, knownKinds, schemaProblems } from '../lib/checks/schema-validator';
import { ROOT } from './helpers';

describe('generated schemas are current (npm run schemas regenerates them)', () => {
  test(`${CORE_SCHEMA_FILE} is what cdk8s-plus-28 (Kubernetes 1.28) gives`, () => {
    const sources = coreSchemaSources(ROOT);
    const fresh = renderBundle(coreSchemas(sources.assembly, sources.k8sJs, sources.apiResources));
    expect(fresh === fs.readFileSync(path.join(ROOT, CORE_SCHEMA_FILE), 'utf8')).toBe(true);
  });

  const crds = readCrdSources(ROOT);
  if (!crds) process.stderr.write(`../shared/crds not found: skipping the check that ${CRD_SCHEMA_FILE} is current\n`);
  (crds ? test : test.skip)(`${CRD_SCHEMA_FILE} is what the CRDs of cdk8s.yaml give (needs ../shared)`, () => {
    const fresh = renderBundle(crdSchemas(crds!));
    expect(fresh === fs.readFileSync(path.join(ROOT, CRD_SCHEMA_FILE), 'utf8')).toBe(true);
  });

  test('every CRD imported in cdk8s.yaml has its schema, recorded with its source', () => {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, CRD_SCHEMA_FILE), 'utf8'));
    expect(Object.keys(committed.generatedFrom).sort()).toEqual(crdPaths(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).sort());
  });

  test('every typed class in imports/ has a schema (what the code can write, the validator knows)', () => {
    const dir = path.join(ROOT, 'imports');
    const gvks: string[] = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const re = /GVK: GroupVersionKind = \{\s*apiVersion: '([^']+)',\s*kind: '([^']+)',/g;
      for (let m = re.exec(text); m; m = re.exec(text)) gvks.push(`${m[1]}/${m[2]}`);
    }
    expect(gvks.length).toBeGreaterThanOrEqual(19);
    expect(gvks.filter((g) => !kindSchema(g.slice(0, g.lastIndexOf('/')), g.slice(g.lastIndexOf('/') + 1)))).toEqual([]);
  });

  test('imports/ holds only what main.ts or lib/ imports, and cdk8s.yaml lists exactly those files', () => {
    const files = fs.readdirSync(path.join(ROOT, 'imports')).filter((f) => f.endsWith('.ts'));
    const sources = ['main.ts', ...fs.readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' }).map((f) => path.join('lib', f))].filter((f) => f.endsWith('.ts'));
    const imported = new Set<string>();
    for (const source of sources) {
      const text = fs.readFileSync(path.join(ROOT, source), 'utf8');
      for (const m of text.matchAll(/from '(?:\.\.?\/)+imports\/([^']+)'/g)) imported.add(`${m[1]}.ts`);
    }
    expect(files.filter((f) => !imported.has(f))).toEqual([]);
    // `cdk8s import NAME:=crd.yaml` writes imports/NAME-<API group>.ts.
    const names = (parseAllDocuments(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'))[0].toJS().imports as string[]).map((i) => i.slice(0, i.indexOf(':=')));
    const written = files.map((f) => {
      const group = /GVK: GroupVersionKind = \{\s*apiVersion: '([^'/]+)\//.exec(fs.readFileSync(path.join(ROOT, 'imports', f), 'utf8'))?.[1];
      return names.find((n) => f === `${n}-${group}.ts`) ?? `${f}: not in cdk8s.yaml`;
    });
    expect(written.sort()).toEqual([...names].sort());
  });
});

describe('every known kind', () => {
  // Compiled lazily at synth time: a kind's first use must not be where a schema turns out not to compile (CRD
  // patterns are Go RE2, which the JS engine may reject). Takes a few seconds: every CRD is compiled.
  test('compiles, and rejects an unknown top-level field', () => {
    const failures: string[] = [];
    for (const key of knownKinds()) {
      const i = key.lastIndexOf('/');
      try {
        const problems = schemaProblems({ apiVersion: key.slice(0, i), kind: key.slice(i + 1), unknownField: true } as never);
        if (!problems?.some((p) => p.path === 'unknownField')) failures.push(`${key}: accepts an unknown field`);
      } catch (error) {
        failures.push(`${key}: ${String(error).split('\n')[0]}`);
      }
    }
    expect(failures).toEqual([]);
    expect(knownKinds().length).toBeGreaterThanOrEqual(95); // the 76 core kinds of Kubernetes 1.28 and the 19 CRDs of cdk8s.yaml
  });
});

describe('structural schema → strict JSON schema', () => {
  test('objects reject unknown fields unless x-kubernetes-preserve-unknown-fields', () => {
    expect(strict({ type: 'object', properties: { a: { type: 'string' } } }, false)).toEqual({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false });
    expect(strict({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, false)).toEqual({ type: 'object' });
    expect(strict({ type: 'object', additionalProperties: { type: 'string' } }, false)).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  test('int-or-string accepts an integer or a string', () => {
    expect(strict({ 'x-kubernetes-int-or-string': true }, false)).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }] });
    const withPattern = { anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^\\d+%?$', 'x-kubernetes-int-or-string': true };
    expect(strict(withPattern, false)).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^\\d+%?$' });
  });

  test('nullable, embedded resources, exclusive bounds, and dropped keywords', () => {
    expect(strict({ type: 'string', nullable: true, enum: ['a'] }, false)).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(strict({ type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true }, false)).toEqual({
      type: 'object',
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } },
    });
    expect(strict({ type: 'integer', minimum: 0, exclusiveMinimum: true, description: 'x', format: 'int32', 'x-kubernetes-validations': [{ rule: 'self > 0' }] }, false)).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
    });
  });

  test('value validations inside anyOf/oneOf/allOf/not are not made strict', () => {
    const schema = strict({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['a'] }, { properties: { a: { type: 'string' } } }] }, false);
    expect(schema.anyOf).toEqual([{ required: ['a'] }, { properties: { a: { type: 'string' } } }]);
  });
});
