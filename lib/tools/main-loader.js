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
 * cache writes one when it exits after a successful synthesis (so it holds every function such a run
 * compiles); a read-only .build/ only costs speed.
 */
const { isAscii } = require('buffer');
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

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
  process.once('exit', (code) => {
    // Only after a run that synthesized and succeeded: the cache holds the functions the run compiled, and one
    // kept from a run that stopped early (a bad input, --help) would leave every later run compiling most of
    // the app itself. lib/synth/synthesize.ts raises the flag.
    if (code !== 0 || /** @type {Record<symbol, unknown>} */ (globalThis)[Symbol.for('bana.synth.synthesized')] !== true) return;
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
