import { parse } from 'yaml';
import { CI_IMAGES, dockerfileOf, gitlabCi, SCAN_POLICY } from '../lib/ci/gitlab-ci';
import { PLATFORM } from '../lib/platform';
import { PlatformSpec } from '../lib/platform/types';
import { FIXTURE_SERVICE } from './helpers';

const pipeline = (platform: PlatformSpec = PLATFORM) => parse(gitlabCi(platform)) as Record<string, any>;
const jobs = (p: Record<string, any>) => Object.keys(p).filter((k) => !['stages', 'variables'].includes(k) && !k.startsWith('.'));

describe('GitLab CI fragment from the service catalogue', () => {
  test('one image, scan and push job per service of the catalogue, and nothing per service beyond that', () => {
    const p = pipeline();
    const perService = jobs(p).filter((j) => /^(image|scan|push)-/.test(j));
    expect(perService.sort()).toEqual(PLATFORM.services.flatMap((s) => [`image-${s.name}`, `scan-${s.name}`, `push-${s.name}`]).sort());
    for (const s of PLATFORM.services) {
      expect(p[`image-${s.name}`].script[0]).toBe(`docker build -t "$REGISTRY/nx-${s.name}:$CI_COMMIT_SHORT_SHA" -f ${dockerfileOf(s)} .`);
    }
    expect(dockerfileOf(PLATFORM.services.find((s) => s.name === 'bo')!)).toBe('apps/bo/Dockerfile');
    expect(dockerfileOf(PLATFORM.services.find((s) => s.name === 'sale')!)).toBe('packages/sale/Dockerfile');
  });

  test('adding a service adds its jobs and its place in every deploy', () => {
    const more = pipeline({ ...PLATFORM, services: [...PLATFORM.services, { name: FIXTURE_SERVICE, tier: 'backend', ha: false }] });
    expect(more[`push-${FIXTURE_SERVICE}`].needs).toEqual([`image-${FIXTURE_SERVICE}`, `scan-${FIXTURE_SERVICE}`]);
    expect(more['deploy-production'].needs).toContain(`push-${FIXTURE_SERVICE}`);
  });

  test("keeps the seed's scan policy: CRITICAL fails everywhere, HIGH fails on main and develop", () => {
    const p = pipeline();
    for (const s of PLATFORM.services) {
      const scan = p[`scan-${s.name}`];
      expect(scan.rules).toEqual([
        { if: '$CI_COMMIT_BRANCH == "main" || $CI_COMMIT_BRANCH == "develop"', variables: { TRIVY_FAIL_ON: 'CRITICAL,HIGH' } },
        { if: '$CI_MERGE_REQUEST_IID', variables: { TRIVY_FAIL_ON: 'CRITICAL' } },
      ]);
      expect(scan.script).toContain(`trivy image --input nx-${s.name}.tar --exit-code 1 --severity "$TRIVY_FAIL_ON" --no-progress`);
      // The pushed image is the scanned tarball: push needs the scan and loads the image job's artifact.
      expect(p[`push-${s.name}`].needs).toEqual([`image-${s.name}`, `scan-${s.name}`]);
      expect(p[`push-${s.name}`].script[0]).toBe(`docker load -i nx-${s.name}.tar`);
    }
    expect(SCAN_POLICY.failElsewhere).toBe('CRITICAL');
  });

  test('is well-formed: known stages in order, every needs and extends resolves, images pinned', () => {
    const p = pipeline();
    const all = Object.keys(p);
    for (const name of jobs(p)) {
      const job = p[name];
      expect(p.stages).toContain(job.stage);
      for (const need of job.needs ?? []) {
        expect(all).toContain(need);
        expect(p.stages.indexOf(p[need].stage)).toBeLessThanOrEqual(p.stages.indexOf(job.stage));
      }
      for (const parent of [job.extends ?? []].flat()) expect(all).toContain(parent);
    }
    expect(p.stages).toEqual(['build', 'test', 'image', 'scan', 'push', 'deploy']);
    for (const image of Object.values(CI_IMAGES)) expect(image).toMatch(/:[0-9][^:]*$/);
  });

  test('deploys staging by hand from develop and production from main, through the platform project', () => {
    const p = pipeline();
    expect(p['deploy-staging'].rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "develop"', when: 'manual' }]);
    expect(p['deploy-production'].rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "main"' }]);
    expect(p['deploy-production'].variables).toEqual({ NX_ENV: 'production', NX_TAG: '$CI_COMMIT_SHORT_SHA', NX_REGISTRY: '$REGISTRY' });
    expect(p['deploy-production'].needs).toEqual(PLATFORM.services.map((s) => `push-${s.name}`));
  });
});
