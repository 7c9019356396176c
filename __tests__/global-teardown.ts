import * as fs from 'fs';
import { SYNTH_CACHE_ENV } from './synth-cache';

/** Names the run's own temp folder (global-setup.ts points TMPDIR at it). */
export const RUN_TMP_ENV = 'BANA_TEST_TMPDIR';

/**
 * jest globalTeardown: removes the run's synth cache, then the run's temp folder (global-setup.ts), and fails
 * the run (jest exits 1) when a test or the code under test left anything in it, naming what was left.
 */
export default function globalTeardown(): void {
  const cache = process.env[SYNTH_CACHE_ENV];
  if (cache) fs.rmSync(cache, { recursive: true, force: true });
  const dir = process.env[RUN_TMP_ENV];
  if (!dir) return;
  const left = fs.readdirSync(dir).sort();
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`the tests left ${left.length} entries in the temp folder (${dir}): ${left.join(', ')}; whatever makes a temp folder must remove it (tempDir in __tests__/helpers.ts does, after each test file)`);
  }
}
