import * as fs from 'fs';
import * as path from 'path';
import { platformCi, PLATFORM_CI_FILE, preCommitHook, PRE_COMMIT_HOOK } from '../ci/platform-ci';
import { writeFileAtomic } from '../output/writer';

// `npm run repo-files`: writes this repository's `.gitlab-ci.yml` and `.githooks/pre-commit` from lib/ci/platform-ci.ts.
const root = process.cwd();
writeFileAtomic(path.join(root, PLATFORM_CI_FILE), platformCi());
fs.mkdirSync(path.dirname(path.join(root, PRE_COMMIT_HOOK)), { recursive: true });
writeFileAtomic(path.join(root, PRE_COMMIT_HOOK), preCommitHook());
fs.chmodSync(path.join(root, PRE_COMMIT_HOOK), 0o755);
process.stdout.write(`wrote ${PLATFORM_CI_FILE} and ${PRE_COMMIT_HOOK}\n`);
