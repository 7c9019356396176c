import { SHARED_SYNTHS } from './helpers';
import { createSynthCache, SYNTH_CACHE_ENV } from './synth-cache';

/** jest globalSetup: computes every shared synth result once for the whole run (see synth-cache.ts). */
export default function globalSetup(): void {
  process.env[SYNTH_CACHE_ENV] = createSynthCache(SHARED_SYNTHS);
}
