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

/**
 * Test fixtures for every Secret the pods of `all` read (volumes, projected sources, env keys, envFrom): each
 * key a distinct value in the character set the generated scripts accept for passwords. The pods would not
 * start on a cluster without these Secrets either, so deriving them from the objects hides no missing one.
 */
export function fixtureSecrets(all: readonly any[]): Record<string, Record<string, string>> {
  const secrets: Record<string, Record<string, string>> = {};
  const add = (namespace: string, name: string, key?: string) => {
    secrets[`${namespace}/${name}`] ??= {};
    if (key !== undefined) secrets[`${namespace}/${name}`][key] = `test-${name}-${key}`.replace(/[^A-Za-z0-9_-]/g, '_');
  };
  for (const o of all) {
    const spec = o.spec?.template?.spec;
    if (!spec || !Array.isArray(spec.containers)) continue;
    const ns: string = o.metadata.namespace;
    for (const v of spec.volumes ?? []) {
      const sources = v.secret ? [{ secret: { ...v.secret, name: v.secret.secretName } }] : (v.projected?.sources ?? []);
      for (const src of sources.filter((x: any) => x.secret)) for (const item of src.secret.items ?? [{ key: 'password' }]) add(ns, src.secret.name, item.key);
    }
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) add(ns, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
      for (const f of c.envFrom ?? []) if (f.secretRef) add(ns, f.secretRef.name);
    }
  }
  return secrets;
}
