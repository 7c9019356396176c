import { SYNTH_CACHE_ENV, createSynthCache } from './synth-cache';
import { ENVIRONMENT_NAMES, synthEnv } from './helpers';

/** jest globalSetup: synthesizes what `env(name)` returns once for the whole run (see synth-cache.ts). */
export default function globalSetup(): void {
  process.env[SYNTH_CACHE_ENV] = createSynthCache(new Map(ENVIRONMENT_NAMES.map((name) => [`env-${name}`, () => synthEnv(name)])));
}
