import { InputError } from './errors';

/**
 * Every image the platform pulls from a public registry, pinned by digest: `<repository>:<tag>@sha256:<digest>`.
 * A tag can be moved (and major-only or rolling tags are moved on purpose); a digest names one image for
 * good. The tag stays for readers and for the update command. Each digest is copied from the source named
 * beside it; none could be checked against a registry from the machine that wrote it.
 *
 * Update (needs registry access; `crane` from go-containerregistry, or `skopeo`):
 *   npm run images -- --check     compare every digest with the registry, exit 1 on a difference
 *   npm run images -- --write     rewrite the digests below from the registry
 */
export interface PinnedImage {
  /** Repository, with registry host where it is not Docker Hub. */
  readonly repository: string;
  /** The tag the digest was published under. */
  readonly tag: string;
  /** `sha256:<64 hex>` of the tag's manifest (the multi-platform index where there is one). */
  readonly digest: string;
  /** Where the digest comes from. */
  readonly source: string;
}

export const THIRD_PARTY_IMAGES = {
  /** wait-for-identity. */
  busybox: {
    repository: 'busybox',
    tag: '1.36',
    digest: 'sha256:7b3ccabffc97de872a30dfd234fd972a66d247c8cfc69b0550f276481852627c',
    source: 'docker-library/repo-info repos/busybox/remote/1.36.md @72e4be79 (index digest)',
  },
  /** wait-for-db (`pg_isready`): PostgreSQL 16.15 on Alpine 3.24, the build `16-alpine` pointed at. */
  postgresClient: {
    repository: 'postgres',
    tag: '16.15-alpine3.24',
    digest: 'sha256:44c4ee9810eff91f7eab4d822642e01115b1a9eccce4bcbdde7604752d68eac6',
    source: 'docker-library/repo-info repos/postgres/remote/16-alpine.md @8c2b57bc (PG_VERSION 16.15, alpine-minirootfs 3.24.1)',
  },
  redis: {
    repository: 'redis',
    tag: '8.10.2-trixie',
    digest: 'sha256:d5ac52db24d4e70566fe9944f22cf5bdc2bc739b05c0f426335161ea6c23f3b3',
    source: 'docker-library/repo-info repos/redis/remote/8.10.2-trixie.md @0bdd9440',
  },
  /** CloudNativePG's PostgreSQL 16 image, exactly as its image catalog lists it. */
  postgres: {
    repository: 'ghcr.io/cloudnative-pg/postgresql',
    tag: '16.15-202608310817-standard-trixie',
    digest: 'sha256:6fedafdbf8b5b241e94c0307783a4875525141b98c4cbb8ec8a0b4134e9545d6',
    source: 'cloudnative-pg/artifacts image-catalogs/catalog-standard-trixie.yaml (2026-08-31)',
  },
  /** The PgBouncer image CloudNativePG v1.30.0 defaults to (pkg/versions `DefaultPgbouncerImage`, which carries no digest). */
  pgbouncer: {
    repository: 'ghcr.io/cloudnative-pg/pgbouncer',
    tag: '1.25.1',
    digest: 'sha256:e6ddfe22d845e603825e235dd8334b21ecd125abea2a2172478f556b8dee2bb8',
    source: 'NOT upstream: hakopod/hakopod internal/cluster (pins this tag by digest); no CloudNativePG source publishes it. Verify with --check',
  },
  typesense: {
    repository: 'typesense/typesense',
    tag: '30.2',
    digest: 'sha256:610f2d34b1f93d00762869da2c67736775e5798d19a2c8b91b014b8a0cc1e110',
    source: 'NOT upstream: the same digest in several public repositories that pin 30.2 (one records the registry manifest inspected 2026-09-20); Typesense publishes none. Verify with --check',
  },
  ingressNginx: {
    repository: 'registry.k8s.io/ingress-nginx/controller',
    tag: 'v1.14.0',
    digest: 'sha256:e4127065d0317bd11dc64c4dd38dcf7fb1c3d72e468110b4086e636dbaac943d',
    source: 'kubernetes/ingress-nginx controller-v1.14.0 deploy/static/provider/cloud/deploy.yaml',
  },
  traefik: {
    repository: 'traefik',
    tag: 'v3.7.11',
    digest: 'sha256:5203c3f39ca70de6790d964624e042463ffbd57715bc82be155cf224c0dd5144',
    source: 'docker-library/repo-info repos/traefik/remote/3.7.11.md @7c46c3cd (the official image tags v3.7.11 and 3.7.11 alike)',
  },
} as const satisfies Record<string, PinnedImage>;

/** `<repository>:<tag>@<digest>`. */
export function imageRef(image: PinnedImage): string {
  return `${image.repository}:${image.tag}@${image.digest}`;
}

/** The tag of a reference (`v1.14.0` of `…/controller:v1.14.0@sha256:…`), for version labels. */
export function imageTag(ref: string): string {
  const name = ref.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : 'latest';
}

const DIGEST_REF = /^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

/** Whether a reference names one image for good (a digest), whatever its tag says. */
export function isPinned(ref: string): boolean {
  return DIGEST_REF.test(ref);
}

/** Refuses a reference without a digest where the environment requires them. */
export function assertPinned(input: string, ref: string): void {
  if (!isPinned(ref)) {
    throw new InputError(input, ref, 'allowed: an image pinned by digest (<repository>:<tag>@sha256:<64 hex>); production never runs a tag that can be moved');
  }
}
