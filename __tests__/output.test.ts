import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ciFiles } from '../lib/ci/gitlab-ci';
import { PLATFORM } from '../lib/platform';
import { writeEnvironments, readTree } from '../lib/output/writer';
import { synthesizePlatform } from '../lib/synth/synthesize';
import { goldenPath, renderGolden } from '../lib/tools/golden';
import { overrides, RELEASE_DIR, ROOT, shared, tempDir } from './helpers';

describe('dist/', () => {
  test('is exactly what a fresh synth of the committed release files writes', () => {
    const out = tempDir();
    const fresh = shared('committed');
    writeEnvironments(out, [...fresh.map((e) => ({ name: e.environment.name, files: e.files })), ciFiles(PLATFORM)]);
    const expected = readTree(out);
    const actual = readTree(path.join(ROOT, 'dist'));
    const stale = [...actual.keys()].filter((f) => !expected.has(f));
    const missing = [...expected.keys()].filter((f) => !actual.has(f));
    const changed = [...expected.keys()].filter((f) => actual.has(f) && actual.get(f) !== expected.get(f));
    expect({ stale, missing, changed }).toEqual({ stale: [], missing: [], changed: [] });
  });
});

describe('golden files', () => {
  for (const synth of shared('golden')) {
    test(`${synth.environment.name} matches __tests__/golden/${synth.environment.name}.yaml (npm run golden rewrites it)`, () => {
      const golden = fs.readFileSync(goldenPath(ROOT, synth.environment.name), 'utf8');
      expect(renderGolden(synth)).toEqual(golden);
    });
  }
});

describe('determinism', () => {
  test('two synths of the same inputs are byte-identical', () => {
    // The shared result was synthesized in another process (the jest global setup), which makes this a
    // check across processes too.
    const a = shared('committed');
    const b = synthesizePlatform(PLATFORM, overrides(), RELEASE_DIR);
    expect(a.map((e) => [...e.files])).toEqual(b.map((e) => [...e.files]));
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;
if (!hasKubectl) {
  // Said plainly, once, where it is skipped: CI has kubectl, so the builds run there.
  process.stderr.write('kubectl not found: skipping the `kubectl kustomize` build checks\n');
}

(hasKubectl ? describe : describe.skip)('kubectl kustomize (kubectl is installed)', () => {
  const envs = fs.readdirSync(path.join(ROOT, 'dist')).filter((e) => fs.existsSync(path.join(ROOT, 'dist', e, 'kustomization.yaml')));

  test('both environments are in dist/', () => {
    expect(envs.sort()).toEqual(['production', 'staging']);
  });

  for (const env of ['staging', 'production']) {
    test(`builds dist/${env}, and every layer alone`, () => {
      const dir = path.join(ROOT, 'dist', env);
      const whole = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const count = (whole.match(/^kind: /gm) ?? []).length;
      const files = [...readTree(dir).keys()].filter((f) => f.split('/').length > 2 && f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'));
      const layers = fs.readdirSync(dir).filter((l) => fs.existsSync(path.join(dir, l, 'kustomization.yaml')));
      let perLayer = 0;
      for (const layer of layers) {
        const out = execFileSync('kubectl', ['kustomize', path.join(dir, layer)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        perLayer += (out.match(/^kind: /gm) ?? []).length;
      }
      const rootLayers = readTree(dir).get('kustomization.yaml')!;
      const listed = layers.filter((l) => rootLayers.includes(`- ${l}`));
      const inEnvBuild = listed.reduce((n, l) => n + files.filter((f) => f.startsWith(`${l}/`)).length, 0);
      expect(count).toBe(inEnvBuild);
      expect(perLayer).toBeGreaterThanOrEqual(count);
    });
  }
});
