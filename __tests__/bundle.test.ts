import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import { ROOT, shared } from './helpers';

/**
 * lib/tools/bundle.js compacts the generated `toJson_*` mappers (cdk8s-plus-28's lib/imports/k8s.js, and ours
 * in imports/): each one's quadratic filter of undefined fields becomes a loop that must build the very same
 * object. Compared here on the real objects of the platform, field order included.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compactMappers } = require('../lib/tools/bundle.js') as {
  compactMappers: (file: string, text: string) => { contents: string; count: number };
};

const K8S = require.resolve('cdk8s-plus-28/lib/imports/k8s.js');

/** Loads a CommonJS file's text as a module of its own, resolving its requires from its own folder. */
function load(file: string, contents: string): Record<string, unknown> {
  const m = new Module(file) as Module & { _compile(code: string, filename: string): void; paths: string[] };
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  m._compile(contents, file);
  return m.exports as Record<string, unknown>;
}

describe("cdk8s-plus-28's mappers, compacted", () => {
  const original = fs.readFileSync(K8S, 'utf8');
  const { contents, count } = compactMappers(K8S, original);
  const before = load(K8S, original);
  const after = load(K8S, contents);

  test('every filter of the file is replaced', () => {
    expect(count).toBeGreaterThan(400);
    expect(count).toBe(original.split('Object.entries(result).reduce(').length - 1);
    expect(contents).not.toContain('Object.entries(result).reduce(');
  });

  test('give the same objects, field order included, for every object of the platform they map', () => {
    const env = shared('golden').find((e) => e.environment.name === 'production')!;
    let compared = 0;
    for (const { object } of env.manifests) {
      const name = `toJson_Kube${object.kind}Props`;
      const mapBefore = before[name] as ((o: unknown) => unknown) | undefined;
      if (!mapBefore) continue;
      const mapAfter = after[name] as (o: unknown) => unknown;
      // The mappers read TypeScript field names; for these kinds they are the manifest's own.
      expect(JSON.stringify(mapAfter(object))).toBe(JSON.stringify(mapBefore(object)));
      compared++;
    }
    expect(compared).toBeGreaterThan(150);
  });

  test('drop undefined fields, keep null, false, 0 and empty ones', () => {
    const container = { name: 'c', image: undefined, args: [], tty: false, stdin: null, workingDir: '', ports: [{ containerPort: 0 }] };
    const map = (exports: Record<string, unknown>) => JSON.stringify((exports.toJson_Container as (o: unknown) => unknown)(container));
    expect(map(after)).toBe(map(before));
    expect(map(after)).toBe('{"args":[],"name":"c","ports":[{"containerPort":0}],"stdin":null,"tty":false,"workingDir":""}');
  });
});

test('each of our imports/ is compacted, and a file without the generated filter stops the build', () => {
  const dir = path.join(ROOT, 'imports');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    expect(compactMappers(name, fs.readFileSync(path.join(dir, name), 'utf8')).count).toBeGreaterThan(0);
  }
  expect(() => compactMappers('imports/changed.ts', 'export function toJson_X(obj) { return obj; }')).toThrow(
    /imports\/changed\.ts: no generated filter .* the generator changed: update MAPPER_FILTER in lib\/tools\/bundle\.js/,
  );
});

test('the built app holds the compacted mappers only', () => {
  const app = fs.readFileSync(path.join(ROOT, '.build', 'app.js'), 'utf8');
  expect(app).not.toMatch(/Object\.entries\(result\)\.reduce\(/);
  expect(app.match(/__definedFields\d*\(result\)/g)?.length ?? 0).toBeGreaterThan(1000);
});
