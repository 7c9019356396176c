import { missingPrograms } from '../../lib/behaviour/pod-runner';

/**
 * A behavioural scenario runs only where its programs are installed and the tests run as root (bubblewrap,
 * network namespaces). Elsewhere it says plainly that it skips; in CI (CI=true), where `.ci/run` installs them,
 * a missing program fails the suite instead.
 */
export function gate(missing: readonly string[], ci: boolean): 'run' | 'skip' | 'fail' {
  return missing.length === 0 ? 'run' : ci ? 'fail' : 'skip';
}

export function describeWithPrograms(title: string, programs: readonly string[], body: () => void): void {
  const missing = missingPrograms(programs);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push('root (uid 0)');
  const decision = gate(missing, process.env.CI === 'true');
  if (decision === 'run') {
    describe(title, body);
  } else if (decision === 'fail') {
    describe(title, () => {
      it('has the programs it needs', () => {
        throw new Error(`${title}: missing ${missing.join(', ')}; .ci/run installs them (bubblewrap redis-server redis-tools postgresql busybox)`);
      });
    });
  } else {
    describe(title, () => {
      it.skip(`SKIPPED: ${missing.join(', ')} not available on this machine (.ci/run installs them)`, () => undefined);
    });
  }
}

export const range = (n: number): number[] => [...Array(n).keys()];
