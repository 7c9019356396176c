/**
 * The Kubernetes object model every layer above reads: an object as synthesized, the file it is written to,
 * and how messages name it. Depends on nothing in lib/.
 */

/** One Kubernetes object as synthesized, and the file it is written to inside its environment folder. */
export interface ManifestFile {
  /** Path relative to `dist/<env>/`, e.g. `06-5-services/nx-backend/nx-identity.deployment.yaml`. */
  readonly path: string;
  /** Layer folder the object belongs to (`06-5-services`). */
  readonly folder: string;
  readonly object: KubeObject;
}

/** The fields of a synthesized object the writer relies on. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** `Kind namespace/name` (or `Kind name` for a cluster-scoped object), as messages name an object. */
export function identify(object: KubeObject): string {
  const ns = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata.name}`;
}
