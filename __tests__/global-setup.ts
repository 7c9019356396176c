import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUN_TMP_ENV } from './global-teardown';
import { SHARED_SYNTHS } from './helpers';
import { createSynthCache, SYNTH_CACHE_ENV } from './synth-cache';

/**
 * jest globalSetup:
 * - points TMPDIR at a fresh folder of this run, which the workers (and every program a test starts) inherit,
 *   so globalTeardown can tell what the run left behind;
 * - computes every shared synth result once for the whole run (see synth-cache.ts).
 */
export default function globalSetup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-jest-run-'));
  // As /tmp is: the sandboxed pods of the behaviour tests run under their own uids and must reach their folders.
  fs.chmodSync(dir, 0o1777);
  process.env[RUN_TMP_ENV] = dir;
  process.env.TMPDIR = dir;
  process.env[SYNTH_CACHE_ENV] = createSynthCache(SHARED_SYNTHS);
}
