import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PinnedImage, THIRD_PARTY_IMAGES } from '../platform/images';

/**
 * `npm run images -- --check | --write`: asks the registry for the digest each pinned tag has now (`crane digest`,
 * or `skopeo inspect`), prints one line per image, and with --check exits 1 when any differs; with --write it
 * rewrites the digests in lib/platform/images.ts (then `npm run synth`, `npm run golden`, review, commit).
 * Needs registry access; nothing here runs in the tests.
 */

const FILE = path.join('lib', 'platform', 'images.ts');

/** A fully qualified name for skopeo, which does not guess Docker Hub's `library/` (crane does). */
function qualified(repository: string): string {
  const first = repository.split('/')[0];
  const hasRegistry = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return repository;
  return repository.includes('/') ? `docker.io/${repository}` : `docker.io/library/${repository}`;
}

function has(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).status === 0;
}

function currentDigest(tool: 'crane' | 'skopeo', image: PinnedImage): string {
  const ref = `${qualified(image.repository)}:${image.tag}`;
  const result =
    tool === 'crane'
      ? spawnSync('crane', ['digest', ref], { encoding: 'utf8' })
      : spawnSync('skopeo', ['inspect', '--raw', '--no-tags', `docker://${ref}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} failed for ${ref}: ${(result.stderr || '').trim().split('\n').pop()}`);
  if (tool === 'crane') return result.stdout.trim();
  // The digest of the raw manifest (the index for multi-platform images), as crane digest reports it.
  const digest = spawnSync('sha256sum', { input: result.stdout, encoding: 'utf8' }).stdout.split(' ')[0];
  return `sha256:${digest}`;
}

function main(argv: string[]): number {
  const mode = argv.includes('--write') ? 'write' : argv.includes('--check') ? 'check' : undefined;
  if (!mode) {
    process.stderr.write('usage: npm run images -- --check | --write\n');
    return 2;
  }
  const tool = has('crane') ? 'crane' : has('skopeo') ? 'skopeo' : undefined;
  if (!tool) {
    process.stderr.write('error: neither crane (go-containerregistry) nor skopeo is on PATH; install one, with registry access\n');
    return 2;
  }
  let source = fs.readFileSync(FILE, 'utf8');
  let changed = 0;
  for (const [name, image] of Object.entries(THIRD_PARTY_IMAGES) as [string, PinnedImage][]) {
    const now = currentDigest(tool, image);
    const same = now === image.digest;
    process.stdout.write(`${same ? 'ok     ' : 'CHANGED'} ${name} ${image.repository}:${image.tag} ${same ? image.digest : `${image.digest} -> ${now}`}\n`);
    if (!same) {
      changed++;
      source = source.replace(image.digest, now);
    }
  }
  if (mode === 'write' && changed > 0) {
    fs.writeFileSync(FILE, source);
    process.stdout.write(`${FILE}: ${changed} digest(s) updated; update each entry's source line, then npm run synth && npm run golden\n`);
  }
  return mode === 'check' && changed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
