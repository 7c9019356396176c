import { k8s } from 'cdk8s-plus-28';
import { APP_GID, APP_UID, NODE_POOL_LABEL, PULL_SECRET } from '../platform/conventions';
import { EnvironmentSpec, ResourceSpec } from '../platform/types';

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

/** Bun (and most runtimes) need a writable /tmp under a read-only root filesystem. */
export const TMP_VOLUME: k8s.Volume = { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } };
export const TMP_MOUNT: k8s.VolumeMount = { name: 'tmp', mountPath: '/tmp' };

export function nodeSelector(env: EnvironmentSpec): Record<string, string> {
  return { [NODE_POOL_LABEL]: env.nodePool };
}

export const IMAGE_PULL_SECRETS: k8s.LocalObjectReference[] = [{ name: PULL_SECRET }];
