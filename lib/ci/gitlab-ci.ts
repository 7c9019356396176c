import { DEFAULT_REGISTRY, imageRepository, packageOf } from '../platform/conventions';
import { PLATFORM_REPOSITORY } from '../platform/gitops';
import { EnvironmentSpec, PlatformSpec, ServiceSpec } from '../platform/types';
import { toYaml } from '../output/render';
import { EnvironmentFiles } from '../output/writer';

/**
 * The GitLab CI fragment of the application repository, generated from the service catalogue: one image,
 * scan and push job per image — per package of the monorepo, not per Deployment — instead of the seed's copy-pasted blocks (which had already drifted: they
 * built 7 of the 14 services and scanned 3). The application repository includes it:
 *
 *   include:
 *     - project: bana/bana-platform   (PLATFORM_REPOSITORY, lib/platform/gitops.ts)
 *       ref: main
 *       file: dist/ci/services.gitlab-ci.yml
 *
 * Pipeline: build → test (the monorepo, once) → image (docker build, saved as an artifact) → scan (Trivy on
 * that very tarball) → push (the scanned tarball, never a rebuild) → deploy (downstream pipeline of the
 * platform project with NX_ENV and NX_TAG, which re-synthesizes and commits dist/).
 */

/** Folder of `dist/` that holds the generated CI files, and the fragment's file name in it. */
export const CI_FOLDER = 'ci';
export const CI_FILE = 'services.gitlab-ci.yml';

/** Pinned images of the pipeline (the seed's `aquasec/trivy:latest` and `bitnami/kubectl:latest` move). */
export const CI_IMAGES = {
  bun: 'oven/bun:1.3.10-alpine',
  docker: 'docker:27',
  dockerDind: 'docker:27-dind',
  trivy: 'aquasec/trivy:0.58.1',
} as const;

/**
 * The seed's scan policy ("Policy Mức độ Nghiêm trọng Scan"): CRITICAL fails everywhere; HIGH fails on main
 * and develop and is only reported on merge requests of feature branches.
 */
export const SCAN_POLICY = {
  protectedBranches: ['main', 'develop'],
  failOnProtected: 'CRITICAL,HIGH',
  failElsewhere: 'CRITICAL',
  reported: 'CRITICAL,HIGH',
} as const;

/** Which branch deploys which environment (operations page: develop → staging by hand, main → production). */
export const DEPLOY_BRANCHES: Record<EnvironmentSpec['name'], { readonly branch: string; readonly manual: boolean }> = {
  staging: { branch: 'develop', manual: true },
  production: { branch: 'main', manual: false },
};

/** One image of the services monorepo: a package and the catalogue services that run it. */
export interface PackageImage {
  /** `payment`: the folder under `packages/` or `apps/`, and the job names' suffix. */
  readonly name: string;
  readonly tier: ServiceSpec['tier'];
  /** `nx-payment`. */
  readonly repository: string;
  readonly services: readonly ServiceSpec[];
}

/** The images the catalogue runs, one per package, in catalogue order. */
export function packageImages(platform: PlatformSpec): PackageImage[] {
  const images = new Map<string, { name: string; tier: ServiceSpec['tier']; repository: string; services: ServiceSpec[] }>();
  for (const s of platform.services) {
    const name = packageOf(s);
    const entry = images.get(name) ?? { name, tier: s.tier, repository: imageRepository(s), services: [] };
    entry.services.push(s);
    images.set(name, entry);
  }
  return [...images.values()];
}

/**
 * Where a package's Dockerfile is in the application monorepo (the seed's pipeline: backends under
 * `packages/<package>/`, frontends under `apps/<package>/`).
 */
export function dockerfileOf(image: Pick<PackageImage, 'name' | 'tier'>): string {
  return image.tier === 'backend' ? `packages/${image.name}/Dockerfile` : `apps/${image.name}/Dockerfile`;
}

const branch = (name: string) => `$CI_COMMIT_BRANCH == "${name}"`;
const ON_PROTECTED = SCAN_POLICY.protectedBranches.map(branch).join(' || ');

/** What `bun run rebuild` writes and `docker build` copies: the packages' and apps' build output. */
export const BUILD_OUTPUT = ['packages/*/dist/', 'apps/*/dist/'];

export function gitlabCi(platform: PlatformSpec): string {
  const images = packageImages(platform);
  const jobs: Record<string, unknown> = {};
  const tarball = (i: PackageImage) => `${i.repository}.tar`;
  const image = (i: PackageImage) => `$REGISTRY/${i.repository}`;
  const install = 'bun install --frozen-lockfile';

  jobs['.bana-pipeline-rules'] = { rules: [{ if: '$CI_MERGE_REQUEST_IID' }, ...SCAN_POLICY.protectedBranches.map((b) => ({ if: branch(b) }))] };
  jobs['.bana-docker'] = { image: CI_IMAGES.docker, services: [CI_IMAGES.dockerDind] };
  jobs.build = {
    extends: '.bana-pipeline-rules',
    stage: 'build',
    image: CI_IMAGES.bun,
    script: [install, 'bun run rebuild'],
    artifacts: { paths: BUILD_OUTPUT, expire_in: '1 hour' },
  };
  // Artifacts never carry node_modules (too large, platform-specific): the test job installs its own, and
  // takes only the build output from `build`.
  jobs.test = { extends: '.bana-pipeline-rules', stage: 'test', image: CI_IMAGES.bun, needs: [{ job: 'build', artifacts: true }], script: [install, 'bun run test'] };
  for (const i of images) {
    jobs[`image-${i.name}`] = {
      extends: ['.bana-pipeline-rules', '.bana-docker'],
      stage: 'image',
      // The build output reaches `docker build` as build's artifact; test gates the image but adds no files.
      needs: [
        { job: 'build', artifacts: true },
        { job: 'test', artifacts: false },
      ],
      script: [`docker build -t "${image(i)}:$CI_COMMIT_SHORT_SHA" -f ${dockerfileOf(i)} .`, `docker save -o ${tarball(i)} "${image(i)}:$CI_COMMIT_SHORT_SHA"`],
      artifacts: { paths: [tarball(i)], expire_in: '1 hour' },
    };
    jobs[`scan-${i.name}`] = {
      stage: 'scan',
      image: { name: CI_IMAGES.trivy, entrypoint: [''] },
      needs: [{ job: `image-${i.name}`, artifacts: true }],
      rules: [
        { if: ON_PROTECTED, variables: { TRIVY_FAIL_ON: SCAN_POLICY.failOnProtected } },
        { if: '$CI_MERGE_REQUEST_IID', variables: { TRIVY_FAIL_ON: SCAN_POLICY.failElsewhere } },
      ],
      script: [
        `trivy image --input ${tarball(i)} --exit-code 0 --severity ${SCAN_POLICY.reported} --no-progress`,
        `trivy image --input ${tarball(i)} --exit-code 1 --severity "$TRIVY_FAIL_ON" --no-progress`,
      ],
    };
    jobs[`push-${i.name}`] = {
      extends: '.bana-docker',
      stage: 'push',
      needs: [
        { job: `image-${i.name}`, artifacts: true },
        { job: `scan-${i.name}`, artifacts: false },
      ],
      rules: SCAN_POLICY.protectedBranches.map((b) => ({ if: branch(b) })),
      // Log in to the registry pushed to: $REGISTRY (bcr.bana.com.vn), with the CI/CD variables
      // REGISTRY_USER and REGISTRY_PASSWORD (masked, protected), not GitLab's own $CI_REGISTRY.
      before_script: ['echo "$REGISTRY_PASSWORD" | docker login "${REGISTRY%%/*}" -u "$REGISTRY_USER" --password-stdin'],
      script: [
        `docker load -i ${tarball(i)}`,
        `docker tag "${image(i)}:$CI_COMMIT_SHORT_SHA" "${image(i)}:latest"`,
        `docker push --all-tags "${image(i)}"`,
      ],
    };
  }
  for (const env of platform.environments) {
    const deploy = DEPLOY_BRANCHES[env.name];
    jobs[`deploy-${env.name}`] = {
      stage: 'deploy',
      needs: images.map((i) => ({ job: `push-${i.name}`, artifacts: false })),
      rules: [{ if: branch(deploy.branch), ...(deploy.manual ? { when: 'manual' } : {}) }],
      environment: { name: env.name },
      // The platform repository's `deploy` job (its .gitlab-ci.yml) synthesizes with these and commits dist/.
      variables: { NX_ENV: env.name, NX_TAG: '$CI_COMMIT_SHORT_SHA', NX_REGISTRY: '$REGISTRY' },
      trigger: { project: '$BANA_PLATFORM_PROJECT', branch: 'main', strategy: 'depend' },
    };
  }
  const document = {
    stages: ['build', 'test', 'image', 'scan', 'push', 'deploy'],
    variables: { REGISTRY: DEFAULT_REGISTRY, BANA_PLATFORM_PROJECT: PLATFORM_REPOSITORY.project },
    ...jobs,
  };
  return (
    '# Generated by `npm run synth` from lib/platform/services.ts (lib/ci/gitlab-ci.ts): do not edit by hand.\n' +
    '# The application repository includes this file; see README.md, "CI from the service catalogue".\n' +
    toYaml(document)
  );
}

/** `dist/ci/`: written with the environment folders, by the same atomic writer, checked by the same test. */
export function ciFiles(platform: PlatformSpec): EnvironmentFiles {
  return { name: CI_FOLDER, files: new Map([[CI_FILE, gitlabCi(platform)]]) };
}
