import { DEFAULT_REGISTRY, workloadName } from '../platform/conventions';
import { EnvironmentSpec, PlatformSpec, ServiceSpec } from '../platform/types';
import { toYaml } from '../output/render';
import { EnvironmentFiles } from '../output/writer';

/**
 * The GitLab CI fragment of the application repository, generated from the service catalogue: one image,
 * scan and push job per service instead of the seed's copy-pasted blocks (which had already drifted: they
 * built 7 of the 14 services and scanned 3). The application repository includes it:
 *
 *   include:
 *     - project: bana/platform
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

/**
 * Where a service's Dockerfile is in the application monorepo (the seed's pipeline: backends under
 * `packages/<name>/`, frontends under `apps/<name>/`).
 */
export function dockerfileOf(service: ServiceSpec): string {
  return service.tier === 'backend' ? `packages/${service.name}/Dockerfile` : `apps/${service.name}/Dockerfile`;
}

const branch = (name: string) => `$CI_COMMIT_BRANCH == "${name}"`;
const ON_PROTECTED = SCAN_POLICY.protectedBranches.map(branch).join(' || ');

export function gitlabCi(platform: PlatformSpec): string {
  const services = platform.services;
  const jobs: Record<string, unknown> = {};
  const tarball = (s: ServiceSpec) => `${workloadName(s)}.tar`;
  const image = (s: ServiceSpec) => `$REGISTRY/${workloadName(s)}`;

  jobs['.bana-pipeline-rules'] = { rules: [{ if: '$CI_MERGE_REQUEST_IID' }, ...SCAN_POLICY.protectedBranches.map((b) => ({ if: branch(b) }))] };
  jobs['.bana-docker'] = { image: CI_IMAGES.docker, services: [CI_IMAGES.dockerDind] };
  jobs.build = {
    extends: '.bana-pipeline-rules',
    stage: 'build',
    image: CI_IMAGES.bun,
    script: ['bun install --frozen-lockfile', 'bun run rebuild'],
    artifacts: { paths: ['packages/*/dist/', 'apps/*/dist/'], expire_in: '1 hour' },
  };
  jobs.test = { extends: '.bana-pipeline-rules', stage: 'test', image: CI_IMAGES.bun, needs: ['build'], script: ['bun run test'] };
  for (const s of services) {
    jobs[`image-${s.name}`] = {
      extends: ['.bana-pipeline-rules', '.bana-docker'],
      stage: 'image',
      needs: ['test'],
      script: [`docker build -t "${image(s)}:$CI_COMMIT_SHORT_SHA" -f ${dockerfileOf(s)} .`, `docker save -o ${tarball(s)} "${image(s)}:$CI_COMMIT_SHORT_SHA"`],
      artifacts: { paths: [tarball(s)], expire_in: '1 hour' },
    };
    jobs[`scan-${s.name}`] = {
      stage: 'scan',
      image: { name: CI_IMAGES.trivy, entrypoint: [''] },
      needs: [`image-${s.name}`],
      rules: [
        { if: ON_PROTECTED, variables: { TRIVY_FAIL_ON: SCAN_POLICY.failOnProtected } },
        { if: '$CI_MERGE_REQUEST_IID', variables: { TRIVY_FAIL_ON: SCAN_POLICY.failElsewhere } },
      ],
      script: [
        `trivy image --input ${tarball(s)} --exit-code 0 --severity ${SCAN_POLICY.reported} --no-progress`,
        `trivy image --input ${tarball(s)} --exit-code 1 --severity "$TRIVY_FAIL_ON" --no-progress`,
      ],
    };
    jobs[`push-${s.name}`] = {
      extends: '.bana-docker',
      stage: 'push',
      needs: [`image-${s.name}`, `scan-${s.name}`],
      rules: SCAN_POLICY.protectedBranches.map((b) => ({ if: branch(b) })),
      before_script: ['echo "$CI_REGISTRY_PASSWORD" | docker login "$CI_REGISTRY" -u "$CI_REGISTRY_USER" --password-stdin'],
      script: [
        `docker load -i ${tarball(s)}`,
        `docker tag "${image(s)}:$CI_COMMIT_SHORT_SHA" "${image(s)}:latest"`,
        `docker push --all-tags "${image(s)}"`,
      ],
    };
  }
  for (const env of platform.environments) {
    const deploy = DEPLOY_BRANCHES[env.name];
    jobs[`deploy-${env.name}`] = {
      stage: 'deploy',
      needs: services.map((s) => `push-${s.name}`),
      rules: [{ if: branch(deploy.branch), ...(deploy.manual ? { when: 'manual' } : {}) }],
      environment: { name: env.name },
      variables: { NX_ENV: env.name, NX_TAG: '$CI_COMMIT_SHORT_SHA', NX_REGISTRY: '$REGISTRY' },
      trigger: { project: '$BANA_PLATFORM_PROJECT', branch: 'main', strategy: 'depend' },
    };
  }
  const document = {
    stages: ['build', 'test', 'image', 'scan', 'push', 'deploy'],
    variables: { REGISTRY: DEFAULT_REGISTRY, BANA_PLATFORM_PROJECT: 'bana/platform' },
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
