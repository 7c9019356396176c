import { checkImageFacts, formatViolation } from '../lib/inspect/image-facts';
import { KubeObject } from '../lib/k8s/objects';
import { factsFor, IMAGE_FACTS, parseImage } from '../lib/platform/image-facts';
import { env, objects } from './helpers';

const ENVIRONMENTS = ['staging', 'production'] as const;

/** A deep copy of the environment's objects with `edit` applied to the pod spec of the named workload. */
function edited(name: (typeof ENVIRONMENTS)[number], workload: string, edit: (spec: any) => void): KubeObject[] {
  const copy = JSON.parse(JSON.stringify(objects(env(name)))) as any[];
  const target = copy.find((o) => (o.metadata.name === workload || o.metadata.name.startsWith(`${workload}-`)) && o.spec?.template?.spec);
  if (!target) throw new Error(`no workload ${workload} in ${name}`);
  edit(target.spec.template.spec);
  return copy;
}

describe('image facts', () => {
  it('every entry cites its source and defines the uid it runs as by default', () => {
    for (const entry of IMAGE_FACTS) {
      expect(entry.source.length).toBeGreaterThan(40);
      expect(entry.users.some((u) => u.uid === entry.defaultUid) || entry.defaultUid === 0).toBe(true);
    }
  });

  it('matches references with a tag, a digest, or both', () => {
    expect(parseImage('ghcr.io/cloudnative-pg/postgresql:16.15-x@sha256:ab')).toEqual({ repository: 'ghcr.io/cloudnative-pg/postgresql', tag: '16.15-x', digest: 'sha256:ab' });
    expect(factsFor('redis:8.10.2-trixie', 'bcr.example')?.repository).toBe('redis');
    expect(factsFor('redis@sha256:0123', 'bcr.example')?.repository).toBe('redis');
    expect(factsFor('docker.io/library/redis:8.10.2-trixie@sha256:0123', 'bcr.example')?.repository).toBe('redis');
    expect(factsFor('postgres:16.15-alpine3.24', 'bcr.example')?.repository).toBe('postgres');
    expect(factsFor('busybox:1.36.1', 'bcr.example')?.repository).toBe('busybox');
    expect(factsFor('redis:7.2', 'bcr.example')).toBeUndefined();
    expect(factsFor('bcr.example/nx-identity:abc', 'bcr.example')?.repository).toBe('oven/bun');
  });

  it.each(ENVIRONMENTS)('every container of %s keeps its image facts', (name) => {
    const synth = env(name);
    expect(checkImageFacts(objects(synth), synth.release.registry).map(formatViolation)).toEqual([]);
  });

  it.each(ENVIRONMENTS)('every image %s runs has an entry', (name) => {
    const synth = env(name);
    const images = new Set<string>();
    for (const o of objects(synth) as any[]) {
      const pod = o.spec?.template?.spec;
      for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) images.add(c.image);
      if (o.spec?.imageName) images.add(o.spec.imageName);
    }
    expect([...images].filter((i) => !factsFor(i, synth.release.registry))).toEqual([]);
  });

  it('fails when wait-for-db runs as a uid postgres:16-alpine does not know and PGUSER is not set', () => {
    const broken = edited('staging', 'nx-identity-migrate', (spec) => {
      const c = spec.initContainers.find((i: any) => i.name === 'wait-for-db');
      c.env = (c.env ?? []).filter((e: any) => e.name !== 'PGUSER');
    });
    const messages = checkImageFacts(broken, env('staging').release.registry).map(formatViolation);
    expect(messages).toEqual([expect.stringMatching(/Job nx-backend\/nx-identity-migrate-.*container 'wait-for-db'.*pg_isready needs a user name: uid 1000 has no entry/)]);
  });

  it('fails when the ingress-nginx controller drops NET_BIND_SERVICE, which its binaries carry as a file capability', () => {
    const broken = edited('production', 'ingress-nginx-controller', (spec) => {
      delete spec.containers[0].securityContext.capabilities.add;
    });
    const messages = checkImageFacts(broken, env('production').release.registry).map(formatViolation);
    expect(messages).toEqual([
      expect.stringMatching(/container 'controller'.*\/usr\/bin\/dumb-init carries the file capability cap_net_bind_service/),
      expect.stringMatching(/container 'controller'.*\/nginx-ingress-controller carries the file capability cap_net_bind_service/),
    ]);
  });

  it('fails when redis-server has a read-only root and no volume at /data', () => {
    const broken = edited('staging', 'nx-redis', (spec) => {
      const c = spec.containers.find((i: any) => i.name === 'redis');
      c.volumeMounts = c.volumeMounts.filter((m: any) => m.mountPath !== '/data');
    });
    const messages = checkImageFacts(broken, env('staging').release.registry).map(formatViolation);
    expect(messages).toEqual([expect.stringMatching(/StatefulSet nx-broker\/nx-redis container 'redis'.*redis-server writes \/data at run time/)]);
  });

  it('fails when an image has no entry', () => {
    const broken = edited('staging', 'nx-typesense', (spec) => {
      spec.containers[0].image = 'typesense/typesense:31.0';
    });
    const messages = checkImageFacts(broken, env('staging').release.registry).map(formatViolation);
    expect(messages).toEqual([expect.stringMatching(/nx-typesense container 'typesense' \(typesense\/typesense:31.0\): no image facts entry/)]);
  });
});
