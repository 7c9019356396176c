import { identify, KubeObject } from '../k8s/objects';
import { CLUSTER_ISSUER_ANNOTATION } from '../platform/edge';
import { NAMESPACES } from '../platform/conventions';

/**
 * Every reference to a Secret in the output, found by walking each object rather than from a list: pod specs
 * (`secretKeyRef`, `secretRef`, `imagePullSecrets`, secret and projected volumes) and custom resources
 * (any field named like `*secret*` / `*credential*` that holds a `{name[, key]}` selector or a secret name:
 * CNPG `superuserSecret`, Barman `s3Credentials.accessKeyId`, cert-manager `privateKeySecretRef`, Velero
 * `credential`, Ingress `tls[].secretName`).
 */

export type SecretCreator = 'by hand' | 'cert-manager';

export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
  /** The key read, when the reference names one; otherwise the whole Secret is used. */
  readonly key?: string;
  /** `Kind namespace/name` of the referencing object. */
  readonly user: string;
  /** Where in that object (`container identity: envFrom`, `spec.credential`). */
  readonly usage: string;
  readonly createdBy: SecretCreator;
  /** The Secret's type, where the reference implies it. */
  readonly type: 'kubernetes.io/dockerconfigjson' | 'kubernetes.io/tls' | 'Opaque';
  readonly optional: boolean;
}

/** Namespace holding the Secrets a cluster-scoped object references (cert-manager's cluster resource namespace). */
const CLUSTER_SCOPED_SECRET_NAMESPACE: Readonly<Record<string, string>> = { ClusterIssuer: NAMESPACES.internal };

const SECRET_KEY = /secret|credential/i;
/** A string field that holds a Secret's name (Strimzi's build output names its push Secret `pushSecret`). */
const SECRET_NAME_STRING = /^secret$|secretname$|^pushsecret$/i;
/**
 * Fields next to a `secretName` that name the one key read: Strimzi's `PasswordSecretSource.password` and
 * `CertSecretSource.certificate` (api io.strimzi.api.kafka.model.common, 1.2.0).
 */
const KEY_FIELDS = ['key', 'password', 'certificate'] as const;
/**
 * CloudNativePG v1.30.0 reads a `kubernetes.io/basic-auth` Secret's `username` and `password` keys where a
 * Cluster names it in `bootstrap.initdb.secret` and `managed.roles[].passwordSecret` (docs: "Bootstrap",
 * "Declarative role management"; pkg/utils `GetUserPasswordFromSecret` reads exactly those two keys).
 */
const BASIC_AUTH_FIELDS: Readonly<Record<string, readonly string[]>> = { 'initdb.secret': ['username', 'password'], 'roles.passwordSecret': ['username', 'password'] };
/** Arrays whose elements are named things; the element's name makes `usage` readable. */
const NAMED_ELEMENTS: Readonly<Record<string, string>> = { containers: 'container', initContainers: 'init container', env: 'env', volumes: 'volume' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const SKIPPED = 1;
const SECRETISH = 2;
const NAMES_SECRET = 4;
/** What a field name says (skipped, secret-like, holds a Secret's name), worked out once per distinct name. */
const keyFlagCache = new Map<string, number>();
function keyFlags(k: string): number {
  let flags = keyFlagCache.get(k);
  if (flags === undefined) {
    flags = (/configmap/i.test(k) || k === 'metadata' ? SKIPPED : 0) | (SECRET_KEY.test(k) ? SECRETISH : 0) | (SECRET_NAME_STRING.test(k) ? NAMES_SECRET : 0);
    keyFlagCache.set(k, flags);
  }
  return flags;
}
export function secretReferences(objects: readonly KubeObject[]): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const o of objects) {
    // ConfigMap data keys are free text (`JWT_SECRET_TTL`), never references.
    if (o.kind === 'ConfigMap') continue;
    const namespace = o.metadata.namespace ?? CLUSTER_SCOPED_SECRET_NAMESPACE[o.kind] ?? '(cluster-scoped)';
    const user = identify(o);
    const certManaged = o.kind === 'Ingress' && o.metadata.annotations?.[CLUSTER_ISSUER_ANNOTATION] !== undefined;

    const record = (name: string, where: string[], path: readonly string[], key?: string, optional = false, explicitNamespace?: string): void => {
      const last = path[path.length - 1];
      const field = path.slice(-2).join('.');
      const pullSecret = path.includes('imagePullSecrets') || last === 'pushSecret';
      const tls = o.kind === 'Ingress' && path.includes('tls');
      const createdBy: SecretCreator =
        (tls && certManaged) || (o.kind === 'Certificate' && last === 'secretName') || (o.kind === 'ClusterIssuer' && path.includes('privateKeySecretRef'))
          ? 'cert-manager'
          : 'by hand';
      refs.push({
        namespace: explicitNamespace ?? namespace,
        name,
        key,
        user,
        usage: [...where, field].join(': '),
        createdBy,
        type: pullSecret ? 'kubernetes.io/dockerconfigjson' : tls || o.kind === 'Certificate' ? 'kubernetes.io/tls' : 'Opaque',
        optional,
      });
    };

    // `path` is one stack of field names, pushed and popped along the walk; `record` reads it at once.
    const path: string[] = [];
    const walk = (value: unknown, where: string[], inSecret: boolean): void => {
      if (Array.isArray(value)) {
        const label = NAMED_ELEMENTS[path[path.length - 1]];
        for (const item of value) {
          const named = label && isRecord(item) && typeof item.name === 'string' ? [...where, `${label} ${item.name}`] : where;
          if (inSecret && isRecord(item) && typeof item.name === 'string') record(item.name, where, path, undefined, item.optional === true);
          else walk(item, named, inSecret);
        }
        return;
      }
      if (!isRecord(value)) return;
      // for…in: the objects are plain JSON data (own enumerable keys only), and it allocates no key list.
      for (const k in value) {
        const flags = keyFlags(k);
        if (flags & SKIPPED) continue;
        const v = value[k];
        const secretish = inSecret || (flags & SECRETISH) !== 0;
        // A number, boolean or null holds no reference, nor does a string unless it names a Secret.
        if (typeof v !== 'object' ? !(secretish && typeof v === 'string' && flags & NAMES_SECRET) : v === null) continue;
        path.push(k);
        if (secretish && typeof v === 'string' && flags & NAMES_SECRET) {
          // A volume that projects named `items` reads those keys (and fails to mount without them).
          const items = Array.isArray(value.items) ? value.items.filter(isRecord).map((i) => i.key).filter((x): x is string => typeof x === 'string') : [];
          const keyField = KEY_FIELDS.find((f) => typeof value[f] === 'string');
          const keys = items.length > 0 ? items : keyField ? [value[keyField] as string] : [undefined];
          for (const key of keys) record(v, where, path, key, value.optional === true);
        } else if (secretish && isRecord(v) && typeof v.name === 'string') {
          const known = o.apiVersion.startsWith('postgresql.cnpg.io/') ? BASIC_AUTH_FIELDS[path.slice(-2).join('.')] : undefined;
          const items = Array.isArray(v.items) ? v.items.filter(isRecord).map((i) => i.key).filter((x): x is string => typeof x === 'string') : [];
          const keys = typeof v.key === 'string' ? [v.key] : items.length > 0 ? items : (known ?? [undefined]);
          for (const key of keys) record(v.name, where, path, key, v.optional === true, typeof v.namespace === 'string' ? v.namespace : undefined);
        } else {
          walk(v, where, secretish);
        }
        path.pop();
      }
    };
    walk(o, [], false);
  }
  return refs;
}
