import * as fs from 'fs';
import { SYNTH_CACHE_ENV } from './synth-cache';

/** jest globalTeardown: removes the run's synth cache (see synth-cache.ts). */
export default function globalTeardown(): void {
  const dir = process.env[SYNTH_CACHE_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
