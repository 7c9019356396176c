import { parse } from 'yaml';
import { CI_IMAGES, dockerfileOf, gitlabCi, packageImages, SCAN_POLICY } from '../lib/ci/gitlab-ci';
import { PLATFORM_REPOSITORY } from '../lib/platform/gitops';
import { PLATFORM } from '../lib/platform';
import { PlatformSpec } from '../lib/platform/types';

const pipeline = (platform: PlatformSpec = PLATFORM) => parse(gitlabCi(platform)) as Record<string, any>;
const jobs = (p: Record<string, any>) => Object.keys(p).filter((k) => !['stages', 'variables'].includes(k) && !k.startsWith('.'));

describe('GitLab CI fragment from the service catalogue', () => {
  test('one image, scan and push job per package of the monorepo: payment-api and payment-worker share nx-payment', () => {
    const p = pipeline();
    const images = packageImages(PLATFORM);
    const perImage = jobs(p).filter((j) => /^(image|scan|push)-/.test(j));
    expect(perImage.sort()).toEqual(images.flatMap((i) => [`image-${i.name}`, `scan-${i.name}`, `push-${i.name}`]).sort());
    for (const i of images) {
      expect(p[`image-${i.name}`].script[0]).toBe(`docker build -t "$REGISTRY/nx-${i.name}:$CI_COMMIT_SHORT_SHA" -f ${dockerfileOf(i)} .`);
    }
    // The seed's SERVICES list, plus the four frontends.
    expect(images.filter((i) => i.tier === 'backend').map((i) => i.name)).toEqual(['identity', 'commerce', 'sale', 'finance', 'inventory', 'ledger', 'pricing', 'payment', 'signal']);
    expect(images.find((i) => i.name === 'payment')!.services.map((s) => s.name)).toEqual(['payment-api', 'payment-worker']);
    expect(p['image-payment-api']).toBeUndefined();
    expect(p['image-payment'].script[0]).toContain('-f packages/payment/Dockerfile');
    expect(dockerfileOf({ name: 'bo', tier: 'frontend' })).toBe('apps/bo/Dockerfile');
  });

  test('jobs get what they need: test installs first, build output reaches docker build, push logs in where it pushes', () => {
    const p = pipeline();
    expect(p.test.script).toEqual(['bun install --frozen-lockfile', 'bun run test']);
    expect(p.build.artifacts.paths).toEqual(['packages/*/dist/', 'apps/*/dist/']);
    for (const i of packageImages(PLATFORM)) {
      expect(p[`image-${i.name}`].needs).toContainEqual({ job: 'build', artifacts: true });
      expect(p[`image-${i.name}`].needs).toContainEqual({ job: 'test', artifacts: false });
      const push = p[`push-${i.name}`];
      expect(push.script.join('\n')).toContain('docker push --all-tags "$REGISTRY/');
      expect(push.before_script[0]).toContain('docker login "${REGISTRY%%/*}"');
      expect(push.before_script[0]).not.toContain('CI_REGISTRY');
    }
  });

  test('triggers the one platform repository the GitOps objects watch', () => {
    expect(pipeline().variables.BANA_PLATFORM_PROJECT).toBe(PLATFORM_REPOSITORY.project);
    expect(PLATFORM_REPOSITORY.project).toBe('bana/bana-platform');
  });

  test('adding a service adds its jobs and its place in every deploy', () => {
    const more = pipeline({ ...PLATFORM, services: [...PLATFORM.services, { name: 'loyalty', tier: 'backend', ha: false }] });
    expect(more['push-loyalty'].needs).toEqual([
      { job: 'image-loyalty', artifacts: true },
      { job: 'scan-loyalty', artifacts: false },
    ]);
    expect(more['deploy-production'].needs).toContainEqual({ job: 'push-loyalty', artifacts: false });
  });

  test("keeps the seed's scan policy: CRITICAL fails everywhere, HIGH fails on main and develop", () => {
    const p = pipeline();
    for (const s of packageImages(PLATFORM)) {
      const scan = p[`scan-${s.name}`];
      expect(scan.rules).toEqual([
        { if: '$CI_COMMIT_BRANCH == "main" || $CI_COMMIT_BRANCH == "develop"', variables: { TRIVY_FAIL_ON: 'CRITICAL,HIGH' } },
        { if: '$CI_MERGE_REQUEST_IID', variables: { TRIVY_FAIL_ON: 'CRITICAL' } },
      ]);
      expect(scan.script).toContain(`trivy image --input nx-${s.name}.tar --exit-code 1 --severity "$TRIVY_FAIL_ON" --no-progress`);
      // The pushed image is the scanned tarball: push needs the scan and loads the image job's artifact.
      expect(p[`push-${s.name}`].needs.map((n: any) => n.job)).toEqual([`image-${s.name}`, `scan-${s.name}`]);
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
      for (const need of (job.needs ?? []).map((n: any) => n.job)) {
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
    expect(p['deploy-production'].needs.map((n: any) => n.job)).toEqual(packageImages(PLATFORM).map((i) => `push-${i.name}`));
  });
});
