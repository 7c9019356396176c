import { LAYERS } from '../charts/layers';
import { namespaceOf, storesOf, workloadName } from '../platform/conventions';
import { ServiceSpec } from '../platform/types';
import { imageOf } from '../platform/inputs';
import { podLabelsOf, podSpecOf, selects } from '../validation/policy';
import { DocumentContext, DocumentGenerator } from './documents';
import { GeneratedFile, KubeObject, ManifestFile } from './render';

/**
 * `dist/<env>/README.md`: the environment at a glance for reviewers and operators, generated from the
 * synthesized objects themselves (and the catalogue for names and migration order), so it covers every layer
 * that exists and can never disagree with the manifests next to it. GitLab renders its Mermaid diagrams.
 */

const cell = (text: string) => text.replace(/\|/g, '\\|');
/** A Markdown code span; one with backticks inside (Traefik rules) needs a double-backtick fence. */
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
/**
 * Lookups the document makes for every service and policy, built in one pass over the objects so the
 * overview stays linear in the size of the platform.
 */
interface OverviewIndex {
  readonly byKey: ReadonlyMap<string, KubeObject>;
  /** Public routes by `<namespace>/<Service name>`. */
  readonly routes: ReadonlyMap<string, readonly string[]>;
  /** Migration Jobs by service name. */
  readonly migrations: ReadonlyMap<string, readonly KubeObject[]>;
  /** Pod-creating objects by namespace, with their pod labels. */
  readonly workloads: ReadonlyMap<string, readonly { readonly name: string; readonly labels: Record<string, string> }[]>;
  /** The same workloads by namespace and one pod label (`namespace\0key\0value`), to narrow a selector's candidates. */
  readonly workloadsByLabel: ReadonlyMap<string, readonly { readonly name: string; readonly labels: Record<string, string> }[]>;
  /** Peers already resolved, by namespace and selectors. */
  readonly peers: Map<string, Peer>;
}

/** Appends to the list under `key` (in place: copying the list on every append was quadratic in services). */
function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const objectKey = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

const indexes = new WeakMap<readonly ManifestFile[], OverviewIndex>();

function indexOf(manifests: readonly ManifestFile[]): OverviewIndex {
  const cached = indexes.get(manifests);
  if (cached) return cached;
  const byKey = new Map<string, KubeObject>();
  const routes = new Map<string, string[]>();
  const migrations = new Map<string, KubeObject[]>();
  const workloads = new Map<string, { name: string; labels: Record<string, string> }[]>();
  const workloadsByLabel = new Map<string, { name: string; labels: Record<string, string> }[]>();
  const addRoute = (key: string, route: string) => push(routes, key, route);
  for (const { object } of manifests) {
    const o = object as any;
    byKey.set(objectKey(o.kind, o.metadata.namespace, o.metadata.name), object);
    if (o.kind === 'Ingress') {
      for (const rule of o.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
          if (p.backend?.service?.name) addRoute(`${o.metadata.namespace}/${p.backend.service.name}`, `${rule.host ?? '*'}${p.path ?? '/'}`);
        }
      }
    }
    if (o.kind === 'IngressRoute' || o.kind === 'IngressRouteTCP') {
      for (const route of o.spec?.routes ?? []) {
        for (const s of route.services ?? []) addRoute(`${s.namespace ?? o.metadata.namespace}/${s.name}`, route.match);
      }
    }
    const labels = o.metadata.labels ?? {};
    if (o.kind === 'Job' && labels['app.kubernetes.io/component'] === 'migration') {
      const service = labels['app.kubernetes.io/name'];
      push(migrations, service, object);
    }
    if (podSpecOf(object)) {
      const ns = o.metadata.namespace ?? '';
      const workload = { name: o.metadata.name, labels: podLabelsOf(object) };
      push(workloads, ns, workload);
      for (const [k, v] of Object.entries(workload.labels)) push(workloadsByLabel, `${ns}\0${k}\0${v}`, workload);
    }
  }
  const index = { byKey, routes, migrations, workloads, workloadsByLabel, peers: new Map<string, Peer>() };
  indexes.set(manifests, index);
  return index;
}

const find = (manifests: readonly ManifestFile[], kind: string, namespace: string | undefined, name: string) =>
  indexOf(manifests).byKey.get(objectKey(kind, namespace, name)) as any;

function resources(container: any): { requests: string; limits: string } {
  const r = container?.resources ?? {};
  const fmt = (x: any) => (x ? `${x.cpu ?? '–'} / ${x.memory ?? '–'}` : '–');
  return { requests: fmt(r.requests), limits: fmt(r.limits) };
}

/** Public routes that reach a Service: Ingress rules and Traefik IngressRoutes naming it as a backend. */
function routesTo(manifests: readonly ManifestFile[], service: string, namespace: string): string[] {
  return [...new Set(indexOf(manifests).routes.get(`${namespace}/${service}`) ?? [])].sort();
}

/** `wait-for-<x>` init containers: what a pod waits for before it starts. */
function waitsFor(pod: any): string[] {
  return (pod?.initContainers ?? []).map((c: any) => String(c.name)).filter((n: string) => n.startsWith('wait-for-')).map((n: string) => n.slice('wait-for-'.length));
}

function servicesTable(context: DocumentContext): string[] {
  const { platform, manifests, release } = context;
  const lines = [
    '| service | namespace | image | replicas | requests (cpu / memory) | limits (cpu / memory) | depends on | public route |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const service of platform.services) {
    const name = workloadName(service);
    const ns = namespaceOf(service);
    const deployment = find(manifests, 'Deployment', ns, name);
    const hpa = find(manifests, 'HorizontalPodAutoscaler', ns, name);
    const pod = deployment?.spec?.template?.spec;
    const app = (pod?.containers ?? []).find((c: any) => c.name === service.name) ?? pod?.containers?.[0];
    const replicas = hpa ? `${hpa.spec.minReplicas}–${hpa.spec.maxReplicas} (HPA)` : deployment ? String(deployment.spec?.replicas ?? 1) : '–';
    const { requests, limits } = resources(app);
    const depends = [...waitsFor(pod).map((w) => `waits for ${w}`), ...storesOf(service)].join(', ') || '–';
    const routes = routesTo(manifests, name, ns);
    const image = app?.image ?? imageOf(release, service.name);
    lines.push(`| ${service.name} | ${ns} | ${code(image)} | ${replicas} | ${requests} | ${limits} | ${cell(depends)} | ${routes.length > 0 ? routes.map((r) => code(cell(r))).join('<br>') : '–'} |`);
  }
  return lines;
}

function otherWorkloads(context: DocumentContext): string[] {
  const ours = new Set(context.platform.services.map((s) => `${namespaceOf(s)}/${workloadName(s)}`));
  const rows: string[] = [];
  for (const { object } of context.manifests) {
    const pod = podSpecOf(object);
    if (!pod || (object.kind === 'Deployment' && ours.has(`${object.metadata.namespace}/${object.metadata.name}`))) continue;
    const images = [...(pod.initContainers ?? []), ...(pod.containers ?? [])].map((c: any) => code(c.image)).join('<br>');
    const replicas = (object as any).spec?.replicas ?? (object.kind === 'Job' || object.kind === 'CronJob' ? '–' : 1);
    rows.push(`| ${object.kind} | ${object.metadata.namespace ?? '–'} | ${object.metadata.name} | ${replicas} | ${images} |`);
  }
  return rows.length === 0 ? [] : ['', '### Other workloads', '', '| kind | namespace | name | replicas | images |', '|---|---|---|---|---|', ...rows];
}

function layersTable(context: DocumentContext): string[] {
  const lines = ['| order | folder | holds | objects | kinds |', '|---|---|---|---|---|'];
  LAYERS.forEach((layer, i) => {
    const objects = context.manifests.filter((m) => m.folder === layer.folder).map((m) => m.object);
    const kinds = new Map<string, number>();
    for (const o of objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    const kindList = [...kinds.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${k} ${n}`).join(', ');
    lines.push(`| ${i + 1} | ${code(layer.folder)} | ${layer.title} | ${objects.length} | ${kindList || '–'} |`);
  });
  return lines;
}

/** Migration Jobs of a service: Jobs labelled component=migration and name=<service>. */
function migrationJobs(manifests: readonly ManifestFile[], service: ServiceSpec): KubeObject[] {
  return [...(indexOf(manifests).migrations.get(service.name) ?? [])];
}

function migrationsList(context: DocumentContext): string[] {
  const ordered = context.platform.services.filter((s) => s.migration).sort((a, b) => a.migration!.order - b.migration!.order);
  if (ordered.length === 0) return ['No service declares a migration.'];
  return ordered.map((s) => {
    const jobs = migrationJobs(context.manifests, s).map((j) => code(`job/${j.metadata.name}`));
    return `${s.migration!.order}. ${s.migration!.name ?? s.name} (service ${s.name}): ${jobs.length > 0 ? jobs.join(', ') : 'no Job in this environment'}`;
  });
}

const id = (text: string) => text.replace(/[^A-Za-z0-9_]/g, '_');

/** Rollout order: layers in apply order, then inside the apps the migration order and the start-up waits. */
function rolloutDiagram(context: DocumentContext): string[] {
  const lines = ['```mermaid', 'flowchart TD'];
  const present = LAYERS.filter((l) => context.manifests.some((m) => m.folder === l.folder));
  present.forEach((layer, i) => {
    lines.push(`  ${id(`layer_${layer.folder}`)}["${layer.folder}"]`);
    if (i > 0) lines.push(`  ${id(`layer_${present[i - 1].folder}`)} --> ${id(`layer_${layer.folder}`)}`);
  });
  const last = present.length > 0 ? id(`layer_${present[present.length - 1].folder}`) : undefined;
  const ordered = context.platform.services.filter((s) => s.migration).sort((a, b) => a.migration!.order - b.migration!.order);
  const first = ordered[0];
  for (const s of ordered) {
    const node = id(`migrate_${s.name}`);
    lines.push(`  ${node}[/"migrate ${s.migration!.name ?? s.name} (${s.migration!.order})"/]`);
    // As the production script runs them: the first migration alone, then all the others in parallel.
    if (s === first) {
      if (last) lines.push(`  ${last} -.-> ${node}`);
    } else lines.push(`  ${id(`migrate_${first.name}`)} --> ${node}`);
    lines.push(`  ${node} --> ${id(`svc_${s.name}`)}`);
  }
  for (const s of context.platform.services) {
    const deployment = find(context.manifests, 'Deployment', namespaceOf(s), workloadName(s));
    lines.push(`  ${id(`svc_${s.name}`)}["${workloadName(s)}"]`);
    for (const w of waitsFor(deployment?.spec?.template?.spec)) {
      if (context.platform.services.some((o) => o.name === w)) lines.push(`  ${id(`svc_${w}`)} --> ${id(`svc_${s.name}`)}`);
    }
  }
  lines.push('```');
  return lines;
}

interface Peer {
  readonly id: string;
  readonly label: string;
}

/** The workloads a selector picks in a namespace, or the selector itself when it picks none of ours. */
function peerOf(manifests: readonly ManifestFile[], namespace: string | undefined, podSelector: any, namespaceSelector: any): Peer {
  if (namespaceSelector && !namespace) {
    const ns = namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
    const what = podSelector && Object.keys(podSelector).length > 0 ? ` ${selectorText(podSelector)}` : '';
    const label = ns ? `namespace ${ns}${what}` : Object.keys(namespaceSelector).length === 0 ? `any namespace${what}` : `namespaces ${selectorText(namespaceSelector)}${what}`;
    return { id: id(`peer_${label}`), label };
  }
  if (!podSelector || Object.keys(podSelector).length === 0) return { id: id(`ns_${namespace}`), label: `all pods in ${namespace}` };
  const index = indexOf(manifests);
  const key = `${namespace}\0${JSON.stringify(podSelector)}`;
  let peer = index.peers.get(key);
  if (!peer) {
    // A workload a selector picks carries each of its matchLabels: the shortest such list holds them all.
    const required = Object.entries((podSelector.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => index.workloadsByLabel.get(`${namespace ?? ''}\0${k}\0${v}`) ?? []);
    const candidates = required.length > 0 ? required.reduce((a, b) => (b.length < a.length ? b : a)) : (index.workloads.get(namespace ?? '') ?? []);
    const names = candidates
      .filter((w) => selects(podSelector, w.labels))
      .map((w) => w.name)
      .sort();
    const label = names.length > 0 ? `${namespace}: ${names.join(', ')}` : `${namespace}: ${selectorText(podSelector)}`;
    peer = { id: id(`peer_${label}`), label };
    index.peers.set(key, peer);
  }
  return peer;
}

function selectorText(selector: any): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions ?? []).map((e: any) => `${e.key} ${e.operator} ${(e.values ?? []).join(',')}`);
  return [...labels, ...expressions].join(', ') || 'all';
}

function portsText(ports: any[] | undefined): string {
  if (!ports || ports.length === 0) return 'all ports';
  return ports.map((p) => `${p.port ?? 'all'}${p.protocol && p.protocol !== 'TCP' ? `/${p.protocol}` : ''}`).join(', ');
}

/** Allowed network paths, from the NetworkPolicies of the environment: ingress rules solid, egress rules dashed. */
function networkDiagram(context: DocumentContext): string[] {
  const policies = context.manifests.map((m) => m.object).filter((o) => o.kind === 'NetworkPolicy') as any[];
  if (policies.length === 0) {
    return ['No NetworkPolicy in this environment: every pod may reach every pod and every address.'];
  }
  const nodes = new Map<string, string>();
  const edges = new Set<string>();
  const add = (peer: Peer) => nodes.set(peer.id, peer.label);
  for (const policy of policies) {
    const ns = policy.metadata.namespace;
    const target = peerOf(context.manifests, ns, policy.spec?.podSelector, undefined);
    add(target);
    const types: string[] = policy.spec?.policyTypes ?? ['Ingress', ...(policy.spec?.egress ? ['Egress'] : [])];
    const peersOf = (list: any[] | undefined): Peer[] =>
      list === undefined || list.length === 0
        ? [{ id: 'anywhere', label: 'anywhere' }]
        : list.map((p) =>
            p.ipBlock ? { id: id(`cidr_${p.ipBlock.cidr}`), label: `${p.ipBlock.cidr}${p.ipBlock.except ? ` except ${p.ipBlock.except.join(', ')}` : ''}` } : peerOf(context.manifests, p.namespaceSelector ? undefined : ns, p.podSelector, p.namespaceSelector),
          );
    if (types.includes('Ingress')) {
      for (const rule of policy.spec?.ingress ?? []) {
        for (const peer of peersOf(rule.from)) {
          add(peer);
          edges.add(`  ${peer.id} -->|"${portsText(rule.ports)}"| ${target.id}`);
        }
      }
    }
    if (types.includes('Egress')) {
      for (const rule of policy.spec?.egress ?? []) {
        for (const peer of peersOf(rule.to)) {
          add(peer);
          edges.add(`  ${target.id} -.->|"${portsText(rule.ports)}"| ${peer.id}`);
        }
      }
    }
  }
  return [
    'Solid: allowed by an ingress rule of the destination; dashed: allowed by an egress rule of the source. A connection needs both where both directions are isolated.',
    '',
    '```mermaid',
    'flowchart LR',
    ...[...nodes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `  ${k}["${v.replace(/"/g, "'")}"]`),
    ...[...edges].sort(),
    '```',
  ];
}

export const overviewDocument: DocumentGenerator = (context: DocumentContext): GeneratedFile[] => {
  const { environment } = context;
  const lines = [
    `# ${environment.name}: overview`,
    '',
    '<!-- Generated by `npm run synth` from the objects of this folder: do not edit by hand. -->',
    '',
    `Node pool ${code(environment.nodePool)}; autoscaling ${environment.autoscaling ? 'on (HPA for HA services)' : 'off (replicas scaled by hand)'}; ${context.manifests.length} objects. Apply with ${code(`kubectl apply -k dist/${environment.name}`)}.`,
    '',
    '## Services',
    '',
    ...servicesTable(context),
    ...otherWorkloads(context),
    '',
    '## Layers, in apply order',
    '',
    ...layersTable(context),
    '',
    '## Migrations, in order',
    '',
    ...migrationsList(context),
    '',
    '## Rollout order',
    '',
    ...rolloutDiagram(context),
    '',
    '## Allowed network paths',
    '',
    ...networkDiagram(context),
    '',
  ];
  return [{ path: 'README.md', content: lines.join('\n') }];
};
