import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../lib/cli/cli';
import { readTree } from '../lib/output/writer';
import { PLATFORM } from '../lib/platform';
import { BackupLocation, overlaps, parseBackupLocations } from '../lib/platform/backup-locations';
import { InputError } from '../lib/platform/errors';
import { EnvironmentSpec, PlatformSpec, ServiceSpec } from '../lib/platform/types';
import { validateImages, validatePlatform } from '../lib/platform/validate';
import { imageTag, isPinned, THIRD_PARTY_IMAGES } from '../lib/platform/images';
import { PRODUCTION, STAGING } from '../lib/platform/environments';
import { DATA_LAYER } from '../lib/platform/data';
import { DataLayer } from '../lib/constructs/data/data-layer';
import { App, Chart } from 'cdk8s';
import { synthesizePlatform } from '../lib/synth/synthesize';
import { ROOT, RELEASE_DIR, env, objects, overrides, tempDir } from './helpers';

/** The data half of issue 14's checks: Kafka listeners authenticated, backup locations distinct. */

const ENVS = ['staging', 'production'] as const;

/** Every backup location an environment's output writes to, read from the objects themselves. */
function backupLocations(name: (typeof ENVS)[number]): { tool: string; env: string; location: BackupLocation }[] {
  const found: { tool: string; env: string; location: BackupLocation }[] = [];
  for (const o of objects(env(name)) as any[]) {
    if (o.kind === 'BackupStorageLocation') {
      found.push({ tool: `velero ${o.metadata.name}`, env: name, location: { bucket: o.spec.objectStorage.bucket, prefix: o.spec.objectStorage.prefix ?? '', credentialSecret: o.spec.credential.name } });
    }
    if (o.kind === 'ObjectStore') {
      const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(o.spec.configuration.destinationPath)!;
      found.push({ tool: `barman ${o.metadata.name}`, env: name, location: { bucket: m[1], prefix: m[2], credentialSecret: o.spec.configuration.s3Credentials.accessKeyId.name } });
    }
  }
  return found;
}

describe('every Kafka client listener is authenticated', () => {
  for (const name of ENVS) {
    test(`${name}: a listener without TLS and authentication is one no NetworkPolicy of the platform opens, and Strimzi's own admits only the brokers`, () => {
      const kafkas = objects(env(name), 'Kafka') as any[];
      expect(kafkas.length).toBeGreaterThan(0);
      const policies = objects(env(name), 'NetworkPolicy') as any[];
      let authenticated = 0;
      for (const k of kafkas) {
        for (const l of k.spec.kafka.listeners) {
          if (l.tls === true && l.authentication?.type !== undefined) {
            authenticated++;
            continue;
          }
          const opened = policies
            .filter((p) => p.metadata.namespace === k.metadata.namespace)
            .flatMap((p) => (p.spec.ingress ?? []).map((r: any) => ({ policy: p.metadata.name, ports: (r.ports ?? []).map((x: any) => x.port) })))
            .filter((r) => r.ports.length === 0 || r.ports.includes(l.port));
          expect({ listener: l.name, openedBy: opened.map((r) => r.policy) }).toEqual({ listener: l.name, openedBy: [] });
          for (const peer of l.networkPolicyPeers ?? [{}]) expect({ listener: l.name, peer }).toEqual({ listener: l.name, peer: { podSelector: { matchLabels: expect.objectContaining({ 'strimzi.io/broker-role': 'true' }) } } });
        }
        expect(k.spec.kafka.authorization?.type).toBe('simple');
      }
      expect(authenticated).toBeGreaterThan(0);
    });

    test(`${name}: every client of Kafka (services' Deployments, KafkaConnect) uses the authenticated listener`, () => {
      const authenticatedPorts = (objects(env(name), 'Kafka') as any[]).flatMap((k) => k.spec.kafka.listeners.filter((l: any) => l.authentication).map((l: any) => String(l.port)));
      for (const c of objects(env(name), 'KafkaConnect') as any[]) {
        expect(authenticatedPorts).toContain(c.spec.bootstrapServers.split(':').pop());
        expect(c.spec.authentication?.type).toBe('scram-sha-512');
      }
      for (const cm of objects(env(name), 'ConfigMap') as any[]) {
        if (cm.data?.KAFKA_BROKERS) expect(authenticatedPorts).toContain(cm.data.KAFKA_BROKERS.split(':').pop());
      }
    });
  }
});

describe("each environment's backup locations are distinct", () => {
  test('no two locations of any environment or tool are the same or nested, and each names its own environment', () => {
    const all = ENVS.flatMap(backupLocations);
    expect(all.length).toBe(ENVS.length * 2);
    for (const a of all) {
      expect({ tool: a.tool, env: a.env, ownPrefix: a.location.prefix.split('/').includes(a.env) }).toEqual({ tool: a.tool, env: a.env, ownPrefix: true });
      for (const b of all) {
        if (a === b) continue;
        expect({ a: `${a.env} ${a.tool}`, b: `${b.env} ${b.tool}`, overlap: overlaps(a.location, b.location) }).toEqual({ a: `${a.env} ${a.tool}`, b: `${b.env} ${b.tool}`, overlap: false });
      }
    }
  });

  test('overlaps() sees the same prefix and a nested one, and not a sibling with a common start', () => {
    const l = (prefix: string, bucket = 'b'): BackupLocation => ({ bucket, prefix, credentialSecret: 's' });
    expect(overlaps(l('velero/staging'), l('velero/staging'))).toBe(true);
    expect(overlaps(l('velero'), l('velero/staging'))).toBe(true);
    expect(overlaps(l('velero/staging'), l('velero/staging-2'))).toBe(false);
    expect(overlaps(l('velero/staging'), l('velero/staging', 'other'))).toBe(false);
  });

  const reject = (env: 'staging' | 'production', raw: unknown): string => {
    try {
      parseBackupLocations("release file: 'backups'", raw, env, ['staging', 'production']);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  test("fails when staging's prefix is production's, lies under it, or does not name staging", () => {
    expect(reject('staging', { velero: { prefix: 'velero/production' } })).toContain('"velero/production" is not valid');
    expect(reject('staging', { postgres: { prefix: 'postgresql/production/staging' } })).toContain("another environment ('production')");
    expect(reject('staging', { velero: { prefix: 'velero' } })).toContain("'staging' as one path segment");
  });

  test("fails when Velero's and PostgreSQL's locations overlap, or a field is malformed", () => {
    expect(reject('production', { velero: { prefix: 'production' }, postgres: { prefix: 'production/pg' } })).toContain("apart from Velero's");
    expect(reject('production', { velero: { bucket: 'Bad_Bucket' } })).toContain('S3 bucket name');
    expect(reject('production', { velero: { prefix: '/velero/production/' } })).toContain('no leading or trailing');
    expect(reject('production', { velero: { credentialSecret: 'Cloud Credentials' } })).toContain('Secret name');
    expect(reject('production', { restic: {} })).toContain('allowed: velero, postgres');
  });

  test('a release file that points staging at production\'s prefix stops the run with one line, exit 2, dist/ untouched', () => {
    const dir = tempDir();
    const out = path.join(dir, 'dist');
    fs.cpSync(path.join(ROOT, 'dist'), out, { recursive: true });
    const releases = path.join(dir, 'releases');
    fs.cpSync(RELEASE_DIR, releases, { recursive: true });
    fs.appendFileSync(path.join(releases, 'staging.yaml'), 'backups:\n  velero:\n    prefix: "velero/production"\n');
    const before = readTree(out);
    const stderr: string[] = [];
    const status = runCli(PLATFORM, ['--out', out, '--release-dir', releases], {}, { stdout: () => undefined, stderr: (l) => stderr.push(l) });
    expect(status).toBe(2);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^error: release file .*staging\.yaml: 'backups'\.velero\.prefix: "velero\/production" is not valid; allowed: /);
    expect(readTree(out)).toEqual(before);
  });

  test('the locations and credentials come from the release file: a custom staging block reaches the BackupStorageLocation and the ObjectStore', () => {
    const releases = path.join(tempDir(), 'releases');
    fs.cpSync(RELEASE_DIR, releases, { recursive: true });
    fs.appendFileSync(
      path.join(releases, 'staging.yaml'),
      'backups:\n  velero:\n    bucket: "bana-backups-staging"\n    prefix: "k8s/staging"\n    credentialSecret: "velero-staging-s3"\n  postgres:\n    prefix: "pg/staging"\n',
    );
    const staging = synthesizePlatform(PLATFORM, overrides({ environments: ['staging'] }), releases)[0];
    const bsl = staging.manifests.map((m) => m.object as any).find((o) => o.kind === 'BackupStorageLocation');
    expect(bsl.spec.objectStorage).toEqual({ bucket: 'bana-backups-staging', prefix: 'k8s/staging' });
    expect(bsl.spec.credential).toEqual({ name: 'velero-staging-s3', key: 'cloud' });
    const store = staging.manifests.map((m) => m.object as any).find((o) => o.kind === 'ObjectStore');
    expect(store.spec.configuration.destinationPath).toBe('s3://bana-backups/pg/staging');
    expect(store.spec.configuration.s3Credentials.accessKeyId.name).toBe('nx-postgresql-backup-s3');
  });
});

describe('catalogue access data (Kafka topics, Redis keys) is validated', () => {
  const withService = (patch: Partial<ServiceSpec>) => ({ ...PLATFORM, services: PLATFORM.services.map((s) => (s.name === 'sale' ? { ...s, ...patch } : s)) });
  const message = (platform: PlatformSpec): string => {
    try {
      validatePlatform(platform);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  test('fails when a Kafka user has no topics, or a service without Kafka has some, or a prefix is not a prefix', () => {
    expect(message(withService({ topics: undefined }))).toContain("service 'sale': 'topics'");
    expect(message(withService({ topics: { produces: [], consumes: [] } }))).toContain("service 'sale': 'topics'");
    expect(message({ ...PLATFORM, services: PLATFORM.services.map((s) => (s.name === 'pricing' ? { ...s, topics: { produces: ['nx.pricing.'], consumes: [] } } : s)) })).toContain("only on a service whose 'uses' has 'kafka'");
    expect(message(withService({ topics: { produces: ['nx.sale'], consumes: [] } }))).toContain("ending with '.'");
    expect(message(withService({ topics: { produces: ['*.'], consumes: [] } }))).toContain("'topics.produces'");
  });

  test('fails when a Redis user has no keys, a pattern reaches every key, or a category would re-open admin commands', () => {
    expect(message(withService({ redis: undefined }))).toContain("service 'sale': 'redis.keys'");
    expect(message(withService({ redis: { keys: ['*'] } }))).toContain("'redis.keys'");
    expect(message(withService({ redis: { keys: ['sale:*'], categories: ['admin'] } }))).toContain('allowed: pubsub, scripting, keyspace, blocking');
    expect(message({ ...PLATFORM, services: PLATFORM.services.map((s) => (s.name === 'finance' ? { ...s, redis: { keys: ['finance:*'] } } : s)) })).toContain("only on a service whose 'uses' has 'redis'");
  });

  test('the committed catalogue is valid', () => {
    expect(() => validatePlatform(PLATFORM)).not.toThrow();
  });
});

describe('every production image is pinned by digest', () => {
  /** Every image reference in an environment's objects: pod templates and the operators' resources (`image`, `imageName`). */
  function images(name: (typeof ENVS)[number]): { where: string; ref: string }[] {
    const found: { where: string; ref: string }[] = [];
    const walk = (value: unknown, where: string, path: string[]): void => {
      if (Array.isArray(value)) return value.forEach((v) => walk(v, where, path));
      if (typeof value !== 'object' || value === null) return;
      for (const [k, v] of Object.entries(value)) {
        // Strimzi's build output is where the build pushes, not what runs (Strimzi runs the pushed digest).
        if ((k === 'image' || k === 'imageName') && typeof v === 'string' && path.join('.') !== 'spec.build.output') found.push({ where: `${where} ${[...path, k].join('.')}`, ref: v });
        else walk(v, where, [...path, k]);
      }
    };
    for (const o of objects(env(name)) as any[]) walk(o, `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, []);
    return found;
  }

  test('production: every image from outside the platform registry carries a digest; the platform\'s own carry the release tag', () => {
    const registry = `${env('production').release.registry}/`;
    const all = images('production');
    expect(all.length).toBeGreaterThan(30);
    const thirdParty = all.filter((i) => !i.ref.startsWith(registry));
    expect(thirdParty.length).toBeGreaterThan(20);
    for (const i of thirdParty) expect({ where: i.where, ref: i.ref, pinned: isPinned(i.ref) }).toEqual({ where: i.where, ref: i.ref, pinned: true });
    for (const i of all.filter((x) => x.ref.startsWith(registry))) {
      expect({ where: i.where, tag: imageTag(i.ref) }).toEqual({ where: i.where, tag: env('production').release.tag });
    }
  });

  test('isPinned() and imageTag() read references as Docker does', () => {
    expect(isPinned('redis:8.10.2-trixie@sha256:' + 'a'.repeat(64))).toBe(true);
    expect(isPinned('registry.k8s.io/ingress-nginx/controller:v1.14.0@sha256:' + 'b'.repeat(64))).toBe(true);
    expect(isPinned('redis:8.10.2-trixie')).toBe(false);
    expect(isPinned('redis@sha256:short')).toBe(false);
    expect(imageTag('registry.example.com:5000/a/b:v1@sha256:' + 'c'.repeat(64))).toBe('v1');
    expect(imageTag('registry.example.com:5000/a/b')).toBe('latest');
  });

  test('fails when a third-party image in production loses its digest; staging does not require one', () => {
    const unpinned = { ...THIRD_PARTY_IMAGES, redis: { ...THIRD_PARTY_IMAGES.redis, digest: '' } };
    expect(() => validateImages(PRODUCTION, unpinned)).toThrow(InputError);
    expect(() => validateImages(PRODUCTION, unpinned)).toThrow(/environment 'production': image 'redis' .*"redis:8\.10\.2-trixie@" is not valid; allowed: an image pinned by digest/);
    expect(() => validateImages(STAGING, unpinned)).not.toThrow();
    expect(() => validateImages(PRODUCTION)).not.toThrow();
  });

  test('fails when production is given a Debezium image without a digest, or a moving release tag', () => {
    const build = (environment: EnvironmentSpec, image: string) => {
      const app = new App();
      new DataLayer(new Chart(app, 'x', { disableResourceNameHashes: true }), 'DataLayer', { environment, spec: DATA_LAYER[environment.name], registry: 'bcr.bana.com.vn', kafkaClientNamespaces: [], debeziumImage: image });
    };
    expect(() => build(PRODUCTION, 'bcr.bana.com.vn/nx-debezium-connect:1.0')).toThrow(/'image'.* is not valid; allowed: an image pinned by digest/);
    expect(() => build(PRODUCTION, `bcr.bana.com.vn/nx-debezium-connect:1.0@sha256:${'d'.repeat(64)}`)).not.toThrow();
    expect(() => build(STAGING, 'bcr.bana.com.vn/nx-debezium-connect:1.0')).not.toThrow();
    for (const tag of ['latest', 'main', 'develop']) {
      const stderr: string[] = [];
      const dir = tempDir();
      const out = path.join(dir, 'dist');
      const status = runCli(PLATFORM, ['--env', 'production', '--tag', tag, '--out', out, '--release-dir', RELEASE_DIR], {}, { stdout: () => undefined, stderr: (l) => stderr.push(l) });
      expect({ tag, status, message: stderr[0] }).toEqual({ tag, status: 2, message: expect.stringContaining(`--tag: "${tag}" is not valid; allowed: an immutable tag such as the commit SHA`) });
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});
