import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeEnvironments } from '../output/writer';
import { PLATFORM } from '../platform';
import { RELEASE_DIR } from '../platform/inputs';
import { PlatformSpec, ServiceSpec } from '../platform/types';
import { synthesizePlatform } from '../synth';

/**
 * `npm run bench`: wall time (median of several runs) and peak memory (max RSS) of
 *  1. `npm run synth` as people run it, and the bundled command alone;
 *  2. the synth step alone (validate, synthesize, render, write both environments) once the modules are
 *     loaded, split into its in-memory part and the file writes (disk speed varies a lot on shared machines);
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

/** Child mode: run one case once and print `{ ms, synthMs, writeMs, maxRssMiB, files }`. */
function child(kind: string): void {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-bench-'));
  const platform = kind === 'generated' ? generatedPlatform(1000) : PLATFORM;
  const start = process.hrtime.bigint();
  const envs = synthesizePlatform(platform, { environments: [], tags: [] }, path.join(root, RELEASE_DIR));
  const synthesized = process.hrtime.bigint();
  writeEnvironments(path.join(out, 'dist'), envs.map((e) => ({ name: e.environment.name, files: e.files })));
  const end = process.hrtime.bigint();
  const files = envs.reduce((n, e) => n + e.files.size, 0);
  fs.rmSync(out, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      ms: Number(end - start) / 1e6,
      synthMs: Number(synthesized - start) / 1e6,
      writeMs: Number(end - synthesized) / 1e6,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      files,
    }),
  );
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
  const cli = [];
  const synth = [];
  for (let i = 0; i < RUNS; i++) {
    // The command people run: bundle (esbuild), validators check, synthesize both environments, write.
    synth.push(timeCommand('npm', ['run', '-s', 'synth', '--', '--out', path.join(out, 'npm')]));
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['-e', `process.argv.splice(1, 0, 'main.js'); require(${JSON.stringify(path.join(root, '.build', 'main.js'))}); process.on('exit', () => process.stderr.write('RSS ' + process.resourceUsage().maxRSS))`, '--', '--out', path.join(out, 'dist')], { cwd: root, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
    cli.push({ ms, maxRssMiB: Number(/RSS (\d+)/.exec(r.stderr)![1]) / 1024 });
  }
  fs.rmSync(out, { recursive: true, force: true });
  report('npm run synth (bundle, validators check, both envs)', synth, '<= 2 s');
  report('node .build/main.js (the command after bundling)', cli, '-');

  for (const [kind, target] of [
    ['real', '<= 0.5 s'],
    ['generated', '<= 10 s, <= 1 GiB'],
  ] as const) {
    const samples = [];
    let files = 0;
    for (let i = 0; i < RUNS; i++) {
      // Start each run with the previous run's writes and deletions flushed, so one run's disk work is not
      // billed to the next.
      spawnSync('sync');
      const r = spawnSync(process.execPath, [self, '--child', kind], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`bench child ${kind} failed: ${r.stderr}`);
      const parsed = JSON.parse(r.stdout) as { ms: number; synthMs: number; writeMs: number; maxRssMiB: number; files: number };
      samples.push(parsed);
      files = parsed.files;
    }
    const name = kind === 'real' ? `real platform (${files} files)` : `1,000 backend services (${files} files)`;
    report(`synth step, ${name}`, samples, target);
    report(`  of which in memory (validate, synthesize, render)`, samples.map((x) => ({ ms: x.synthMs, maxRssMiB: x.maxRssMiB })), '-');
    report(`  of which writing the files`, samples.map((x) => ({ ms: x.writeMs, maxRssMiB: NaN })), '-');
  }

  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['case', 'median wall', 'peak RSS', 'target'], ...rows].map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(['case', 'median wall', 'peak RSS', 'target'])}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`(${RUNS} runs each on ${os.cpus().length} cores, Node ${process.version}; BENCH_RUNS=N to change)\n`);
}

if (process.argv[2] === '--child') child(process.argv[3]);
else main();
