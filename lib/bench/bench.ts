import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeEnvironments } from '../output/writer';
import { RELEASE_DIR } from '../inputs/release';
import { synthesizePlatform } from '../synth/synthesize';
import { generatedPlatform } from './generated-platform';

/**
 * `npm run bench`: median wall time and peak memory (max RSS) of each case of issue 13, each beside its
 * target, every run in a fresh process so its peak memory is its own:
 *  1. `npm run synth` as people run it: nothing changed, and after a one-service tag change;
 *  2. the synth step (`node .build/main.js`, module loading and writes included) beside the peer, `helm
 *     template` of a chart holding the same objects as static templates, as a ratio;
 *  3. generated platforms of 100, 300 and 1,000 backend services: in memory (validate, synthesize, render)
 *     and in total with the writes, so growth is visibly linear;
 *  4. `npm test` on demand (BENCH_TEST=1): it takes a minute and loads the machine, so it is opt-in.
 * Absolute figures depend on the machine's load; the last line prints the load average.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const self = __filename;
const root = process.cwd();


interface Sample {
  readonly ms: number;
  readonly maxRssMiB: number;
}

/** Child mode: synthesize a generated platform of `count` services once; print `{ ms, synthMs, writeMs, maxRssMiB, files }`. */
function child(count: number): void {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-bench-'));
  let start: bigint, synthesized: bigint, end: bigint, files: number;
  try {
    const platform = generatedPlatform(count);
    start = process.hrtime.bigint();
    const envs = synthesizePlatform(platform, { environments: [], tags: [] }, path.join(root, RELEASE_DIR));
    synthesized = process.hrtime.bigint();
    writeEnvironments(path.join(out, 'dist'), envs.map((e) => ({ name: e.environment.name, files: e.files })));
    end = process.hrtime.bigint();
    files = envs.reduce((n, e) => n + e.files.size, 0);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
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

/** Runs a command once; wall time, and the peak RSS of its largest process (GNU time when installed). */
function timeCommand(command: string, args: readonly string[], cwd = root): Sample {
  const gnuTime = fs.existsSync('/usr/bin/time');
  const start = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'BENCH_RSS_KB %M', command, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 })
    : spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  const rss = /BENCH_RSS_KB (\d+)/.exec(r.stderr ?? '');
  return { ms, maxRssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A 7-hex-digit image tag of run `i`, different in every bench so no cache has seen it. */
function freshTag(i: number): string {
  return ((Date.now() + i * 7919) % 0xfffffff).toString(16).padStart(7, '0');
}

/**
 * A Helm chart whose templates are the manifests of `dist` (both environments), verbatim: `{{` and `}}` in
 * them are escaped so Helm prints them as they are. Returns the chart folder and its object count.
 */
function staticChart(dist: string, into: string): { chart: string; objects: number } {
  const chart = path.join(into, 'chart');
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: bana-static\nversion: 0.1.0\n');
  let objects = 0;
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, `${rel}${entry.name}-`);
      else if (entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml') {
        const content = fs.readFileSync(full, 'utf8').replace(/\{\{|\}\}/g, (m) => `{{ "${m}" }}`);
        fs.writeFileSync(path.join(chart, 'templates', `${rel}${entry.name}`), content);
        objects++;
      }
    }
  };
  for (const env of ['staging', 'production']) walk(path.join(dist, env), `${env}-`);
  return { chart, objects };
}

/** The helm binary: $HELM, else the one ../shared/tools/get-helm.sh puts in $TMPDIR/bana-peers, else on PATH. */
function findHelm(): string | undefined {
  const candidates = [process.env.HELM, path.join(process.env.TMPDIR ?? os.tmpdir(), 'bana-peers', 'bin', 'helm'), 'helm'].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ['version', '--short'], { encoding: 'utf8' }).status === 0);
}

function main(): void {
  const rows: string[][] = [];
  const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const report = (name: string, samples: readonly Sample[], target: string, note = ''): number => {
    const rss = Math.max(...samples.map((s) => s.maxRssMiB));
    const ms = median(samples.map((s) => s.ms));
    rows.push([name, fmt(ms), Number.isNaN(rss) ? '-' : `${rss.toFixed(0)} MiB`, target, note]);
    return ms;
  };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-bench-cli-'));
  // Removed however the bench ends (a failed command throws).
  process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
  const dist = path.join(scratch, 'dist');

  // 1. `npm run synth`, as people run it (launcher, freshness checks, synth, writes). A first run brings
  // the bundle and the caches up to date, as the run after any edit does.
  const npmSynth = (extra: string[] = []): Sample => timeCommand('npm', ['run', '-s', 'synth', '--', '--out', dist, ...extra]);
  npmSynth();
  const unchanged: Sample[] = [];
  const tagChange: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    tagChange.push(npmSynth(['--tag', `identity=${freshTag(i)}`]));
    // Back to the committed tags (a run with changes to write), then the same run again: nothing changed.
    npmSynth();
    unchanged.push(npmSynth());
  }
  report('npm run synth, nothing changed', unchanged, '<= 0.5 s');
  report('npm run synth, one service tag changed', tagChange, '<= 0.8 s');

  // 2. The synth step beside helm template of the same objects.
  npmSynth();
  const { chart, objects } = staticChart(dist, scratch);
  const helm = findHelm();
  const step: Sample[] = [];
  const peer: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    step.push(timeCommand(process.execPath, [path.join(root, '.build', 'main.js'), '--out', dist]));
    if (helm) peer.push(timeCommand(helm, ['template', 'bana', chart]));
  }
  const stepMs = report(`synth step, node .build/main.js (${objects} manifests)`, step, '<= helm template');
  if (helm) {
    const helmMs = report(`  peer: helm template, same ${objects} manifests`, peer, '-');
    rows.push(['  ratio synth step / helm template', `${(stepMs / helmMs).toFixed(2)}x`, '', '<= 1.00x', '']);
  } else {
    rows.push(['  peer: helm template', 'skipped', '', '-', 'no helm: run ../shared/tools/get-helm.sh or set HELM']);
  }

  // 3. Generated platforms: linear growth, in memory and in total.
  for (const count of [100, 300, 1000]) {
    const samples: { ms: number; synthMs: number; writeMs: number; maxRssMiB: number; files: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Start each run with the previous run's writes and deletions flushed, so one run's disk work is not
      // billed to the next.
      spawnSync('sync');
      const r = spawnSync(process.execPath, [self, '--child', String(count)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`bench child ${count} failed: ${r.stderr}`);
      samples.push(JSON.parse(r.stdout));
    }
    const big = count === 1000;
    report(`${count} services in memory (${samples[0].files} files)`, samples.map((x) => ({ ms: x.synthMs, maxRssMiB: x.maxRssMiB })), big ? '<= 2 s, <= 512 MiB' : '-');
    report(`${count} services from scratch, writes included`, samples, big ? '<= 4 s' : '-');
  }

  // 4. npm test, opt-in.
  if (process.env.BENCH_TEST === '1') {
    report('npm test (typecheck, build, jest), once', [timeCommand('npm', ['test', '--silent'])], '<= 40 s, <= 1 GiB');
  } else {
    rows.push(['npm test', 'skipped', '', '<= 40 s, <= 1 GiB', 'BENCH_TEST=1 runs it once (4–5 minutes on 2 cores)']);
  }

  const header = ['case', 'median wall', 'peak RSS', 'target', 'note'];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`${line(header)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(
    `(${RUNS} runs each, medians; ${os.cpus().length} cores, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; BENCH_RUNS=N to change)\n`,
  );
}

if (process.argv[2] === '--child') child(Number(process.argv[3]));
else main();
