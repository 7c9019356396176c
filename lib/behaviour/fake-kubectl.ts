import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/**
 * A recording stand-in for kubectl (and curl), for running the generated scripts (`apply.sh`,
 * `post-deploy-check.sh`) without a cluster: every call is written to a log, one line per call with its
 * arguments separated by a unit separator, and answers success unless its arguments contain `failOn`, where it
 * prints a kubectl-like error and exits 1. It reaches no network.
 */
export interface ScriptRun {
  readonly status: number | null;
  readonly output: string;
  readonly calls: string[][];
}

const FAKE = `#!/bin/sh
printf '%s\\037' "$(basename "$0")" "$@" >> "$FAKE_LOG"; printf '\\n' >> "$FAKE_LOG"
if [ -n "$FAKE_FAIL_ON" ]; then
  case " $* " in *"$FAKE_FAIL_ON"*) echo "error: simulated failure of: $*" >&2; exit 1 ;; esac
fi
case "$1" in exec) echo ok ;; esac
exit 0
`;

export function runScript(script: string, args: readonly string[], options: { failOn?: string; timeoutMs?: number } = {}): ScriptRun {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'bana-kubectl-'));
  try {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const name of ['kubectl', 'curl']) fs.writeFileSync(path.join(bin, name), FAKE, { mode: 0o755 });
    const log = path.join(dir, 'calls');
    fs.writeFileSync(log, '');
    const result = spawnSync('bash', [script, ...args], {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 30_000,
      env: { PATH: `${bin}:/usr/bin:/bin`, KUBECTL: path.join(bin, 'kubectl'), FAKE_LOG: log, FAKE_FAIL_ON: options.failOn ?? '', TIMEOUT: '1s' },
    });
    const calls = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\x1f').slice(0, -1));
    return { status: result.status, output: `${result.stdout}${result.stderr}`, calls };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An object of a written environment folder, with the layer folder it is in. */
export interface WrittenObject {
  readonly folder: string;
  readonly file: string;
  readonly object: any;
}

/** Every object of `dist/<env>/` as written on disk (layer folders only, not argocd/ or flux/). */
export function readWritten(envDir: string): WrittenObject[] {
  const result: WrittenObject[] = [];
  for (const folder of fs.readdirSync(envDir).sort()) {
    const full = path.join(envDir, folder);
    if (!/^\d\d-/.test(folder) || !fs.statSync(full).isDirectory()) continue;
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir).sort()) {
        const file = path.join(dir, entry);
        if (fs.statSync(file).isDirectory()) walk(file);
        else if (entry.endsWith('.yaml') && entry !== 'kustomization.yaml') {
          for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) result.push({ folder, file: path.relative(envDir, file), object: doc.toJS() });
        }
      }
    };
    walk(full);
  }
  return result;
}
