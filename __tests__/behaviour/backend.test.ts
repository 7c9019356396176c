import * as path from 'path';
import { PodRunner, RunningPod, ScenarioFailure } from '../../lib/behaviour/pod-runner';
import { KubeObject } from '../../lib/k8s/objects';
import { DATA_IMAGES } from '../../lib/platform/data';
import { env, objects } from '../helpers';
import { describeWithPrograms, fixtureSecrets } from './support';

/*
 * Substitutions (image → this scenario), from the image facts:
 * - postgres:16-alpine (wait-for-db) → Debian 12 `postgresql-client-15` pg_isready 15.x with busybox 1.35 as
 *   /bin/sh; libpq 15 and 16 look the user name up the same way and answer "no attempt" without one.
 * - busybox:1.36 (wait-for-identity) → Debian 12 `busybox` 1.35 (sh, wget, sleep).
 * - the CloudNativePG instance behind nx-postgresql-primary (PostgreSQL 16.15 under CloudNativePG's instance
 *   manager) → Debian 12 `postgresql-15` started directly (initdb, trust authentication): pg_isready only asks
 *   whether the server accepts connections, it never logs in.
 * - our services' bun images (oven/bun alpine) → a stand-in: busybox httpd, run in the service's own container
 *   under its constraints (uid 1000, read-only root, its /tmp volume), listening on `$PORT` and answering
 *   `$HEALTH_PATH` from the env its ConfigMaps give it. It proves the manifest's ports, probes, Service and
 *   init containers fit the config the app reads, not that the app is healthy. The migrations' main container
 *   (`bun run migrate`) is not run.
 */


/** The service stand-in: serves the health path from the env on the port from the env, as the app must. */
const STAND_IN = ['sh', '-c', 'mkdir -p "/tmp/www$(dirname "$HEALTH_PATH")" && echo ok > "/tmp/www$HEALTH_PATH" && exec httpd -f -p "$PORT" -h /tmp/www'];

function startDatabase(runner: PodRunner): Promise<RunningPod> {
  const bin = '/usr/lib/postgresql/15/bin';
  return runner.startPod({
    name: 'nx-postgresql-1',
    namespace: 'nx-persistent',
    owner: 'Cluster nx-persistent/nx-postgresql (stand-in instance)',
    spec: {
      securityContext: { runAsUser: 26, runAsGroup: 26, fsGroup: 26 },
      containers: [
        {
          name: 'postgres',
          image: DATA_IMAGES.postgres,
          // A stand-in thrown away with its scenario: no fsync at initdb (--no-sync) nor after (fsync=off).
          command: ['sh', '-c', `${bin}/initdb --no-sync -D /var/lib/postgresql/data/pgdata -A trust -U postgres >/dev/null && exec ${bin}/postgres -D /var/lib/postgresql/data/pgdata -c listen_addresses='*' -c unix_socket_directories=/tmp -c fsync=off`],
          ports: [{ name: 'postgres', containerPort: 5432 }],
          volumeMounts: [{ name: 'pgdata', mountPath: '/var/lib/postgresql/data' }, { name: 'tmp', mountPath: '/tmp' }],
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          readinessProbe: { exec: { command: [`${bin}/pg_isready`, '-h', '/tmp', '-U', 'postgres'] }, timeoutSeconds: 2 },
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    },
    claims: { pgdata: path.join(runner.root, 'claims', 'nx-postgresql-1') },
  });
}

function deployment(runner: PodRunner, namespace: string, name: string): { pod: Promise<RunningPod>; template: any } {
  const d = runner.find('Deployment', namespace, name);
  const container = d.spec.template.spec.containers[0].name;
  return {
    template: d.spec.template,
    pod: runner.startPod({
      name: `${name}-0`,
      namespace,
      owner: `Deployment ${namespace}/${name}`,
      spec: d.spec.template.spec,
      labels: d.spec.template.metadata.labels,
      standIns: { [container]: STAND_IN },
      initTimeoutMs: 20_000,
    }),
  };
}

async function probesPass(runner: PodRunner, pod: RunningPod, container: string): Promise<void> {
  await runner.waitFor(pod, container, 'startupProbe', 20_000);
  await runner.waitFor(pod, container, 'readinessProbe', 10_000);
  await runner.waitFor(pod, container, 'livenessProbe', 10_000);
}

function migrationJobs(all: readonly KubeObject[]): any[] {
  return all.filter((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'migration');
}

/** Runs a Job's init containers to completion (the migration itself needs the service's image). */
function runInits(runner: PodRunner, job: any, timeoutMs: number): Promise<RunningPod> {
  return runner.startPod({
    name: `${job.metadata.name}-init`,
    namespace: job.metadata.namespace,
    owner: `Job ${job.metadata.namespace}/${job.metadata.name}`,
    spec: job.spec.template.spec,
    startContainers: false,
    initTimeoutMs: timeoutMs,
  });
}

describeWithPrograms('behaviour: migrations, identity and a second service against real PostgreSQL and busybox', ['/usr/lib/postgresql/15/bin/postgres', '/usr/lib/postgresql/15/bin/pg_isready'], () => {
  // The scenarios run at once: each has its own PodRunner (its own network namespaces, folders and processes),
  // and most of a scenario's time is waiting on servers and probes.
  it.concurrent.each(['staging', 'production'] as const)(
    '%s: every migration Job\'s init containers complete, identity\'s and commerce\'s probes and wait-for-identity behave as written',
    async (name) => {
      const synth = env(name);
      const all = objects(synth);
      const runner = new PodRunner(all, synth.release.registry, fixtureSecrets(all));
      try {
        const db = await startDatabase(runner);
        await runner.waitFor(db, 'postgres', 'readinessProbe', 30_000);
        runner.exposeService('nx-persistent', 'nx-postgresql-primary', db);

        const jobs = migrationJobs(all);
        const identityJob = jobs.find((j) => j.metadata.labels['app.kubernetes.io/name'] === 'identity');
        const others = jobs.filter((j) => j !== identityJob);
        expect(others.length).toBeGreaterThanOrEqual(6);
        // identity's migration runs first: it waits for the database only.
        const identityInits = await runInits(runner, identityJob, 20_000);
        expect([...identityInits.initOutcomes.keys()]).toContain('wait-for-db');

        // Before identity serves, the other migrations keep waiting for it (and say so).
        const early = runInits(runner, others[0], 5_000);
        await expect(early).rejects.toThrow(/container 'wait-for-identity' did not complete \(still running after 5s\); it said:\nwaiting for http:\/\/nx-identity\.nx-backend\.svc\.cluster\.local:3000\/v1\/api\/identity\/health/);

        const identity = await deployment(runner, 'nx-backend', 'nx-identity').pod;
        await probesPass(runner, identity, 'identity');
        runner.exposeService('nx-backend', 'nx-identity', identity);

        for (const job of others) {
          const pod = await runInits(runner, job, 20_000);
          expect([...pod.initOutcomes.keys()]).toEqual(job.spec.template.spec.initContainers.map((c: any) => c.name));
          runner.stopPod(pod.name);
        }

        const commerce = await deployment(runner, 'nx-backend', 'nx-commerce').pod;
        expect(commerce.initOutcomes.get('wait-for-identity')?.code).toBe(0);
        await probesPass(runner, commerce, 'commerce');
      } finally {
        runner.close();
      }
    },
    240_000,
  );

  it.concurrent('fails when wait-for-db runs without a user name its image knows: pg_isready makes no attempt', async () => {
    const synth = env('staging');
    const all = JSON.parse(JSON.stringify(objects(synth))) as any[];
    const job = migrationJobs(all).find((j) => j.metadata.labels['app.kubernetes.io/name'] === 'identity');
    const wait = job.spec.template.spec.initContainers.find((c: any) => c.name === 'wait-for-db');
    wait.env = (wait.env ?? []).filter((e: any) => e.name !== 'PGUSER');
    const runner = new PodRunner(all, synth.release.registry, fixtureSecrets(all));
    try {
      const db = await startDatabase(runner);
      await runner.waitFor(db, 'postgres', 'readinessProbe', 30_000);
      runner.exposeService('nx-persistent', 'nx-postgresql-primary', db);
      const run = runInits(runner, job, 5_000);
      await expect(run).rejects.toThrow(ScenarioFailure);
      await expect(run).rejects.toThrow(/container 'wait-for-db' did not complete .*\n.*nx-postgresql-primary\.nx-persistent\.svc\.cluster\.local:5432 - no attempt/);
    } finally {
      runner.close();
    }
  }, 60_000);
});
