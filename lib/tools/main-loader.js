// @ts-check
'use strict';
/**
 * `.build/main.js`: runs the bundled app (`.build/app.js`, main.ts) through V8's code cache, so a run does not
 * parse and compile the ~3 MB bundle again. Started as `node .build/main.js ...` (cdk8s.yaml's app through
 * `npm run synth`, the tests, the bench) or required by lib/tools/synth.js; the app reads `process.argv` as
 * if it were the program.
 *
 * The cache (`.build/app.js.cache`) is the SHA-256 of the bundle's bytes followed by V8's data. V8 checks its
 * data against the source's length only, so a rebuilt bundle of the same length would otherwise run stale
 * code: the digest is compared first, and a cache of other bytes is not given to V8. A run without a usable
 * cache writes one when it exits (after the run, so it holds every function the run compiled); a read-only
 * .build/ only costs speed.
 *
 * On the main thread it first starts the environment worker (lib/synth/environment-worker.ts): this very
 * file on a worker thread, so the worker loads the app while the main thread does, and is ready for its
 * environment when the main thread has validated the inputs. Like `make --load-average`, only when a core is
 * free: the worker costs a second load of the app (~0.2 s of CPU), which speeds a run up on an idle machine
 * and slows it down on a busy one (CI running test suites in parallel; measured in docs/benchmark.md).
 * `NX_SYNTH_WORKER=1` always starts it, `NX_SYNTH_WORKER=0` never. The worker is unref'd: a run that needs
 * no worker (`--env`, `--help`, a bad input) exits without waiting for it.
 */
const { isAscii } = require('buffer');
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const os = require('os');
const vm = require('vm');
const { isMainThread } = require('worker_threads');
const { startEnvironmentWorker, watchWorkerEnd } = require('../synth/worker-start');

/** Whether to start the worker: as told by NX_SYNTH_WORKER, else when a core is idle. */
function wantWorker() {
  const told = process.env.NX_SYNTH_WORKER;
  if (told === '1' || told === '0') return told === '1';
  // Idle enough: other work averages under half a core beyond one (one busy core, as a run of runs such as
  // the bench keeps it, still leaves a core; jest's workers or another build do not).
  const cores = os.availableParallelism();
  return cores > 1 && os.loadavg()[0] < cores - 0.5;
}
if (isMainThread && wantWorker()) startEnvironmentWorker(__filename);
watchWorkerEnd();

const file = path.join(__dirname, 'app.js');
const cacheFile = `${file}.cache`;
const source = fs.readFileSync(file);
const digest = crypto.createHash('sha256').update(source).digest();

/** @type {Buffer | undefined} */
let cachedData;
try {
  const cache = fs.readFileSync(cacheFile);
  if (cache.length > digest.length && cache.subarray(0, digest.length).equals(digest)) cachedData = cache.subarray(digest.length);
} catch {
  cachedData = undefined;
}
// The minified bundle is ASCII (esbuild escapes the rest), which decodes several times faster as Latin-1; any
// other byte falls back to UTF-8.
const text = isAscii(source) ? source.toString('latin1') : source.toString('utf8');
const script = new vm.Script(Module.wrap(text), { filename: file, cachedData });
if (cachedData === undefined || script.cachedDataRejected === true) {
  process.once('exit', () => {
    const temp = `${cacheFile}.tmp-${process.pid}`;
    try {
      fs.writeFileSync(temp, Buffer.concat([digest, script.createCachedData()]));
      fs.renameSync(temp, cacheFile);
    } catch {
      // A read-only or vanished .build/: the next run compiles again, and no temporary file stays.
      try {
        fs.rmSync(temp, { force: true });
      } catch {
        // Nothing was written there either.
      }
    }
  });
}
const appModule = { exports: {}, filename: file, id: file, loaded: false };
/** @type {(...args: unknown[]) => void} */ (script.runInThisContext()).call(appModule.exports, appModule.exports, Module.createRequire(file), appModule, file, __dirname);
