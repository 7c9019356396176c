import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DIAGRAM_LIMITS } from '../lib/reports/overview';
import { ROOT } from './helpers';

/**
 * The Mermaid diagrams of dist/<env>/README.md, parsed and rendered by the real Mermaid library (the npm
 * package, loaded from node_modules) in headless Chromium (Debian's `chromium`, driven by puppeteer-core; no
 * network). Each must parse, render, stay under DIAGRAM_LIMITS in nodes and edges, and render no wider than a
 * merge request's ~900 px at its natural size. Set DIAGRAM_PNG_DIR to also write each one as a PNG.
 */

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((f) => fs.existsSync(f));
const usable = CHROMIUM !== undefined && spawnSync(CHROMIUM, ['--version']).status === 0;
if (!usable) process.stderr.write('chromium not found: skipping the Mermaid render test of the generated diagrams\n');

function diagramsOf(env: string): { name: string; source: string }[] {
  const text = fs.readFileSync(path.join(ROOT, 'dist', env, 'README.md'), 'utf8');
  const out: { name: string; source: string }[] = [];
  let heading = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#')) heading = lines[i].replace(/^#+\s*/, '');
    if (lines[i] === '```mermaid') {
      const end = lines.indexOf('```', i + 1);
      out.push({ name: `${heading} #${out.filter((d) => d.name.startsWith(heading)).length + 1}`, source: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return out;
}

interface Rendered {
  readonly name: string;
  readonly error?: string;
  readonly nodes: number;
  readonly edges: number;
  readonly width: number;
  readonly height: number;
}

/** Renders diagrams in one Chromium run (__tests__/support/render-mermaid.mjs). */
function render(diagrams: readonly { name: string; source: string; file?: string }[]): Rendered[] {
  const input = JSON.stringify({ chromium: CHROMIUM, pngDir: process.env.DIAGRAM_PNG_DIR, diagrams });
  const run = spawnSync(process.execPath, [path.join(__dirname, 'support', 'render-mermaid.mjs')], { input, encoding: 'utf8', cwd: ROOT, timeout: 300_000 });
  if (run.status !== 0) throw new Error(`render-mermaid.mjs failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Rendered[];
}

const ENVS = ['staging', 'production'];
const wide = ['flowchart LR', ...Array.from({ length: 12 }, (_, i) => `  n${i}["a long node label number ${i}"] --> n${i + 1}`)].join('\n');
/** The two diagrams of the test that shows the render can fail. */
const PROBES = [
  { name: 'broken', source: 'flowchart LR\n  a -->|"x| b' },
  { name: 'wide', source: wide },
];

(usable ? describe : describe.skip)('Mermaid diagrams of the generated READMEs (parsed and rendered in Chromium)', () => {
  // One Chromium start for every diagram of the file (each environment's, then the probes): starting Chromium
  // and loading Mermaid is most of a render's cost. The renderer answers one result per diagram, in order.
  const inputs = [...ENVS.map((env) => diagramsOf(env).map((d) => ({ ...d, file: env }))), PROBES];
  let outputs: Rendered[][] = [];
  beforeAll(() => {
    const results = render(inputs.flat());
    let at = 0;
    outputs = inputs.map((group) => results.slice(at, (at += group.length)));
    if (at !== results.length) throw new Error(`render-mermaid.mjs answered ${results.length} results for ${at} diagrams`);
  }, 300_000);

  test.each(ENVS)('%s: every diagram parses, renders, and stays under the limits', (env) => {
    const diagrams = inputs[ENVS.indexOf(env)];
    expect(diagrams.length).toBeGreaterThanOrEqual(3 + 13);
    const results = outputs[ENVS.indexOf(env)];
    expect(results).toHaveLength(diagrams.length);
    expect(results.map((r) => r.name)).toEqual(diagrams.map((d) => d.name));
    const problems = results.flatMap((r) => [
      ...(r.error ? [`${r.name}: ${r.error}`] : []),
      ...(r.nodes > DIAGRAM_LIMITS.nodes ? [`${r.name}: ${r.nodes} nodes (limit ${DIAGRAM_LIMITS.nodes})`] : []),
      ...(r.edges > DIAGRAM_LIMITS.edges ? [`${r.name}: ${r.edges} edges (limit ${DIAGRAM_LIMITS.edges})`] : []),
      ...(r.width > DIAGRAM_LIMITS.widthPx ? [`${r.name}: ${r.width} px wide (limit ${DIAGRAM_LIMITS.widthPx})`] : []),
      ...(!r.error && (r.nodes === 0 || r.edges === 0) ? [`${r.name}: rendered ${r.nodes} nodes, ${r.edges} edges`] : []),
    ]);
    if (process.env.DIAGRAM_REPORT) process.stderr.write(results.map((r) => `${env} ${r.name}: ${r.nodes} nodes, ${r.edges} edges, ${r.width}x${r.height}\n`).join(''));
    expect(problems).toEqual([]);
  }, 300_000);

  test('the render test can fail: a diagram with a syntax error, and one over the limits', () => {
    const [broken, r] = outputs[ENVS.length];
    expect([broken.name, r.name]).toEqual(['broken', 'wide']);
    expect(broken.error).toBeDefined();
    expect(r.error).toBeUndefined();
    expect(r.nodes).toBe(13);
    expect(r.edges).toBe(12);
    expect(r.width).toBeGreaterThan(DIAGRAM_LIMITS.widthPx);
  }, 300_000);
});
