import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The import graph of lib/ flows one way. Each folder of lib/ has a place in this order, lowest first; a file may
 * import files of its own folder and of folders below it, never above. No file imports itself back through
 * others (no file cycle). A new folder must be placed here before it can hold code.
 */
const LAYER_ORDER = [
  'k8s', //        the Kubernetes object model: objects, pod templates, Pod Security, quantities, well-known keys
  'platform', //   typed platform data and conventions (no fs)
  'inputs', //     the command line and the release files
  'output', //     deterministic YAML, manifest paths, kustomizations, the writer
  'inspect', //    readers of synthesized objects: footprints, secret references, image facts
  'checks', //     schemas, names, the policy gate and its allow-list
  'network', //    the flow model the network policies are built from
  'constructs', // workload/, edge/, data/ and the small pieces they share
  'charts', //     one chart per layer, the layer list and its order
  'reports', //    documents generated from the synthesized objects
  'synth', //      synthesis of an environment: charts, checks, rendering, reports
  'ci', //         the GitLab CI of the services and of this repository
  'cli', //        the command
  'review', //     diff, validate and apply-safety of a change
  'bench', //      the benchmark
  'tools', //      npm scripts (build, golden, schemas, repo files)
  'behaviour', //  the behavioural test tier's runners
] as const;

/** Sibling folders that must not import each other (each may import the shared files of their parent). */
const SIBLINGS = [['constructs/workload', 'constructs/edge', 'constructs/data']] as const;

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

type Graph = ReadonlyMap<string, readonly string[]>;

/** Every .ts/.js file under `dir`, repository-relative. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path.relative(ROOT, full));
  }
  return out;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.join(path.dirname(path.join(ROOT, from)), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return path.relative(ROOT, candidate);
  }
  return undefined;
}

/**
 * File → files it imports inside lib/, read by the TypeScript compiler's own pre-processor: `import`,
 * `import type`, `export … from`, `require()` and `import()` all count.
 */
function libImportGraph(): Graph {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(LIB)) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveRelative(file, fileName);
      if (target === undefined) throw new Error(`${file}: cannot resolve import '${fileName}'`);
      if (target.startsWith('lib/') && /\.(ts|js)$/.test(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** `lib/charts/layers.ts` → `charts`. */
function folderOf(file: string): string {
  return file.split('/')[1];
}

/** Edges from a folder to a folder later in `order`, as `from → to (folder → folder)` lines. */
function upwardEdges(graph: Graph, order: readonly string[]): string[] {
  const rank = (file: string) => order.indexOf(folderOf(file));
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (rank(to) > rank(from)) found.push(`${from} → ${to} (${folderOf(from)} is below ${folderOf(to)})`);
    }
  }
  return found.sort();
}

/** Imports between folders declared siblings, as `from → to` lines. */
function siblingEdges(graph: Graph, siblings: readonly (readonly string[])[]): string[] {
  const groupOf = (file: string): [number, string] | undefined => {
    for (const [i, group] of siblings.entries()) {
      const folder = group.find((f) => file.startsWith(`lib/${f}/`));
      if (folder) return [i, folder];
    }
    return undefined;
  };
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const a = groupOf(from);
    for (const to of targets) {
      const b = groupOf(to);
      if (a && b && a[0] === b[0] && a[1] !== b[1]) found.push(`${from} → ${to} (${a[1]} and ${b[1]} are siblings)`);
    }
  }
  return found.sort();
}

/** Strongly connected components with more than one file (or a file importing itself): each is a cycle. */
function fileCycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('structure of lib/', () => {
  const graph = libImportGraph();

  it('reads the imports of every file (the graph is not empty)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('lib/synth/synthesize.ts')).toContain('lib/charts/layers.ts');
  });

  it('places every folder of lib/ in the declared layer order', () => {
    const folders = [...new Set([...graph.keys()].map(folderOf))].sort();
    const unplaced = folders.filter((f) => !(LAYER_ORDER as readonly string[]).includes(f));
    expect(unplaced).toEqual([]);
  });

  it('has no import from a folder to a folder above it', () => {
    expect(upwardEdges(graph, LAYER_ORDER)).toEqual([]);
  });

  it('has no import between sibling folders', () => {
    for (const group of SIBLINGS) for (const folder of group) expect(fs.existsSync(path.join(LIB, folder))).toBe(true);
    expect(siblingEdges(graph, SIBLINGS)).toEqual([]);
  });

  it('has no file cycle', () => {
    expect(fileCycles(graph)).toEqual([]);
  });

  it('the checks report an upward edge and a cycle when there is one', () => {
    const bad: Graph = new Map([
      ['lib/k8s/objects.ts', ['lib/charts/layers.ts']],
      ['lib/charts/layers.ts', ['lib/charts/ordering.ts']],
      ['lib/charts/ordering.ts', ['lib/charts/layers.ts']],
    ]);
    expect(upwardEdges(bad, LAYER_ORDER)).toEqual(['lib/k8s/objects.ts → lib/charts/layers.ts (k8s is below charts)']);
    expect(fileCycles(bad)).toEqual([['lib/charts/layers.ts', 'lib/charts/ordering.ts']]);
    const crossing: Graph = new Map([['lib/constructs/data/a.ts', ['lib/constructs/workload/b.ts', 'lib/constructs/spread.ts']]]);
    expect(siblingEdges(crossing, SIBLINGS)).toEqual(['lib/constructs/data/a.ts → lib/constructs/workload/b.ts (constructs/data and constructs/workload are siblings)']);
  });
});
