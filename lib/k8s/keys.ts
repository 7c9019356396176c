/**
 * Well-known label and annotation keys of Kubernetes and its tools, named once
 * (kubernetes.io/docs/reference/labels-annotations-taints/). The platform's own keys (`platform.bana.com.vn/…`)
 * are conventions of the platform: lib/platform/conventions.ts.
 */

/**
 * The container kubectl picks for `logs`, `exec`, `attach` and `cp` when `-c` is not given
 * (kubectl 1.28, k8s.io/kubectl/pkg/cmd/util/podcmd/podcmd.go, `DefaultContainerAnnotationName`).
 */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

