/**
 * What the third-party images the output runs are made of, read from their upstream build files at the
 * versions we pin: the users and groups the image defines, the uid it runs as by default, the file
 * capabilities its binaries carry, the paths its programs write at run time and its entrypoint. The image
 * facts check (lib/inspect/image-facts.ts) holds every container in the output against its entry; the pod
 * runner (lib/behaviour/) builds each sandbox's /etc/passwd, /etc/group and program paths from it.
 *
 * Entries are keyed by image repository plus the version they were read at, and match a reference that
 * carries a tag, a digest or both (`redis:8.10.2-trixie`, `redis@sha256:…`, `redis:8.10.2-trixie@sha256:…`).
 */

/** One account of the image's /etc/passwd (with its primary group). */
export interface ImageUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

export interface ImageGroup {
  readonly name: string;
  readonly gid: number;
}

/** A program of the image: where it is, and what running it needs. */
export interface ImageProgram {
  /** Path inside the image. */
  readonly path: string;
  /**
   * File capabilities the binary carries (`setcap … =+ep`, lower-case names). exec fails with "operation not
   * permitted" unless each is in the container's bounding set (capabilities(7), "safety checking for
   * capability-dumb binaries").
   */
  readonly fileCapabilities?: readonly string[];
  /** Paths the program writes at run time: under readOnlyRootFilesystem each must be on a volume. */
  readonly writes?: readonly string[];
  /**
   * The program needs a user name and takes it from the passwd entry of its uid unless one of these
   * variables names it (libpq: "could not look up local user ID"; pg_isready then makes "no attempt").
   */
  readonly userNameFromPasswdUnless?: readonly string[];
  /**
   * The pod runner's stand-in: the Debian program that runs in its place, the Debian package, and how it
   * differs from the image's build (written beside every scenario that uses it).
   */
  readonly standIn?: { readonly hostPath: string; readonly debianPackage: string; readonly difference: string };
}

export interface ImageFacts {
  /** Repository as written in a manifest, registry included except for Docker Hub (`redis`, `typesense/typesense`). */
  readonly repository: string;
  /** The version the facts were read at; a tag matches when it equals it or starts with it and a `-` or `.`. */
  readonly version: string;
  /** Where each fact was read: project, version, file. */
  readonly source: string;
  /** The filesystem the image starts from: what /bin/sh and the base accounts are. */
  readonly base: 'debian' | 'alpine' | 'busybox' | 'ubuntu' | 'ubi' | 'distroless' | 'scratch';
  readonly users: readonly ImageUser[];
  readonly groups: readonly ImageGroup[];
  /** uid the image runs as when the pod names none (Dockerfile `USER`, root when absent). */
  readonly defaultUid: number;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The image's PATH (its `ENV PATH`, or the runtime default). */
  readonly path: string;
  /** Programs by the name a command or script calls them. */
  readonly programs: Readonly<Record<string, ImageProgram>>;
  /** Directories the image creates, with their owner and mode (the pod runner recreates them). */
  readonly directories?: readonly { readonly path: string; readonly uid: number; readonly gid: number; readonly mode: number }[];
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const root: ImageUser = { name: 'root', uid: 0, gid: 0, home: '/root' };
const nobody: ImageUser = { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' };

/**
 * debian:trixie-slim base accounts. Read: Debian base-passwd 3.6.1 (the Debian 12 package, installed on the
 * verifying host), /usr/share/base-passwd/passwd.master and group.master: every account and group below matches
 * (root 0, daemon 1 /usr/sbin, bin 2 /bin, sys 3 /dev, sync 4:65534 /bin, www-data 33 /var/www, _apt 42:65534
 * /nonexistent, nobody 65534 /nonexistent; nogroup 65534). Not read: trixie's own base-passwd (3.6.x newer than 3.6.1).
 */
const DEBIAN_USERS: readonly ImageUser[] = [
  root,
  { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' },
  { name: 'bin', uid: 2, gid: 2, home: '/bin' },
  { name: 'sys', uid: 3, gid: 3, home: '/dev' },
  { name: 'sync', uid: 4, gid: 65534, home: '/bin' },
  { name: 'www-data', uid: 33, gid: 33, home: '/var/www' },
  { name: '_apt', uid: 42, gid: 65534, home: '/nonexistent' },
  nobody,
];
const DEBIAN_GROUPS: readonly ImageGroup[] = [
  { name: 'root', gid: 0 }, { name: 'daemon', gid: 1 }, { name: 'bin', gid: 2 }, { name: 'sys', gid: 3 },
  { name: 'www-data', gid: 33 }, { name: 'nogroup', gid: 65534 },
];

/**
 * alpine base accounts. Read: alpinelinux/aports main/alpine-baselayout/passwd and group at the one stored version
 * (commit 0e733c2d9dc42887b09641bbc949e2922d74455c; its date and package version were not established, and it
 * still lists adm, operator, postmaster, squid, xfs, cyrus, vpopmail, smmsp, so it may predate alpine 3.22). Every
 * account and group below matches it; nobody's home there is `/`, not /nonexistent. Not read: alpine-baselayout of
 * alpine 3.22 itself.
 */
const ALPINE_USERS: readonly ImageUser[] = [
  root,
  { name: 'bin', uid: 1, gid: 1, home: '/bin' },
  { name: 'daemon', uid: 2, gid: 2, home: '/sbin' },
  { name: 'lp', uid: 4, gid: 7, home: '/var/spool/lpd' },
  { name: 'sync', uid: 5, gid: 0, home: '/sbin' },
  { name: 'mail', uid: 8, gid: 12, home: '/var/mail' },
  { name: 'ftp', uid: 21, gid: 21, home: '/var/lib/ftp' },
  { name: 'guest', uid: 405, gid: 100, home: '/dev/null' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/' },
];
const ALPINE_GROUPS: readonly ImageGroup[] = [
  { name: 'root', gid: 0 }, { name: 'bin', gid: 1 }, { name: 'daemon', gid: 2 }, { name: 'users', gid: 100 },
  { name: 'www-data', gid: 82 }, { name: 'nogroup', gid: 65533 }, { name: 'nobody', gid: 65534 },
];

/**
 * busybox's accounts: docker-library/busybox copies buildroot's system/skeleton/etc/{passwd,group,shadow} into the
 * image. Read: buildroot/buildroot tag 2025.11.3 (the buildroot version busybox 1.36.1 was last built with)
 * system/skeleton/etc/passwd and group: nobody's home is /home and gid 65534 is named `nobody` (no `nogroup`).
 */
const BUSYBOX_USERS: readonly ImageUser[] = [
  root,
  { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' },
  { name: 'bin', uid: 2, gid: 2, home: '/bin' },
  { name: 'sys', uid: 3, gid: 3, home: '/dev' },
  { name: 'sync', uid: 4, gid: 100, home: '/bin' },
  { name: 'mail', uid: 8, gid: 8, home: '/var/spool/mail' },
  { name: 'www-data', uid: 33, gid: 33, home: '/var/www' },
  { name: 'operator', uid: 37, gid: 37, home: '/var' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/home' },
];
const BUSYBOX_GROUPS: readonly ImageGroup[] = [
  { name: 'root', gid: 0 }, { name: 'daemon', gid: 1 }, { name: 'bin', gid: 2 }, { name: 'sys', gid: 3 },
  { name: 'mail', gid: 8 }, { name: 'www-data', gid: 33 }, { name: 'operator', gid: 37 }, { name: 'users', gid: 100 },
  { name: 'nobody', gid: 65534 },
];

/** The busybox applets the runner links into an alpine or busybox sandbox's /bin. */
export const BUSYBOX_HOST = '/usr/bin/busybox';

export const IMAGE_FACTS: readonly ImageFacts[] = [
  {
    repository: 'redis',
    version: '8.10.2-trixie',
    source:
      'Read, nearest version found (8.10.2 itself not found): redis/docker-library-redis commit ' +
      '0076c90a8028d29b25313f7272fa2d1245c3be76 debian/Dockerfile (REDIS_VERSION 8.6.4, FROM debian:trixie-slim): ' +
      '`groupadd -r -g 999 redis; useradd -r -g redis -u 999 redis`, `make -C /usr/src/redis install` (default prefix, ' +
      'binaries in /usr/local/bin), `mkdir /data && chown redis:redis /data`, WORKDIR /data, no USER, ENTRYPOINT ' +
      '["docker-entrypoint.sh"], CMD ["redis-server"]. Not read: the home /home/redis (useradd\'s default, no -d) and ' +
      'the entrypoint script\'s gosu step-down',
    base: 'debian',
    users: [...DEBIAN_USERS, { name: 'redis', uid: 999, gid: 999, home: '/home/redis' }],
    groups: [...DEBIAN_GROUPS, { name: 'redis', gid: 999 }],
    defaultUid: 0,
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['redis-server'],
    path: DEFAULT_PATH,
    directories: [{ path: '/data', uid: 999, gid: 999, mode: 0o755 }],
    programs: {
      'redis-server': {
        path: '/usr/local/bin/redis-server',
        // `dir`, `cluster-config-file` and the AOF directory of our redis.conf; the generated config in /run/redis.
        writes: ['/data'],
        standIn: {
          hostPath: '/usr/bin/redis-server',
          debianPackage: 'redis-server',
          difference: 'Debian 12 ships Redis 7.0; the image is 8.10. Every directive of our redis.conf (cluster-announce-hostname, cluster-preferred-endpoint-type, bind "* -::*") exists since 7.0.',
        },
      },
      'redis-cli': {
        path: '/usr/local/bin/redis-cli',
        standIn: { hostPath: '/usr/bin/redis-cli', debianPackage: 'redis-tools', difference: 'Debian 12: redis-cli 7.0 (image: 8.10); --cluster create and REDISCLI_AUTH exist since 5.0 / 6.0.' },
      },
    },
  },
  {
    repository: 'postgres',
    // The pinned build is 16.15-alpine3.24 (lib/platform/images.ts); docker-library generates every 16/alpine*
    // Dockerfile from one template, so the user, paths and entrypoint read in 16/alpine3.22 hold for it.
    version: '16.15',
    source:
      'docker-library/postgres 16/alpine3.22/Dockerfile: `addgroup -g 70 -S postgres; adduser -u 70 -S -D -G postgres ' +
      '-H -h /var/lib/postgresql -s /bin/sh postgres`, /var/run/postgresql 3777 postgres, PGDATA /var/lib/postgresql/data, ' +
      'prefix /usr/local, no USER, ENTRYPOINT docker-entrypoint.sh, CMD postgres. libpq (src/interfaces/libpq/fe-auth.c ' +
      'pg_fe_getusername) takes the user name from the passwd entry of the uid unless PGUSER or -U gives one',
    base: 'alpine',
    users: [...ALPINE_USERS, { name: 'postgres', uid: 70, gid: 70, home: '/var/lib/postgresql' }],
    groups: [...ALPINE_GROUPS, { name: 'postgres', gid: 70 }],
    defaultUid: 0,
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['postgres'],
    path: DEFAULT_PATH,
    directories: [
      { path: '/var/run/postgresql', uid: 70, gid: 70, mode: 0o3777 },
      { path: '/var/lib/postgresql', uid: 70, gid: 70, mode: 0o1777 },
    ],
    programs: {
      pg_isready: {
        path: '/usr/local/bin/pg_isready',
        userNameFromPasswdUnless: ['PGUSER'],
        standIn: { hostPath: '/usr/lib/postgresql/15/bin/pg_isready', debianPackage: 'postgresql-client-15', difference: 'Debian 12: libpq/pg_isready 15 (image: 16); the user-name lookup and the "no attempt" answer are the same in both.' },
      },
      psql: { path: '/usr/local/bin/psql', userNameFromPasswdUnless: ['PGUSER'] },
      postgres: { path: '/usr/local/bin/postgres', writes: ['/var/lib/postgresql/data', '/var/run/postgresql'] },
    },
  },
  {
    repository: 'busybox',
    version: '1.36',
    source:
      'Read: docker-library/busybox commit 9106ef5ab8eea5667c83d86e0360b61a4bdcbfc1 (the last whose versions.json ' +
      'carries 1.36.1, as latest-1, buildroot 2025.11.3): Dockerfile.template `FROM scratch`, `ADD busybox.tar.gz /`, ' +
      'CMD ["sh"], no USER, no ENTRYPOINT, no ENV PATH (runtime default); Dockerfile-builder.template ' +
      '`busybox --install /bin` and buildroot $version system/skeleton/etc/{group,passwd,shadow} copied to /etc ' +
      '(accounts: see BUSYBOX_USERS)',
    base: 'busybox',
    users: BUSYBOX_USERS,
    groups: BUSYBOX_GROUPS,
    defaultUid: 0,
    entrypoint: [],
    cmd: ['sh'],
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    programs: {
      sh: { path: '/bin/sh', standIn: { hostPath: BUSYBOX_HOST, debianPackage: 'busybox', difference: 'Debian 12: busybox 1.35 (image: 1.36); sh, wget, sleep, nc behave the same for our scripts.' } },
      wget: { path: '/bin/wget', standIn: { hostPath: BUSYBOX_HOST, debianPackage: 'busybox', difference: 'busybox 1.35 wget (image: 1.36)' } },
    },
  },
  {
    repository: 'registry.k8s.io/ingress-nginx/controller',
    version: 'v1.14.0',
    source:
      'kubernetes/ingress-nginx controller-v1.14.0 rootfs/Dockerfile: `setcap cap_net_bind_service=+ep` on ' +
      '/nginx-ingress-controller, /usr/local/nginx/sbin/nginx and /usr/bin/dumb-init; USER www-data (uid 101, from the ' +
      'nginx base image images/nginx/rootfs/build.sh `adduser -S -D -H -u 101 -h /usr/local/nginx -s /sbin/nologin -G ' +
      'www-data -g www-data www-data`, group www-data 82 of alpine); writable dirs /etc/ingress-controller/{ssl,auth,geoip,' +
      'telemetry}, /var/log/nginx, /tmp/nginx chowned to www-data; ENTRYPOINT /usr/bin/dumb-init --, CMD /nginx-ingress-controller',
    base: 'alpine',
    users: [...ALPINE_USERS, { name: 'www-data', uid: 101, gid: 82, home: '/usr/local/nginx' }],
    groups: ALPINE_GROUPS,
    defaultUid: 101,
    entrypoint: ['/usr/bin/dumb-init', '--'],
    cmd: ['/nginx-ingress-controller'],
    path: DEFAULT_PATH,
    programs: {
      'dumb-init': { path: '/usr/bin/dumb-init', fileCapabilities: ['cap_net_bind_service'] },
      '/nginx-ingress-controller': {
        path: '/nginx-ingress-controller',
        fileCapabilities: ['cap_net_bind_service'],
        // The controller renders /etc/nginx/nginx.conf and keeps certificates and the pid under these.
        writes: ['/etc/nginx', '/etc/ingress-controller', '/tmp/nginx', '/var/log/nginx'],
      },
      nginx: { path: '/usr/local/nginx/sbin/nginx', fileCapabilities: ['cap_net_bind_service'], writes: ['/tmp/nginx'] },
    },
  },
  {
    repository: 'traefik',
    version: 'v3.7',
    source:
      'traefik/traefik-library-image v3.7/alpine/Dockerfile: FROM alpine:3.23, traefik in /usr/local/bin, no USER, ' +
      'ENTRYPOINT /entrypoint.sh, CMD traefik; Traefik needs no passwd entry and writes only its plugin storage ' +
      '(/plugins-storage, unused without plugins) and ACME storage (unused: cert-manager issues certificates)',
    base: 'alpine',
    users: ALPINE_USERS,
    groups: ALPINE_GROUPS,
    defaultUid: 0,
    entrypoint: ['/entrypoint.sh'],
    cmd: ['traefik'],
    path: DEFAULT_PATH,
    programs: { traefik: { path: '/usr/local/bin/traefik' } },
  },
  {
    repository: 'typesense/typesense',
    version: '30.2',
    source:
      'typesense/typesense v30.2 docker/deployment.Dockerfile: FROM ubuntu:24.04, /opt/typesense-server, no USER, ' +
      'ENTRYPOINT /opt/typesense-server; the server writes its --data-dir only',
    base: 'ubuntu',
    users: [root, { name: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' }, { name: 'ubuntu', uid: 1000, gid: 1000, home: '/home/ubuntu' }, nobody],
    groups: [{ name: 'root', gid: 0 }, { name: 'ubuntu', gid: 1000 }, { name: 'nogroup', gid: 65534 }],
    defaultUid: 0,
    entrypoint: ['/opt/typesense-server'],
    cmd: [],
    path: DEFAULT_PATH,
    programs: { '/opt/typesense-server': { path: '/opt/typesense-server', writes: ['/data'] } },
  },
  {
    repository: 'ghcr.io/cloudnative-pg/pgbouncer',
    version: '1.25',
    source:
      'cloudnative-pg/pgbouncer-containers Dockerfile: `groupadd -r --gid 996 pgbouncer; useradd -r --uid 998 --gid 996 ' +
      'pgbouncer`, /var/log/pgbouncer and /var/run/pgbouncer owned by it, USER pgbouncer, ENTRYPOINT ./entrypoint.sh ' +
      '(CloudNativePG replaces the command with its instance manager and sets the security context itself)',
    base: 'debian',
    users: [...DEBIAN_USERS, { name: 'pgbouncer', uid: 998, gid: 996, home: '/home/pgbouncer' }],
    groups: [...DEBIAN_GROUPS, { name: 'pgbouncer', gid: 996 }],
    defaultUid: 998,
    entrypoint: ['./entrypoint.sh'],
    cmd: [],
    path: DEFAULT_PATH,
    programs: { pgbouncer: { path: '/usr/bin/pgbouncer', writes: ['/var/run/pgbouncer', '/var/log/pgbouncer'] } },
  },
  {
    repository: 'ghcr.io/cloudnative-pg/postgresql',
    version: '16.15',
    source:
      'Read: cloudnative-pg/postgres-containers commit a949ae5871b3685ebd569070fe8657e261328e7f (last Dockerfile change ' +
      'c3fe4092, 2026-06-26) Dockerfile: `FROM $BASE` (docker-bake.hcl: debian:trixie-slim), postgresql-$PG_MAJOR from ' +
      'PGDG, `RUN usermod -u 26 postgres`, USER 26 in the minimal and standard stages, `ENV PATH=$PATH:/usr/lib/postgresql/' +
      '$PG_MAJOR/bin` (appended), no ENTRYPOINT or CMD of its own. cloudnative-pg v1.30.0 api/v1/cluster_types.go ' +
      '`DefaultPostgresUID = 26`, `DefaultPostgresGID = 26` (the operator sets runAsUser/runAsGroup). NOT from the image: ' +
      'the postgres group gid 26 and the user\'s primary gid 26 below. `usermod -u` changes only the uid, so the image ' +
      'keeps the gid the Debian package assigned at install (not read). Not read either: the home /var/lib/postgresql ' +
      'and the CMD inherited from debian:trixie-slim',
    base: 'debian',
    users: [...DEBIAN_USERS, { name: 'postgres', uid: 26, gid: 26, home: '/var/lib/postgresql' }],
    groups: [...DEBIAN_GROUPS, { name: 'postgres', gid: 26 }],
    defaultUid: 26,
    entrypoint: [],
    cmd: [],
    path: `${DEFAULT_PATH}:/usr/lib/postgresql/16/bin`,
    programs: {},
  },
  {
    repository: 'quay.io/strimzi/kafka',
    version: '1.2.0-kafka-4.3.1',
    source:
      'Read: strimzi/strimzi-kafka-operator tag 1.2.0 (commit 6c7b43c4af0db547c10463ba09d1dfa6f5e156a0) ' +
      'docker-images/kafka-based/kafka/Dockerfile: `FROM strimzi/base:latest`, `RUN useradd -r -m -u 1001 -g 0 kafka` ' +
      '(user kafka, group 0 "to have access to the mounted volumes"), KAFKA_HOME=/opt/kafka, WORKDIR $KAFKA_HOME, USER ' +
      '1001, no ENTRYPOINT or CMD; docker-images/base/Dockerfile: FROM registry.access.redhat.com/ubi9/ubi-minimal, ' +
      'creates no user, no USER/ENTRYPOINT/CMD/PATH. Not read: UBI\'s own passwd/group (root, nobody) and PATH; the ' +
      'home /home/kafka is useradd -m\'s default. The Debezium Connect image (nx-debezium-connect) is built FROM it by ' +
      'Strimzi\'s Kaniko build and keeps its user',
    base: 'ubi',
    users: [root, { name: 'kafka', uid: 1001, gid: 0, home: '/home/kafka' }, nobody],
    groups: [{ name: 'root', gid: 0 }, { name: 'nobody', gid: 65534 }],
    defaultUid: 1001,
    entrypoint: [],
    cmd: [],
    path: DEFAULT_PATH,
    programs: {},
  },
  {
    repository: 'gcr.io/kaniko-project/executor',
    version: 'v1.23',
    source:
      'Read: GoogleContainerTools/kaniko tag v1.23.2 (commit 1ae9a8416c14418625de90c1115052c0a6ebee07) deploy/Dockerfile, ' +
      'target kaniko-executor: FROM scratch, /kaniko (mode 777), ENV HOME /root, USER root (env only), PATH ' +
      '/usr/local/bin:/kaniko, no USER instruction (root), WORKDIR /workspace, ENTRYPOINT ["/kaniko/executor"]; the image ' +
      'has no /etc/passwd or /etc/group (only /etc/nsswitch.conf), so the root entry below is the runner\'s, not the ' +
      'image\'s. Not read: that it unpacks the base image over / and so needs a writable root (Strimzi runs it for ' +
      'KafkaConnect builds)',
    base: 'scratch',
    users: [root],
    groups: [{ name: 'root', gid: 0 }],
    defaultUid: 0,
    entrypoint: ['/kaniko/executor'],
    cmd: [],
    path: '/usr/local/bin:/kaniko',
    programs: { '/kaniko/executor': { path: '/kaniko/executor', writes: ['/'] } },
  },
  {
    repository: 'velero/velero',
    version: 'v1.17',
    source:
      'Read: vmware-tanzu/velero tag v1.17.2 (commit 7013a4097f17a97a0201c0ad3c9dd3f810d32bf6; v1.17.0 the same but ' +
      'base 0.2.73) Dockerfile: `FROM paketobuildpacks/run-jammy-tiny:0.2.90`, binaries copied to / (/velero, ' +
      '/velero-restore-helper, /velero-helper, restic under /usr/bin), `USER cnb:cnb`, no ENTRYPOINT or CMD. ' +
      'paketo-buildpacks/jammy-tiny-stack stack/stack.toml (stored commit 043f0394, not ' +
      'matched to 0.2.90): [run] uid = 1002, gid = 1000, "distroless-like jammy"; run.Dockerfile adds files/passwd and ' +
      'files/group, FROM scratch. Not read: those passwd/group files (the names cnb/cnb and the home /home/cnb, root and ' +
      'nobody below are unverified). The platform installs Velero v1.18.1 (lib/platform/edge.ts), whose Dockerfile ' +
      '(commit 26ef8fa7) is the same: run-jammy-tiny:0.2.129, USER cnb:cnb, no ENTRYPOINT',
    base: 'distroless',
    users: [root, { name: 'cnb', uid: 1002, gid: 1000, home: '/home/cnb' }, nobody],
    groups: [{ name: 'root', gid: 0 }, { name: 'cnb', gid: 1000 }],
    defaultUid: 1002,
    entrypoint: [],
    cmd: [],
    path: DEFAULT_PATH,
    programs: {},
  },
  {
    repository: 'oven/bun',
    version: '1.3.10-alpine',
    source:
      'oven-sh/bun dockerhub/alpine/Dockerfile: `addgroup -g 1000 bun && adduser -u 1000 -G bun -s /bin/sh -D bun`, ' +
      'bun in /usr/local/bin, PATH + /usr/local/bun-node-fallback-bin, ENV BUN_RUNTIME_TRANSPILER_CACHE_PATH=0 (no ' +
      'transpiler cache written), WORKDIR /home/bun/app, ENTRYPOINT docker-entrypoint.sh, CMD bun; busybox wget from ' +
      'alpine. seed FACTS.md: our services\' images build on it and run as `bun`. Bun writes temp files under /tmp',
    base: 'alpine',
    users: [...ALPINE_USERS, { name: 'bun', uid: 1000, gid: 1000, home: '/home/bun' }],
    groups: [...ALPINE_GROUPS, { name: 'bun', gid: 1000 }],
    defaultUid: 1000,
    entrypoint: ['/usr/local/bin/docker-entrypoint.sh'],
    cmd: ['/usr/local/bin/bun'],
    path: `${DEFAULT_PATH}:/usr/local/bun-node-fallback-bin`,
    programs: { bun: { path: '/usr/local/bin/bun', writes: ['/tmp'] }, wget: { path: '/usr/bin/wget' } },
  },
];

/** An image reference split into its parts (`registry/path/name:tag@digest`). */
export interface ImageReference {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImage(image: string): ImageReference {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const named = at >= 0 ? image.slice(0, at) : image;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const hasTag = colon > slash;
  let repository = hasTag ? named.slice(0, colon) : named;
  repository = repository.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
  return { repository, tag: hasTag ? named.slice(colon + 1) : undefined, digest };
}

/**
 * Images we build ourselves, and the upstream image each is built on: the services' images on `oven/bun`, the
 * Debezium Connect image on Strimzi's Kafka image (Strimzi's KafkaConnect build starts FROM it).
 */
export function baseOfOwnImage(repository: string, registry: string): string | undefined {
  if (!repository.startsWith(`${registry}/`)) return undefined;
  return repository.endsWith('/nx-debezium-connect') ? 'quay.io/strimzi/kafka' : 'oven/bun';
}

function versionMatches(entry: ImageFacts, tag: string | undefined): boolean {
  if (tag === undefined) return true;
  return tag === entry.version || tag.startsWith(`${entry.version}-`) || tag.startsWith(`${entry.version}.`) || entry.version.startsWith(`${tag}.`) || entry.version.startsWith(`${tag}-`);
}

/**
 * The facts of an image reference: the entry of its repository whose version matches its tag. A reference with
 * a digest and no tag matches its repository's entry when there is exactly one. Own images resolve to the entry
 * of the image they are built on. Undefined when no entry matches.
 */
export function factsFor(image: string, registry: string, table: readonly ImageFacts[] = IMAGE_FACTS): ImageFacts | undefined {
  const ref = parseImage(image);
  const base = baseOfOwnImage(ref.repository, registry);
  const candidates = table.filter((e) => e.repository === (base ?? ref.repository));
  if (base !== undefined) return candidates[0];
  if (ref.tag === undefined) return candidates.length === 1 ? candidates[0] : undefined;
  return candidates.find((e) => versionMatches(e, ref.tag));
}
