import * as fs from 'fs';
import * as path from 'path';
import { readWritten, runScript, WrittenObject } from '../../lib/behaviour/fake-kubectl';
import { factsFor } from '../../lib/platform/image-facts';
import { ROOT } from '../helpers';

/*
 * dist/<env>/apply.sh and post-deploy-check.sh run by bash against a recording fake kubectl (and curl): every
 * call they make must name an object the environment folder writes (or one an operator creates from it), in a
 * layer applied at or before the call, with a condition that kind has; the checks must name what failed.
 * Substitution: kubectl → a shell script that records and answers success (or fails on one chosen call).
 */

const ENVIRONMENTS = ['staging', 'production'] as const;

const RESOURCE_KIND: Record<string, string> = {
  job: 'Job',
  statefulset: 'StatefulSet',
  deployment: 'Deployment',
  deploy: 'Deployment',
  'clusters.postgresql.cnpg.io': 'Cluster',
  'cluster.postgresql.cnpg.io': 'Cluster',
  'kafkas.kafka.strimzi.io': 'Kafka',
  certificate: 'Certificate',
};
const CONDITIONS: Record<string, string[]> = { Job: ['complete'], Cluster: ['Ready'], Kafka: ['Ready'], Certificate: ['Ready'] };

function namespaceOf(call: string[]): string | undefined {
  const i = call.findIndex((a) => a === '-n');
  return i >= 0 ? call[i + 1] : undefined;
}

/** The object a `kind/name` argument names, or what is wrong with it. */
function resolve(written: readonly WrittenObject[], namespace: string, ref: string): { found?: WrittenObject; problem?: string } {
  const [resource, name] = ref.split('/');
  const kind = RESOURCE_KIND[resource];
  if (!kind) return { problem: `unknown resource type '${resource}'` };
  if (kind === 'Certificate') {
    // cert-manager's ingress-shim names each Certificate after the TLS Secret of an annotated Ingress.
    const ingress = written.find(
      (w) => w.object.kind === 'Ingress' && w.object.metadata.namespace === namespace && w.object.metadata.annotations?.['cert-manager.io/cluster-issuer'] && (w.object.spec.tls ?? []).some((t: any) => t.secretName === name),
    );
    return ingress ? { found: ingress } : { problem: `no Ingress in ${namespace} with a cert-manager issuer and TLS secret ${name}` };
  }
  const found = written.find((w) => w.object.kind === kind && w.object.metadata.name === name && w.object.metadata.namespace === namespace);
  return found ? { found } : { problem: `${kind} ${namespace}/${name} is not in the environment folder` };
}

describe.each(ENVIRONMENTS)('behaviour: dist/%s scripts against a recording kubectl', (env) => {
  const dir = path.join(ROOT, 'dist', env);
  const written = readWritten(dir);
  const layers = fs.readdirSync(dir).filter((f) => /^\d\d-/.test(f) && fs.existsSync(path.join(dir, f, 'kustomization.yaml'))).sort();

  it('apply.sh applies every layer once, in order, and waits only for objects already applied, with conditions they have', () => {
    const run = runScript(path.join(dir, 'apply.sh'), []);
    expect(run.status).toBe(0);
    const kubectl = run.calls.filter((c) => c[0] === 'kubectl').map((c) => c.slice(1));
    const applied: string[] = [];
    const problems: string[] = [];
    for (const call of kubectl) {
      if (call[0] === 'apply') {
        expect(call).toEqual(['apply', '-k', expect.any(String)]);
        applied.push(call[2]);
        continue;
      }
      const namespace = namespaceOf(call) ?? '';
      const ref = call.find((a) => a.includes('/') && !a.startsWith('-'));
      if (call[0] === 'delete') continue; // old migration Jobs, by label: nothing to resolve
      if (!ref) {
        problems.push(`kubectl ${call.join(' ')}: names no object`);
        continue;
      }
      const { found, problem } = resolve(written, namespace, ref);
      if (!found) {
        problems.push(`kubectl ${call.join(' ')}: ${problem}`);
        continue;
      }
      if (!applied.includes(found.folder)) problems.push(`kubectl ${call.join(' ')}: ${found.file} is in ${found.folder}, not applied yet (applied: ${applied.join(', ')})`);
      const condition = call.find((a) => a.startsWith('--for=condition='))?.slice('--for=condition='.length);
      if (call[0] === 'wait' && !(CONDITIONS[found.object.kind] ?? []).includes(condition ?? '')) {
        problems.push(`kubectl ${call.join(' ')}: ${found.object.kind} has no condition '${condition}' to wait for`);
      }
      if (call[0] === 'rollout' && !['Deployment', 'StatefulSet', 'DaemonSet'].includes(found.object.kind)) problems.push(`kubectl ${call.join(' ')}: rollout status of a ${found.object.kind}`);
    }
    expect(problems).toEqual([]);
    expect(applied).toEqual(layers);
  });

  it('apply.sh --step 6 applies only the 06 layers; a bad argument exits 2 naming it', () => {
    const run = runScript(path.join(dir, 'apply.sh'), ['--step', '6']);
    expect(run.status).toBe(0);
    const applied = run.calls.filter((c) => c[1] === 'apply').map((c) => c[3]);
    expect(applied).toEqual(layers.filter((l) => l.startsWith('06-')));
    const bad = runScript(path.join(dir, 'apply.sh'), ['--stpe', '6']);
    expect(bad.status).toBe(2);
    expect(bad.output).toMatch(/unknown argument '--stpe'/);
    expect(bad.calls).toEqual([]);
  });

  it('post-deploy-check.sh checks objects that exist, execs into containers that exist, on their ports and probe paths', () => {
    const run = runScript(path.join(dir, 'post-deploy-check.sh'), ['--skip-public']);
    expect(run.output).toMatch(/all checks passed/);
    expect(run.status).toBe(0);
    const problems: string[] = [];
    for (const call of run.calls.filter((c) => c[0] === 'kubectl').map((c) => c.slice(1))) {
      const namespace = namespaceOf(call) ?? '';
      if (call.includes('get') && call.includes('pods')) {
        if (!written.some((w) => w.object.kind === 'Namespace' && w.object.metadata.name === namespace)) problems.push(`kubectl ${call.join(' ')}: namespace ${namespace} is not written`);
        continue;
      }
      const verb = call.find((a) => ['wait', 'rollout', 'exec'].includes(a));
      const ref = call.find((a) => /^[a-z.]+\/[a-z0-9.-]+$/.test(a));
      if (!verb || !ref) {
        problems.push(`kubectl ${call.join(' ')}: not a call the checks should make`);
        continue;
      }
      const { found, problem } = resolve(written, namespace, ref);
      if (!found) {
        problems.push(`kubectl ${call.join(' ')}: ${problem}`);
        continue;
      }
      if (verb === 'exec') {
        const container = call[call.indexOf('-c') + 1];
        const spec = found.object.spec.template.spec.containers.find((c: any) => c.name === container);
        if (!spec) {
          problems.push(`kubectl ${call.join(' ')}: ${found.file} has no container '${container}'`);
          continue;
        }
        const program = call[call.indexOf('--') + 1];
        const facts = factsFor(spec.image, spec.image.split('/')[0]);
        if (!facts?.programs[program]) problems.push(`kubectl ${call.join(' ')}: image ${spec.image} has no program '${program}' in its image facts`);
        const url = new URL(call[call.length - 1]);
        const ports = (spec.ports ?? []).map((p: any) => p.containerPort);
        const probe = spec.readinessProbe?.httpGet;
        if (!ports.includes(Number(url.port))) problems.push(`kubectl ${call.join(' ')}: container '${container}' declares ports ${ports.join(', ')}, not ${url.port}`);
        if (probe && probe.path !== url.pathname) problems.push(`kubectl ${call.join(' ')}: container '${container}' readinessProbe path is ${probe.path}, the check asks ${url.pathname}`);
      }
    }
    expect(problems).toEqual([]);
    expect(run.calls.some((c) => c[0] === 'curl')).toBe(false);
  });

  it('post-deploy-check.sh fails naming the check and what kubectl said', () => {
    const run = runScript(path.join(dir, 'post-deploy-check.sh'), ['--skip-public'], { failOn: 'deployment/nx-identity ' });
    expect(run.status).toBe(1);
    expect(run.output).toMatch(/FAIL {2}deployment nx-backend\/nx-identity: error: simulated failure of: -n nx-backend rollout status deployment\/nx-identity/);
    expect(run.output).toMatch(/1 check\(s\) failed:\n {2}deployment nx-backend\/nx-identity/);
  });
});
