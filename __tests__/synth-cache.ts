import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import type { SynthesizedEnvironment } from '../lib/synth/synthesize';

/**
 * The synth results every suite reads, synthesized once per `jest` run (jest `globalSetup`, see
 * package.json) instead of once per test file: each suite runs in its own module registry, so a memo in
 * helpers.ts alone re-synthesized both environments in every file.
 *
 * The setup writes each result with `v8.serialize` (structured clone: plain objects, arrays and Maps, which
 * is all a `SynthesizedEnvironment` holds) into a temporary folder named by `BANA_SYNTH_CACHE`; workers
 * inherit the variable. Every read deserializes a fresh copy, so one suite cannot alter another's. Without
 * the variable (a suite run by another runner), `readSynthCache` returns undefined and the caller
 * synthesizes in process.
 */
export const SYNTH_CACHE_ENV = 'BANA_SYNTH_CACHE';

function cacheFile(dir: string, key: string): string {
  return path.join(dir, `${key.replace(/[^a-z0-9-]/gi, '_')}.v8`);
}

export function createSynthCache(entries: Readonly<Record<string, () => SynthesizedEnvironment | SynthesizedEnvironment[]>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-jest-synth-'));
  for (const [key, synthesize] of Object.entries(entries)) fs.writeFileSync(cacheFile(dir, key), v8.serialize(synthesize()));
  return dir;
}

export function readSynthCache(key: string): SynthesizedEnvironment | SynthesizedEnvironment[] | undefined {
  const dir = process.env[SYNTH_CACHE_ENV];
  if (!dir) return undefined;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(cacheFile(dir, key));
  } catch {
    return undefined;
  }
  return v8.deserialize(bytes) as SynthesizedEnvironment | SynthesizedEnvironment[];
}
