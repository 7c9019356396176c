import * as fs from 'fs';
import * as path from 'path';
import { PLATFORM } from '../lib/platform';
import { InputError } from '../lib/platform/errors';
import { imageOf, resolveRelease } from '../lib/inputs/release';
import { EnvironmentSpec } from '../lib/platform/types';
import { tempDir } from './helpers';

/** Images belong to packages of the services monorepo, Deployments to the catalogue. */
const production = PLATFORM.environments.find((e) => e.name === 'production') as EnvironmentSpec;
const service = (name: string) => PLATFORM.services.find((s) => s.name === name)!;

function releases(text: string): string {
  const dir = tempDir('bana-images-');
  fs.writeFileSync(path.join(dir, 'production.yaml'), text);
  return dir;
}
const overrides = (tags: { service: string; value: string }[] = []) => ({ environments: [], tags: tags.map((t) => ({ ...t, input: `--tag ${t.service}=${t.value}` })) });

describe('images per package', () => {
  test('payment-api and payment-worker run the one nx-payment image', () => {
    const release = resolveRelease(PLATFORM, production, releases('tag: "abc1234"\n'), overrides());
    expect(imageOf(release, service('payment-api'))).toBe('bcr.bana.com.vn/nx-payment:abc1234');
    expect(imageOf(release, service('payment-worker'))).toBe('bcr.bana.com.vn/nx-payment:abc1234');
    expect(imageOf(release, service('sale'))).toBe('bcr.bana.com.vn/nx-sale:abc1234');
  });

  test('a per-service tag pins the image, so every service of the package follows it', () => {
    const release = resolveRelease(PLATFORM, production, releases('tag: "abc1234"\n'), overrides([{ service: 'payment-api', value: 'def5678' }]));
    expect(imageOf(release, service('payment-worker'))).toBe('bcr.bana.com.vn/nx-payment:def5678');
    expect(release.tags).toEqual({ 'payment-api': 'def5678', 'payment-worker': 'def5678' });
  });

  test('a command-line pin replaces the file pins of the package', () => {
    const dir = releases('tag: "abc1234"\ntags:\n  payment-api: "1111111"\n  payment-worker: "1111111"\n');
    const release = resolveRelease(PLATFORM, production, dir, overrides([{ service: 'payment-worker', value: '2222222' }]));
    expect(release.tags).toEqual({ 'payment-api': '2222222', 'payment-worker': '2222222' });
  });

  test('two different tags for one image are refused, naming both', () => {
    expect(() => resolveRelease(PLATFORM, production, releases('tag: "abc1234"\n'), overrides([
      { service: 'payment-api', value: '1111111' },
      { service: 'payment-worker', value: '2222222' },
    ]))).toThrow('--tag payment-worker=2222222: "2222222" is not valid; allowed: the tag 1111111 that --tag payment-api=1111111 already gives the image nx-payment');
    const dir = releases('tag: "abc1234"\ntags:\n  payment-api: "1111111"\n  payment-worker: "2222222"\n');
    expect(() => resolveRelease(PLATFORM, production, dir, overrides())).toThrow(InputError);
    expect(() => resolveRelease(PLATFORM, production, dir, overrides())).toThrow('allowed: the tag of payment-api (1111111): both run the image nx-payment');
  });
});
