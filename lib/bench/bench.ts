import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeEnvironments } from '../output/writer';
import { PLATFORM } from '../platform';
import { PlatformSpec, ServiceSpec } from '../platform/types';
import { synthesizePlatform } from '../synth';

/**
 * `npm run bench`: wall time (median of several runs) and peak memory (max RSS) of
 *  1. the whole command, `node .build/main.js` (what `npm run synth` runs after its esbuild step), and the
 *     esbuild step itself;
 *  2. the synth step alone (validate, synthesize, render, write both environments), in a warm process;
 *  3. the same for a generated platform of 1,000 backend services.
 * Each measurement runs in a fresh child process so peak memory is that case's own.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const self = __filename;
const root = process.cwd();

function generatedPlatform(count: number): PlatformSpec {
  const services: ServiceSpec[] = [{ name: 'identity', tier: 'backend', ha: true, uses: ['postgres', 'redis'], migration: { order: 1 } }];
  for (let i = 1; i < count; i++) {
    services.push({
      name: `svc-${String(i).padStart(4, '0')}`,
      tier: 'backend',
      ha: i % 4 === 0,
      uses: i % 2 === 0 ? ['postgres', 'kafka'] : ['redis'],
      migration: i % 3 === 0 ? { order: i + 1 } : undefined,
    });
  }
  return { ...PLATFORM, services };
}

/** Child mode: run one case once and print `{ ms, maxRssMiB, files }`. */
function child(kind: string): void {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-bench-'));
  const platform = kind === 'generated' ? generatedPlatform(1000) : PLATFORM;
  const start = process.hrtime.bigint();
  const envs = synthesizePlatform(platform, { environments: [], tags: [] }, path.join(root, 'lib', 'platform', 'releases'));
  writeEnvironments(path.join(out, 'dist'), envs.map((e) => ({ name: e.environment.name, files: e.files })));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const files = envs.reduce((n, e) => n + e.files.size, 0);
  fs.rmSync(out, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, files }));
}

function timeCommand(command: string, args: string[]): { ms: number; maxRssMiB: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, maxRssMiB: NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  const rows: [string, string, string, string][] = [];
  const report = (name: string, samples: { ms: number; maxRssMiB: number }[], target: string): void => {
    const rss = Math.max(...samples.map((s) => s.maxRssMiB));
    rows.push([name, `${median(samples.map((s) => s.ms)).toFixed(0)} ms`, Number.isNaN(rss) ? '-' : `${rss.toFixed(0)} MiB`, target]);
  };

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-bench-cli-'));
  const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
  const build = [];
  const cli = [];
  for (let i = 0; i < RUNS; i++) {
    build.push(timeCommand(esbuild, ['main.ts', '--bundle', '--platform=node', '--target=node20', '--packages=external', `--outfile=${path.join(out, 'main.js')}`, '--log-level=warning']));
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['-e', `process.argv.splice(1, 0, 'main.js'); require(${JSON.stringify(path.join(root, '.build', 'main.js'))}); process.on('exit', () => process.stderr.write('RSS ' + process.resourceUsage().maxRSS))`, '--', '--out', path.join(out, 'dist')], { cwd: root, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
    cli.push({ ms, maxRssMiB: Number(/RSS (\d+)/.exec(r.stderr)![1]) / 1024 });
  }
  fs.rmSync(out, { recursive: true, force: true });
  report('esbuild bundle step of npm run synth', build, '-');
  report('node .build/main.js (whole command, both envs)', cli, 'with the bundle step <= 2 s');
  rows.push(['npm run synth (bundle + command, medians added)', `${(median(build.map((b) => b.ms)) + median(cli.map((c) => c.ms))).toFixed(0)} ms`, '-', '<= 2 s']);

  for (const [kind, target] of [
    ['real', '<= 0.5 s'],
    ['generated', '<= 10 s, <= 1 GiB'],
  ] as const) {
    const samples = [];
    let files = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, [self, '--child', kind], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`bench child ${kind} failed: ${r.stderr}`);
      const parsed = JSON.parse(r.stdout) as { ms: number; maxRssMiB: number; files: number };
      samples.push(parsed);
      files = parsed.files;
    }
    report(kind === 'real' ? `synth step, real platform (${files} files)` : `synth step, 1,000 backend services (${files} files)`, samples, target);
  }

  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['case', 'median wall', 'peak RSS', 'target'], ...rows].map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(['case', 'median wall', 'peak RSS', 'target'])}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`(${RUNS} runs each on ${os.cpus().length} cores, Node ${process.version}; BENCH_RUNS=N to change)\n`);
}

if (process.argv[2] === '--child') child(process.argv[3]);
else main();
