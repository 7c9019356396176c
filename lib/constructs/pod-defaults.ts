import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { SHARED_CONFIG, SHARED_SECRET, serviceConfigName, serviceSecretName } from '../platform/config';
import { APP_GID, APP_UID, NODE_POOL_LABEL, PULL_SECRET } from '../platform/conventions';
import { EnvironmentSpec, ResourceSpec, ServiceSpec } from '../platform/types';

/**
 * The pieces every pod we write shares: Pod Security Standard *restricted*, numeric non-root user, the
 * environment's node pool, the registry pull secret, requests and limits on every container.
 */

/** Pod-level security context: restricted, with the image user's numeric uid/gid so the kubelet can verify it. */
export function restrictedPodSecurityContext(uid = APP_UID, gid = APP_GID): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context: restricted, read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function resourceRequirements(spec: ResourceSpec): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(spec.requests.cpu),
      memory: k8s.Quantity.fromString(spec.requests.memory),
    },
    limits: {
      cpu: k8s.Quantity.fromString(spec.limits.cpu),
      memory: k8s.Quantity.fromString(spec.limits.memory),
    },
  };
}

/**
 * The configuration and Secrets a service's containers read whole (its Deployment and its migration Job):
 * on a key found twice the later source wins: the service's own over the shared, a Secret over a ConfigMap.
 */
export function serviceEnvFrom(service: ServiceSpec): k8s.EnvFromSource[] {
  return [
    { configMapRef: { name: SHARED_CONFIG } },
    { configMapRef: { name: serviceConfigName(service) } },
    { secretRef: { name: SHARED_SECRET } },
    { secretRef: { name: serviceSecretName(service) } },
  ];
}

/**
 * The config-digest annotation's value: 16 hex digits of the SHA-256 of what a pod template reads (each caller
 * serializes its own configuration, keys sorted), so the pods roll when it changes and only then.
 */
export function configDigest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 16);
}

/** Bun (and most runtimes) need a writable /tmp under a read-only root filesystem. */
export const TMP_VOLUME: k8s.Volume = { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } };
export const TMP_MOUNT: k8s.VolumeMount = { name: 'tmp', mountPath: '/tmp' };

export function nodeSelector(env: EnvironmentSpec): Record<string, string> {
  return { [NODE_POOL_LABEL]: env.nodePool };
}

/** The node pool as a required node affinity, for pod templates with no nodeSelector (Strimzi's). */
export function nodePoolAffinity(env: EnvironmentSpec) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_POOL_LABEL, operator: 'In', values: [env.nodePool] }] }],
      },
    },
  };
}

export const IMAGE_PULL_SECRETS: k8s.LocalObjectReference[] = [{ name: PULL_SECRET }];
