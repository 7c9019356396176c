/**
 * Field paths as reviewers read them: `spec.template.spec.containers[0].image`, and keys that are not plain
 * identifiers (label keys, annotation keys) in brackets: `metadata.labels["app.kubernetes.io/version"]`.
 */
export function appendKey(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

export function appendIndex(path: string, index: number | string): string {
  return `${path}[${index}]`;
}
