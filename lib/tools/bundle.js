// @ts-check
'use strict';
/**
 * The esbuild build of every program the npm scripts run, in one place for `npm run build` (`node
 * lib/tools/bundle.js`, all of them) and `npm run synth` (lib/tools/synth.js, the synth's own three).
 *
 * Plain JavaScript on purpose: it is what bundles the TypeScript, so it cannot need bundling.
 *
 * The npm packages are bundled in (no `packages: 'external'`): loading `cdk8s`, `cdk8s-plus-28`, `yaml` and
 * `ajv` from node_modules file by file cost a synth ~180 ms of resolving, reading and compiling (`node
 * --cpu-prof`: Module._resolveFilename, readFileSync and wrapSafe over ~400 files); one file costs one read.
 * The app itself is `.build/app.js`, run by `.build/main.js` (lib/tools/main-loader.js) through V8's code cache.
 */
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const outdir = path.join(root, '.build');

/** Output name (`.build/<name>.js`) → source. */
const ENTRIES = /** @type {const} */ ({
  app: 'main.ts',
  main: 'lib/tools/main-loader.js',
  'build-validators': 'lib/tools/build-validators.ts',
  bench: 'lib/bench/bench.ts',
  'update-golden': 'lib/tools/update-golden.ts',
  'generate-schemas': 'lib/tools/generate-schemas.ts',
  diff: 'lib/tools/diff.ts',
  validate: 'lib/tools/validate.ts',
  'repo-files': 'lib/tools/repo-files.ts',
  'image-digests': 'lib/tools/image-digests.ts',
});
/**
 * The programs that validate objects, so need the precompiled validators (`.build/validators/`): asking for
 * one of them also bundles and runs the validator build (it returns at once when they are current).
 */
const VALIDATING = /** @type {const} */ (['app', 'main', 'bench', 'update-golden', 'diff', 'validate']);
/** What `npm run synth` runs: the loader, the app, the validator build. */
const SYNTH_ENTRIES = /** @type {const} */ (['app', 'main', 'build-validators']);

/**
 * Loaders beyond esbuild's defaults: scripts that run in containers are imported as text
 * (lib/constructs/scripts.ts). A file loaded so is an input in the metafile like any module, so editing a
 * `.sh` file re-bundles.
 */
const LOADERS = /** @type {const} */ ({ '.sh': 'text' });

/**
 * The generated `toJson_*` mappers (cdk8s-plus-28's lib/imports/k8s.js, and ours in imports/ from `cdk8s
 * import`) end each conversion by dropping undefined fields with
 * `Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {})`, which
 * copies the object once per kept field: quadratic, and ~10% of a 1,000-service synthesis (`node --cpu-prof`:
 * `toJson_KubeDeploymentProps` and the mappers under it, about as much as resolving every value). The bundle
 * has a loop instead that builds the same object: the same fields, in the same order (`for...in` over an
 * object literal visits its own keys in `Object.entries` order). Every file matched must hold the expression,
 * so a generator that writes it differently stops the build here rather than going unnoticed.
 * Tested in __tests__/bundle.test.ts.
 */
const MAPPER_FILES = /[\\/](?:cdk8s-plus-28[\\/]lib[\\/]imports[\\/]k8s\.js|imports[\\/][^\\/]+\.ts)$/;
const MAPPER_FILTER = 'return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';
const MAPPER_LOOP = 'return __definedFields(result);';
const MAPPER_HELPER =
  '\nfunction __definedFields(o) { const r = {}; for (const k in o) { const v = o[k]; if (v !== undefined) r[k] = v; } return r; }\n';

/**
 * The contents of one mapper file with its filters replaced by the loop; throws when the file has none.
 * @param {string} file
 * @param {string} text
 */
function compactMappers(file, text) {
  const parts = text.split(MAPPER_FILTER);
  if (parts.length === 1) {
    throw new Error(`${file}: no generated filter \`${MAPPER_FILTER}\` to compact; the generator changed: update MAPPER_FILTER in lib/tools/bundle.js`);
  }
  return { contents: parts.join(MAPPER_LOOP) + MAPPER_HELPER, count: parts.length - 1 };
}

/** @type {import('esbuild').Plugin} */
const compactMappersPlugin = {
  name: 'compact-generated-mappers',
  setup(build) {
    const fs = require('fs');
    const ours = path.join(root, 'imports');
    build.onLoad({ filter: MAPPER_FILES }, (args) => {
      // The filter is a path ending; only our imports/ folder and cdk8s-plus-28's are generated mappers.
      if (path.dirname(args.path) !== ours && !args.path.includes(`${path.sep}node_modules${path.sep}cdk8s-plus-28${path.sep}`)) return undefined;
      try {
        const { contents } = compactMappers(args.path, fs.readFileSync(args.path, 'utf8'));
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      } catch (error) {
        // esbuild prints it as one error naming the file, without a stack.
        return { errors: [{ text: /** @type {Error} */ (error).message }] };
      }
    });
  },
};

/**
 * Bundles the named entries into .build/ and resolves to esbuild's metafile. Rejects when esbuild fails (it
 * has printed each error with its file and line). Asynchronous because esbuild runs plugins only in its
 * asynchronous API.
 * @param {readonly (keyof typeof ENTRIES)[]} names
 */
async function bundle(names) {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(names.map((name) => [name, ENTRIES[name]])),
    bundle: true,
    platform: 'node',
    target: 'node20',
    // The build's own tool stays a dependency to load, never part of a bundle.
    external: ['esbuild'],
    // Whitespace, comments and syntax only (names stay, so profiles and errors read): the app's bundle goes
    // from 2.9 MB to 2.0 MB, which every run reads, hashes (main-loader.js) and decodes; ~40 ms of a run's
    // start in a `--help` run's median CPU time.
    minifyWhitespace: true,
    minifySyntax: true,
    outdir,
    logLevel: 'warning',
    loader: LOADERS,
    metafile: true,
    absWorkingDir: root,
    plugins: [compactMappersPlugin],
  });
  return /** @type {NonNullable<typeof result.metafile>} */ (result.metafile);
}

module.exports = { bundle, compactMappers, ENTRIES, SYNTH_ENTRIES, LOADERS, root, outdir };

// `node lib/tools/bundle.js [name ...]`: the named programs (an npm script bundles only what it runs, e.g. the
// pre-commit hook's `npm run diff`), or all of them; then the validator build when one of them validates.
if (require.main === module) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in ENTRIES));
  if (unknown.length > 0) {
    process.stderr.write(`error: bundle: ${JSON.stringify(unknown[0])} is not a program; allowed: ${Object.keys(ENTRIES).join(', ')}\n`);
    process.exit(2);
  }
  const names = /** @type {(keyof typeof ENTRIES)[]} */ (asked.length > 0 ? asked : Object.keys(ENTRIES));
  const validates = names.some((name) => /** @type {readonly string[]} */ (VALIDATING).includes(name));
  if (validates && !names.includes('build-validators')) names.push('build-validators');
  bundle(names).then(
    // Out of the promise's reach, so the validator build's exceptions stay uncaught ones.
    () => setImmediate(() => validates && require(path.join(outdir, 'build-validators.js'))),
    () => {
      process.stderr.write('error: bundling failed (esbuild errors above)\n');
      process.exit(1);
    },
  );
}
