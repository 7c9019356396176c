import { identify, KubeObject } from './objects';

/** A pod template of the output: who writes it, where its pods run, their labels and spec. */
export interface PodTemplate {
  readonly owner: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: any;
}

const WORKLOAD_API = /^(v1|apps\/v1|batch\/v1)$/;

/**
 * Every pod template the output writes (workloads, CronJobs, bare Pods), in output order. Operator custom
 * resources (a CNPG Pooler's template) are partial: the operator completes them, so they are not pods here.
 */
export function podTemplates(objects: readonly KubeObject[]): PodTemplate[] {
  const result: PodTemplate[] = [];
  for (const o of objects) {
    if (!WORKLOAD_API.test(o.apiVersion)) continue;
    const spec = (o as any).spec;
    const template = o.kind === 'Pod' ? { metadata: o.metadata, spec } : o.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template;
    if (!template?.spec?.containers) continue;
    result.push({
      owner: identify(o),
      kind: o.kind,
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? '',
      labels: template.metadata?.labels ?? {},
      spec: template.spec,
    });
  }
  return result;
}
