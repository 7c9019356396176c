import * as path from 'path';
import { PodRunner, RunningPod } from '../../lib/behaviour/pod-runner';
import { tail } from '../../lib/behaviour/processes';
import { env, objects, tempDir } from '../helpers';
import { makeTestCertificates } from '../tls-fixtures';
import { describeWithPrograms, fixtureSecrets, range } from './support';

/*
 * Substitutions (image → this scenario), from the image facts:
 * - redis:8.10.2-trixie → Debian 12 `redis-server` / `redis-tools` 7.0.15 (Debian serves no 8.x). Every
 *   directive of the generated redis.conf exists since 7.0; `redis-cli --cluster create` and REDISCLI_AUTH
 *   behave the same. The image's /bin/sh (dash), getent and awk (mawk) are Debian's, as here.
 * - the StatefulSet controller → this scenario: pods nx-redis-0..N-1 started in parallel order with their
 *   claims (`data-nx-redis-<i>`, kept across a restart); the create Job's pod run once to completion.
 * - the cluster DNS → /etc/hosts lines for each pod's `<pod>.nx-redis-headless.nx-broker.svc.cluster.local`.
 * - cert-manager → Secret `nx-redis-tls` made here with openssl (a throw-away CA, the generated Certificate's
 *   SANs), in a temp folder of the test.
 * - NetworkPolicy → not enforced here: that no pod reaches the plain port is checked on the policies
 *   (__tests__/network.test.ts); here the TLS port refuses a plain client from another pod's address.
 */

const NAMESPACE = 'nx-broker';

async function clusterInfo(runner: PodRunner, pod: RunningPod): Promise<string> {
  const outcome = await runner.exec(pod, 'redis', ['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'cluster', 'nodes'], 5000);
  return outcome.output;
}

describeWithPrograms('behaviour: Redis Cluster from the generated StatefulSet, ConfigMap and create Job', ['/usr/bin/redis-server', '/usr/bin/redis-cli'], () => {
  // The scenarios run at once: each has its own PodRunner (its own network namespaces, folders and processes),
  // and most of a scenario's time is waiting on servers and probes.
  it.concurrent.each(['staging', 'production'] as const)(
    '%s: the cluster forms over TLS, every pod turns ready, the runbook command works and the TLS port refuses a plain peer, it survives a pod restart with a new address and all pods restarting at once',
    async (name) => {
      const synth = env(name);
      const certificate = objects(synth).find((o: any) => o.kind === 'Certificate' && o.metadata.name === 'nx-redis-tls') as any;
      const certs = makeTestCertificates(path.join(tempDir('bana-redis-tls-'), 'tls'), certificate.spec.dnsNames);
      const secrets: Record<string, Record<string, string>> = { ...fixtureSecrets(objects(synth)), [`${NAMESPACE}/nx-redis-tls`]: { ...certs.data } };
      const runner = new PodRunner(objects(synth), synth.release.registry, secrets);
      try {
        const sts = runner.find('StatefulSet', NAMESPACE, 'nx-redis');
        const replicas: number = sts.spec.replicas;
        const start = (i: number) =>
          runner.startPod({
            name: `nx-redis-${i}`,
            namespace: NAMESPACE,
            owner: `StatefulSet ${NAMESPACE}/nx-redis`,
            spec: sts.spec.template.spec,
            hostnames: [`nx-redis-${i}.${sts.spec.serviceName}.${NAMESPACE}.svc.cluster.local`],
            claims: Object.fromEntries(sts.spec.volumeClaimTemplates.map((c: any) => [c.metadata.name, path.join(runner.root, 'claims', `${c.metadata.name}-nx-redis-${i}`)])),
            initTimeoutMs: 20_000,
          });
        // Pods start together, as the StatefulSet's Parallel pod management starts them, and are probed together.
        const pods: RunningPod[] = await Promise.all(range(replicas).map(start));
        await Promise.all(pods.map((pod) => runner.waitFor(pod, 'redis', 'startupProbe', 30_000)));

        const job = runner.find('Job', NAMESPACE, 'nx-redis-cluster-create');
        const created = await runner.runJob(job, 120_000);
        expect(created.get('create-cluster')?.output).toMatch(/cluster created/);
        await Promise.all(
          pods.map(async (pod) => {
            await runner.waitFor(pod, 'redis', 'readinessProbe', 30_000);
            await runner.waitFor(pod, 'redis', 'livenessProbe', 10_000);
          }),
        );
        const nodes = await clusterInfo(runner, pods[0]);
        expect(nodes.trim().split('\n')).toHaveLength(replicas);

        // The runbook's command as written, inside the pod: plain redis-cli on 127.0.0.1:6379 as `default`.
        const password = secrets[`${NAMESPACE}/nx-redis`].password;
        const runbook = await runner.exec(pods[0], 'redis', ['redis-cli', '-a', password, 'cluster', 'info'], 5000);
        expect(runbook.output).toContain('cluster_state:ok');
        // From another pod's address: the client port speaks TLS only, so a plain client gets no answer; a
        // client with the CA gets in.
        const plainFromPeer = await runner.inPodNetwork(pods[1], ['redis-cli', '-h', pods[0].address, '-p', '6380', '--no-auth-warning', '-a', password, 'ping'], 5000);
        expect(plainFromPeer.output).not.toContain('PONG');
        const tlsFromPeer = await runner.inPodNetwork(pods[1], ['redis-cli', '--tls', '--cacert', certs.files['ca.crt'], '-h', pods[0].address, '-p', '6380', '--no-auth-warning', '-a', password, 'ping'], 5000);
        expect(tlsFromPeer.output).toContain('PONG');

        // A pod restarts on another node: a new address, the same claim.
        const before = pods[1].address;
        runner.stopPod('nx-redis-1');
        pods[1] = await start(1);
        expect(pods[1].address).not.toBe(before);
        await Promise.all(pods.map((pod) => runner.waitFor(pod, 'redis', 'readinessProbe', 60_000)));
        const after = await clusterInfo(runner, pods[0]);
        const line = after.split('\n').find((l) => l.includes(`,nx-redis-1.`));
        if (!line?.includes(`${pods[1].address}:6379`)) {
          throw new Error(`StatefulSet ${NAMESPACE}/nx-redis pod nx-redis-0 container 'redis': cluster nodes does not show nx-redis-1 at its new address ${pods[1].address}:\n${tail(after)}`);
        }
        expect(pods[1].initOutcomes.get('prepare')?.output).toMatch(new RegExp(`nodes.conf: .* -> `));

        // Every pod restarts at once (a node pool replaced, a cluster-wide outage): every address changes.
        for (const i of range(replicas)) runner.stopPod(`nx-redis-${i}`);
        const restarted = await Promise.all(range(replicas).map(start));
        await Promise.all(restarted.map((pod) => runner.waitFor(pod, 'redis', 'readinessProbe', 90_000)));

        // The create Job runs again on every sync (Argo CD hook, Flux force): it must leave the cluster alone.
        const again = await runner.runJob(job, 60_000);
        expect(again.get('create-cluster')?.output).toMatch(/cluster already created/);
      } finally {
        runner.close();
      }
    },
    300_000,
  );
});
