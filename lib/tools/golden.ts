import * as path from 'path';
import { PlatformSpec } from '../platform/types';
import { synthesizePlatform, SynthesizedEnvironment } from '../synth/synthesize';

/**
 * Golden files: one per environment, every file of `dist/<env>/` concatenated, synthesized with a fixed tag
 * so that they change only when the synthesizer's output does. Reviewed like code; `npm run golden` rewrites
 * them, `npm test` compares and never writes.
 */
export const GOLDEN_TAG = 'abc1234';

export function goldenPath(root: string, env: string): string {
  return path.join(root, '__tests__', 'golden', `${env}.yaml`);
}

export function synthesizeGolden(platform: PlatformSpec, releaseDir: string): SynthesizedEnvironment[] {
  return synthesizePlatform(platform, { environments: [], tags: [], tag: { value: GOLDEN_TAG, input: 'golden' } }, releaseDir);
}

export function renderGolden(synth: SynthesizedEnvironment): string {
  const parts: string[] = [];
  for (const [file, content] of synth.files) parts.push(`# ==== ${file}\n${content}`);
  return parts.join('');
}
