import { PodRunner } from '../../lib/behaviour/pod-runner';
import { Outcome } from '../../lib/behaviour/processes';
import { env, objects } from '../helpers';
import { describeWithPrograms } from './support';

/*
 * Substitution: the ingress-nginx controller image's binaries that carry `cap_net_bind_service=+ep` (per its
 * rootfs/Dockerfile: /usr/bin/dumb-init, /nginx-ingress-controller, nginx) → copies of Debian's coreutils
 * `true` given the same file capability, exec'd under the container's uid, groups, bounding set and
 * no_new_privs. bubblewrap mounts nosuid, where the kernel ignores file capabilities, so this exec runs on the
 * host filesystem: it proves the kernel lets the container exec its binaries, not that nginx serves.
 */

describeWithPrograms('behaviour: ingress-nginx controller exec under its capabilities', ['setcap', '/usr/bin/true'], () => {
  const run = async (edit?: (spec: any) => void): Promise<Map<string, Outcome>> => {
    const synth = env('production');
    const all = JSON.parse(JSON.stringify(objects(synth))) as any[];
    const deployment = all.find((o) => o.kind === 'Deployment' && o.metadata.name === 'ingress-nginx-controller');
    edit?.(deployment.spec.template.spec);
    const runner = new PodRunner(all, synth.release.registry, {});
    try {
      const pod = await runner.startPod({
        name: 'ingress-nginx-controller-0',
        namespace: deployment.metadata.namespace,
        owner: `Deployment ${deployment.metadata.namespace}/${deployment.metadata.name}`,
        spec: deployment.spec.template.spec,
        startContainers: false,
      });
      return await runner.execFileCapabilityPrograms(pod, 'controller');
    } finally {
      runner.close();
    }
  };

  it('the controller can exec its entrypoint and command, which carry cap_net_bind_service', async () => {
    const outcomes = await run();
    expect([...outcomes.keys()]).toEqual(['/usr/bin/dumb-init', '/nginx-ingress-controller']);
    for (const [program, outcome] of outcomes) expect({ program, code: outcome.code, output: outcome.output }).toEqual({ program, code: 0, output: '' });
  }, 30_000);

  it('fails when NET_BIND_SERVICE is dropped and not added back: exec is not permitted', async () => {
    const outcomes = await run((spec) => {
      delete spec.containers[0].securityContext.capabilities.add;
    });
    for (const outcome of outcomes.values()) {
      expect(outcome.code).not.toBe(0);
      expect(outcome.output).toMatch(/Operation not permitted/);
    }
    expect(outcomes.size).toBe(2);
  }, 30_000);
});
