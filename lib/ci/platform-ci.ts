import { toYaml } from '../output/render';
import { CI_FOLDER, CI_FILE } from './gitlab-ci';

/**
 * This repository's own pipeline (`.gitlab-ci.yml`) and its git pre-commit hook (`.githooks/pre-commit`),
 * generated here and committed; `npm run repo-files` rewrites both, and a test checks the committed copies are
 * current.
 *
 * - Merge requests: `.ci/run` (Debian packages, `npm ci`, `npm test`), `npm run validate`, then `npm run diff` against the target branch's
 *   `dist/` posted as the merge request's note, and `--check` (a change that cannot apply in place fails).
 * - main: the same tests, and `npm run diff -- --stale` (a stale `dist/` fails).
 * - Triggered by the services' CI fragment (`dist/ci/services.gitlab-ci.yml`, `deploy-<env>`) with `NX_ENV`,
 *   `NX_TAG`, `NX_REGISTRY`: `deploy` synthesizes with them, `--save`s the release file, runs the tests,
 *   commits the release file and `dist/`, and pushes to main.
 */

export const PLATFORM_CI_FILE = '.gitlab-ci.yml';
export const HOOKS_FOLDER = '.githooks';
export const PRE_COMMIT_HOOK = `${HOOKS_FOLDER}/pre-commit`;

/** The image of every job: Node 20 on Debian bookworm (as the project's engines), pinned by minor. */
export const PLATFORM_CI_IMAGE = 'node:20.19-bookworm';

/**
 * CI/CD variables the pipeline reads, set in the project's settings (masked, protected), never in git:
 * `BANA_REVIEW_TOKEN` (a project access token with `api` scope, Reporter: posts the diff note) and
 * `BANA_PUSH_TOKEN` (a project access token with `write_repository`, allowed to push to main: the deploy
 * commit).
 */
export const PLATFORM_CI_VARIABLES = ['BANA_REVIEW_TOKEN', 'BANA_PUSH_TOKEN'] as const;

const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';
const MAIN_PUSH = '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';
const TRIGGERED = '$CI_PIPELINE_SOURCE == "pipeline" && $NX_ENV && $NX_TAG';

/**
 * The tests run as CI runs them: `.ci/run` installs the Debian packages they need (shellcheck, chromium, and the
 * behavioural tier's bubblewrap, redis-server, PostgreSQL, busybox), then `npm ci` and `npm test`. The
 * behavioural tier creates user, mount and network namespaces, and with `CI=true` (GitLab sets it) a tier that
 * cannot run fails rather than skips: these jobs need a runner that allows that (a shell runner as root, or a
 * Docker executor with `privileged = true`), as docs/testing.md says.
 */
const CI_RUN = 'bash .ci/run';

export function platformCi(): string {
  const install = ['npm ci --no-audit --no-fund'];
  const document = {
    workflow: { rules: [{ if: MR }, { if: MAIN_PUSH }, { if: TRIGGERED }] },
    stages: ['test', 'review', 'deploy'],
    default: {
      image: PLATFORM_CI_IMAGE,
      cache: { key: { files: ['package-lock.json'] }, paths: ['.npm/'] },
      before_script: ['npm config set cache .npm'],
    },
    test: {
      stage: 'test',
      rules: [{ if: MR }, { if: MAIN_PUSH }],
      script: [CI_RUN, 'npm run -s validate'],
    },
    'dist-current': {
      stage: 'review',
      rules: [{ if: MAIN_PUSH }],
      needs: ['test'],
      script: [...install, 'npm run -s diff -- --stale'],
    },
    'manifest-diff': {
      stage: 'review',
      rules: [{ if: MR }],
      needs: ['test'],
      variables: { GIT_DEPTH: '0' },
      script: [
        ...install,
        'git fetch --quiet origin "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"',
        'git worktree add --detach /tmp/target FETCH_HEAD',
        // The note first, whatever --check says: the reviewer sees why it failed.
        'npm run -s diff -- --dist /tmp/target/dist --markdown > manifest-diff.md',
        'curl --fail --silent --show-error --request POST --header "PRIVATE-TOKEN: $BANA_REVIEW_TOKEN" --data-urlencode "body@manifest-diff.md" "$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes" > /dev/null',
        'npm run -s diff -- --dist /tmp/target/dist --check',
      ],
      artifacts: { when: 'always', paths: ['manifest-diff.md'], expire_in: '1 week' },
    },
    deploy: {
      stage: 'deploy',
      rules: [{ if: TRIGGERED }],
      // One deploy commit at a time: two environments triggered together would race on main.
      resource_group: 'platform-main',
      variables: { GIT_DEPTH: '0', GIT_STRATEGY: 'clone' },
      script: [
        'git checkout -B "$CI_DEFAULT_BRANCH" "origin/$CI_DEFAULT_BRANCH"',
        ...install,
        // NX_ENV, NX_TAG and NX_REGISTRY come from the trigger; --save writes them to the release file.
        'npm run -s synth -- --save',
        CI_RUN,
        'git add dist "lib/platform/releases/$NX_ENV.yaml"',
        'git -c user.name="BANA deploy" -c user.email="deploy@bana.com.vn" commit --quiet -m "deploy $NX_ENV: $NX_TAG (pipeline $CI_PIPELINE_URL)" || { echo "dist/ already deploys $NX_TAG to $NX_ENV"; exit 0; }',
        'git push "https://oauth2:${BANA_PUSH_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git" "HEAD:$CI_DEFAULT_BRANCH"',
      ],
    },
  };
  return `# Generated by \`npm run repo-files\` from lib/ci/platform-ci.ts: do not edit by hand.\n# The pipeline of this repository; the services' pipeline includes dist/${CI_FOLDER}/${CI_FILE} and triggers \`deploy\`.\n${toYaml(document)}`;
}

/**
 * The pre-commit hook: refuses a commit whose staged `dist/` is not what the staged code and release files
 * synthesize. It checks the index, not the working tree: the staged files are checked out into a scratch
 * folder (with the repository's node_modules linked in) and `npm run diff -- --stale` runs there.
 */
export function preCommitHook(): string {
  return [
    '#!/usr/bin/env bash',
    '# Generated by `npm run repo-files` from lib/ci/platform-ci.ts: do not edit by hand.',
    '# Installed by `npm run hooks` (git config core.hooksPath .githooks). Refuses a commit whose staged dist/ is',
    '# stale: the staged tree is synthesized in a scratch folder and compared with its dist/. Skip once with',
    '# `git commit --no-verify`.',
    'set -euo pipefail',
    'root="$(git rev-parse --show-toplevel)"',
    'scratch="$(mktemp -d)"',
    'trap \'rm -rf "$scratch"\' EXIT',
    'git checkout-index --all --prefix="$scratch/"',
    '[ -e "$scratch/node_modules" ] || ln -s "$root/node_modules" "$scratch/node_modules"',
    'cd "$scratch"',
    'if ! npm run -s diff -- --stale > "$scratch/.diff" 2>&1; then',
    '  cat "$scratch/.diff" >&2',
    '  echo "pre-commit: the staged dist/ is not what the staged code writes: run npm run synth (and npm run golden), stage, commit" >&2',
    '  exit 1',
    'fi',
    '',
  ].join('\n');
}
