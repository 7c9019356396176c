import { LAYERS } from '../charts/layers';
import { rankLayers } from '../charts/ordering';
import { ContainerView, LabelSelectorView, PodSpecView, podTemplateOf } from '../k8s/pods';
import { NetworkPolicyView, PolicyPeerView, PolicyPortView, policyTypesOf } from '../network/evaluate';
import { namespaceOf, storesOf, workloadName } from '../platform/conventions';
import { ServiceSpec } from '../platform/types';
import { imageOf, tagOf } from '../inputs/release';
import { Migration, migrationJobName, migrationsOf } from '../platform/migrations';
import { selects } from '../checks/policy';
import { DocumentContext, DocumentGenerator } from './document';
import { KubeObject, ManifestFile } from '../k8s/objects';
import { GeneratedFile } from '../output/render';

/**
 * `dist/<env>/README.md`: the environment at a glance for reviewers and operators, generated from the
 * synthesized objects themselves (and the catalogue for names and migration order), so it covers every layer
 * that exists and can never disagree with the manifests next to it. GitLab renders its Mermaid diagrams.
 */

/** Replica counts of a workload or an HPA. */
interface ScaledView extends KubeObject {
  readonly spec?: { readonly replicas?: number; readonly minReplicas?: number; readonly maxReplicas?: number };
}

/** The fields of Ingresses and Traefik IngressRoutes (traefik.io/v1alpha1) that name routes to a Service. */
interface RouteObjectView extends KubeObject {
  readonly spec?: {
    readonly rules?: readonly { readonly host?: string; readonly http?: { readonly paths?: readonly { readonly path?: string; readonly backend?: { readonly service?: { readonly name?: string } } }[] } }[];
    readonly routes?: readonly { readonly match: string; readonly services?: readonly { readonly name: string; readonly namespace?: string }[] }[];
  };
}

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
  const workloads = new Map<string, { name: string; labels: Record<string, string> }[]>();
  const workloadsByLabel = new Map<string, { name: string; labels: Record<string, string> }[]>();
  const addRoute = (key: string, route: string) => push(routes, key, route);
  for (const { object } of manifests) {
    const o = object as RouteObjectView;
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
    const template = podTemplateOf(object);
    if (template) {
      const ns = template.namespace;
      const workload = { name: template.name, labels: template.labels };
      push(workloads, ns, workload);
      for (const [k, v] of Object.entries(workload.labels)) push(workloadsByLabel, `${ns}\0${k}\0${v}`, workload);
    }
  }
  const index = { byKey, routes, workloads, workloadsByLabel, peers: new Map<string, Peer>() };
  indexes.set(manifests, index);
  return index;
}

const find = (manifests: readonly ManifestFile[], kind: string, namespace: string | undefined, name: string): KubeObject | undefined =>
  indexOf(manifests).byKey.get(objectKey(kind, namespace, name));

function resources(container: ContainerView | undefined): { requests: string; limits: string } {
  const r = container?.resources ?? {};
  const fmt = (x: Readonly<Record<string, string | number>> | undefined) => (x ? `${x.cpu ?? '–'} / ${x.memory ?? '–'}` : '–');
  return { requests: fmt(r.requests), limits: fmt(r.limits) };
}

/** Public routes that reach a Service: Ingress rules and Traefik IngressRoutes naming it as a backend. */
function routesTo(manifests: readonly ManifestFile[], service: string, namespace: string): string[] {
  return [...new Set(indexOf(manifests).routes.get(`${namespace}/${service}`) ?? [])].sort();
}

/** `wait-for-<x>` init containers: what a pod waits for before it starts. */
function waitsFor(pod: PodSpecView | undefined): string[] {
  return (pod?.initContainers ?? []).map((c) => c.name).filter((n) => n.startsWith('wait-for-')).map((n) => n.slice('wait-for-'.length));
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
    const deployment = find(manifests, 'Deployment', ns, name) as ScaledView | undefined;
    const hpa = find(manifests, 'HorizontalPodAutoscaler', ns, name) as ScaledView | undefined;
    const pod = deployment && podTemplateOf(deployment)?.spec;
    const app = (pod?.containers ?? []).find((c) => c.name === service.name) ?? pod?.containers?.[0];
    const replicas = hpa ? `${hpa.spec?.minReplicas}–${hpa.spec?.maxReplicas} (HPA)` : deployment ? String(deployment.spec?.replicas ?? 1) : '–';
    const { requests, limits } = resources(app);
    const depends = [...waitsFor(pod).map((w) => `waits for ${w}`), ...storesOf(service)].join(', ') || '–';
    const routes = routesTo(manifests, name, ns);
    const image = app?.image ?? imageOf(release, service);
    lines.push(`| ${service.name} | ${ns} | ${code(image)} | ${replicas} | ${requests} | ${limits} | ${cell(depends)} | ${routes.length > 0 ? routes.map((r) => code(cell(r))).join('<br>') : '–'} |`);
  }
  return lines;
}

function otherWorkloads(context: DocumentContext): string[] {
  const ours = new Set(context.platform.services.map((s) => `${namespaceOf(s)}/${workloadName(s)}`));
  const rows: string[] = [];
  for (const { object } of context.manifests) {
    const pod = podTemplateOf(object)?.spec;
    if (!pod || (object.kind === 'Deployment' && ours.has(`${object.metadata.namespace}/${object.metadata.name}`))) continue;
    const images = [...(pod.initContainers ?? []), ...pod.containers].map((c) => code(c.image)).join('<br>');
    const replicas = (object as ScaledView).spec?.replicas ?? (object.kind === 'Job' || object.kind === 'CronJob' ? '–' : 1);
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

/**
 * The migration Job of one migration, named as MigrationJob names it from the release (`migrationJobName`);
 * looked up in the output only to tell whether this environment writes it (its layers may leave it out).
 */
function migrationJob(context: DocumentContext, migration: Migration): string | undefined {
  const name = migrationJobName(migration.name, tagOf(context.release, migration.service));
  return find(context.manifests, 'Job', namespaceOf(migration.service), name) ? name : undefined;
}

function migrationsList(context: DocumentContext): string[] {
  const ordered = migrationsOf(context.platform.services);
  if (ordered.length === 0) return ['No service declares a migration.'];
  return ordered.map((m) => {
    const job = migrationJob(context, m);
    return `${m.spec.order}. ${m.name} (service ${m.service.name}): ${job !== undefined ? code(`job/${job}`) : 'no Job in this environment'}`;
  });
}

const id = (text: string) => text.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Diagram limits, checked by the Mermaid render test (__tests__/diagrams.test.ts): at a merge request's width
 * (about 900 px) a flowchart stays followable up to about 30 nodes and 40 edges; past that Mermaid's layered
 * layout crosses edges and scales the picture below legible text. Each diagram here is built to stay under
 * them, and the test renders every one and measures it.
 */
export const DIAGRAM_LIMITS = { nodes: 30, edges: 40, widthPx: 900 } as const;

/** A Mermaid label: quotes replaced, names wrapped onto lines of about `width` characters. */
function label(parts: readonly string[], width = 30, separator = ', '): string {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const next = line ? `${line}${separator}${part}` : part;
    if (line && next.length > width) {
      lines.push(line + separator.trimEnd());
      line = part;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.join('<br>').replace(/"/g, "'");
}

/** Closer ranks and nodes than Mermaid's defaults (50 px each), so the diagrams fit a merge request's width. */
const SPACING = '%%{init: {"flowchart": {"rankSpacing": 35, "nodeSpacing": 25}}}%%';
const mermaid = (direction: 'LR' | 'TD', body: readonly string[]) => ['```mermaid', SPACING, `flowchart ${direction}`, ...body, '```'];

/**
 * The layers as Flux orders them: each layer after the layers it really waits for (`after` in LAYERS),
 * so independent layers stand side by side. apply.sh and Argo CD's waves apply them in folder order, which
 * agrees with every arrow.
 */
function layerDiagram(context: DocumentContext): string[] {
  const present = new Set(LAYERS.filter((l) => context.manifests.some((m) => m.folder === l.folder)).map((l) => l.folder));
  const body: string[] = [];
  for (const rank of rankLayers(LAYERS)) {
    if (!present.has(rank.folder)) continue;
    body.push(`  ${id(`layer_${rank.folder}`)}["${rank.folder}"]`);
    for (const dep of rank.after) if (present.has(dep)) body.push(`  ${id(`layer_${dep}`)} --> ${id(`layer_${rank.folder}`)}`);
  }
  return mermaid('TD', body);
}

/**
 * The application rollout as its real dependencies: identity's migration (after the data layer and the
 * config), identity, then each other migration (they wait for identity) and its service. Everything in
 * `06-5-services` is applied only once every migration of `06-4-migrations` has completed: the backends
 * without a migration of their own (they also wait for identity at start) and the frontends (which wait
 * for nothing else) hang off that gate.
 */
function rolloutDiagram(context: DocumentContext): string[] {
  const { platform, manifests } = context;
  const ordered = platform.services.filter((s) => s.migration).sort((a, b) => a.migration!.order - b.migration!.order);
  const first = ordered[0];
  if (!first) return ['No service declares a migration: every service is applied in `06-5-services`.'];
  const migrationNode = (s: ServiceSpec) => id(`migrate_${s.name}`);
  const serviceNode = (s: ServiceSpec) => id(`svc_${s.name}`);
  const has = (s: ServiceSpec) => !!find(manifests, 'Deployment', namespaceOf(s), workloadName(s));
  const body = [
    `  ${migrationNode(first)}("migrate ${first.migration!.name ?? first.name}<br>after 03-data,<br>06-1-config")`,
    `  ${serviceNode(first)}["${workloadName(first)}"]`,
    `  ${migrationNode(first)} --> ${serviceNode(first)}`,
  ];
  for (const s of ordered.slice(1)) {
    body.push(`  ${migrationNode(s)}("migrate ${s.migration!.name ?? s.name}")`, `  ${serviceNode(s)}["${workloadName(s)}"]`);
    body.push(`  ${serviceNode(first)} --> ${migrationNode(s)} --> ${serviceNode(s)}`);
  }
  const rest = platform.services.filter((s) => !s.migration && has(s));
  const backends = rest.filter((s) => s.tier === 'backend').map(workloadName);
  const frontends = rest.filter((s) => s.tier === 'frontend').map(workloadName);
  if (rest.length > 0) {
    // One node for what 06-5 applies once every migration is done, fed by every migration.
    const lines = [...(backends.length > 0 ? [`${label(backends, 22)}`, `(and ${workloadName(first)})`] : []), ...(frontends.length > 0 ? [label(frontends, 22)] : [])];
    body.push(`  rest["after every migration:<br>${lines.join('<br>')}"]`);
    for (const s of ordered.slice(1)) body.push(`  ${migrationNode(s)} --> rest`);
  }
  return mermaid('LR', body);
}

interface Peer {
  readonly id: string;
  readonly label: string;
}

/** The workloads a selector picks in a namespace, or the selector itself when it picks none of ours. */
function peerOf(manifests: readonly ManifestFile[], namespace: string | undefined, podSelector: LabelSelectorView | undefined, namespaceSelector: LabelSelectorView | undefined): Peer {
  // A selector of one named namespace and its pods resolves to the workloads it picks there, like a same-namespace peer.
  const named = namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  if (named && Object.keys(namespaceSelector?.matchLabels ?? {}).length === 1 && !namespaceSelector?.matchExpressions && podSelector && Object.keys(podSelector).length > 0) {
    const picked = (indexOf(manifests).workloads.get(named) ?? []).some((w) => selects(podSelector, w.labels));
    if (picked) return peerOf(manifests, named, podSelector, undefined);
  }
  if (namespaceSelector && !namespace) {
    const ns = namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
    const what = podSelector && Object.keys(podSelector).length > 0 ? ` ${selectorText(podSelector)}` : '';
    const what2 = what ? `:${what}` : '';
    const label = ns ? `${ns}${what2 || ': all pods'}` : Object.keys(namespaceSelector).length === 0 ? `any namespace${what2}` : `namespaces ${selectorText(namespaceSelector)}${what2}`;
    return { id: id(`peer_${label}`), label };
  }
  if (!podSelector || Object.keys(podSelector).length === 0) return { id: id(`ns_${namespace}`), label: `all pods in ${namespace}` };
  const index = indexOf(manifests);
  const key = `${namespace}\0${JSON.stringify(podSelector)}`;
  let peer = index.peers.get(key);
  if (!peer) {
    // A workload a selector picks carries each of its matchLabels: the shortest such list holds them all.
    const required = Object.entries(podSelector.matchLabels ?? {}).map(([k, v]) => index.workloadsByLabel.get(`${namespace ?? ''}\0${k}\0${v}`) ?? []);
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

function selectorText(selector: LabelSelectorView): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions ?? []).map((e) => `${e.key} ${e.operator} ${(e.values ?? []).join(',')}`);
  return [...labels, ...expressions].join(', ') || 'all';
}

function portsText(ports: readonly PolicyPortView[] | undefined): string {
  if (!ports || ports.length === 0) return 'all ports';
  // Each rule's ports are read once per service its policy selects: written once per rule.
  let text = portsTexts.get(ports);
  if (text === undefined) {
    text = writePorts(ports);
    portsTexts.set(ports, text);
  }
  return text;
}
const portsTexts = new WeakMap<readonly PolicyPortView[], string>();

function writePorts(ports: readonly PolicyPortView[]): string {
  return ports.map((p) => `${p.port ?? 'all'}${p.protocol && p.protocol !== 'TCP' ? `/${p.protocol}` : ''}`).join(', ');
}

interface Flow {
  readonly peer: Peer;
  readonly ports: Set<string>;
}

/** The peers of one rule side (`from` or `to`): workloads, namespaces, address blocks, or anywhere. */
function rulePeers(manifests: readonly ManifestFile[], namespace: string, list: readonly PolicyPeerView[] | undefined): readonly Peer[] {
  if (list === undefined || list.length === 0) return [{ id: 'anywhere', label: 'anywhere' }];
  // The shared policies (DNS, capabilities) select many services: each rule's peers are resolved once per output.
  const byList = rulePeerCache.get(manifests) ?? new WeakMap<readonly PolicyPeerView[], Map<string, readonly Peer[]>>();
  rulePeerCache.set(manifests, byList);
  const byNamespace = byList.get(list) ?? new Map<string, readonly Peer[]>();
  byList.set(list, byNamespace);
  let peers = byNamespace.get(namespace);
  if (!peers) {
    peers = resolveRulePeers(manifests, namespace, list);
    byNamespace.set(namespace, peers);
  }
  return peers;
}
const rulePeerCache = new WeakMap<readonly ManifestFile[], WeakMap<readonly PolicyPeerView[], Map<string, readonly Peer[]>>>();

function resolveRulePeers(manifests: readonly ManifestFile[], namespace: string, list: readonly PolicyPeerView[]): Peer[] {
  return list.map((p) =>
    p.ipBlock
      ? { id: id(`cidr_${p.ipBlock.cidr}`), label: `${p.ipBlock.cidr}${p.ipBlock.except ? ` except ${p.ipBlock.except.join(', ')}` : ''}` }
      : peerOf(manifests, p.namespaceSelector ? undefined : namespace, p.podSelector, p.namespaceSelector),
  );
}

const policyIndexes = new WeakMap<readonly ManifestFile[], PolicyIndex>();

interface PolicyIndex {
  /** Every NetworkPolicy, in manifest order. */
  readonly all: readonly NetworkPolicyView[];
  /**
   * Policies by namespace and by one `key\0value` of their podSelector's matchLabels (the pair fewest policies
   * of the namespace share): a policy selects a pod only if the pod carries that pair. Policies whose selector
   * has no matchLabels are under `''` and are tried for every pod of the namespace.
   */
  readonly bySelectorLabel: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
}

/** The environment's NetworkPolicies, listed and indexed once per output (one diagram per service reads them). */
function policyIndexOf(context: DocumentContext): PolicyIndex {
  const cached = policyIndexes.get(context.manifests);
  if (cached) return cached;
  const all = context.manifests.map((m) => m.object).filter((o) => o.kind === 'NetworkPolicy') as NetworkPolicyView[];
  const pairsOf = (p: NetworkPolicyView) => Object.entries(p.spec?.podSelector?.matchLabels ?? {}).map(([k, v]) => `${k}\0${v}`);
  const shared = new Map<string, number>();
  for (const policy of all) for (const pair of pairsOf(policy)) shared.set(`${policy.metadata.namespace}\0${pair}`, (shared.get(`${policy.metadata.namespace}\0${pair}`) ?? 0) + 1);
  const bySelectorLabel = new Map<string, Map<string, number[]>>();
  all.forEach((policy, i) => {
    const ns = policy.metadata.namespace ?? '';
    const pairs = pairsOf(policy);
    const rarest = pairs.length === 0 ? '' : pairs.reduce((a, b) => (shared.get(`${ns}\0${b}`)! < shared.get(`${ns}\0${a}`)! ? b : a));
    const inNamespace = bySelectorLabel.get(ns) ?? new Map<string, number[]>();
    bySelectorLabel.set(ns, inNamespace);
    push(inNamespace, rarest, i);
  });
  const index = { all, bySelectorLabel };
  policyIndexes.set(context.manifests, index);
  return index;
}

function policiesOf(context: DocumentContext): readonly NetworkPolicyView[] {
  return policyIndexOf(context).all;
}

/** The policies of `namespace` whose podSelector selects `labels`, in manifest order. */
function policiesSelecting(context: DocumentContext, namespace: string, labels: Readonly<Record<string, string>>): NetworkPolicyView[] {
  const index = policyIndexOf(context);
  const inNamespace = index.bySelectorLabel.get(namespace);
  if (!inNamespace) return [];
  const candidates = [...(inNamespace.get('') ?? []), ...Object.entries(labels).flatMap(([k, v]) => inNamespace.get(`${k}\0${v}`) ?? [])];
  return [...new Set(candidates)]
    .sort((a, b) => a - b)
    .map((i) => index.all[i])
    .filter((policy) => selects(policy.spec?.podSelector ?? {}, labels));
}

/** Who may reach a workload's pods and whom they may reach, from every policy that selects them. */
function flowsOf(context: DocumentContext, namespace: string, labels: Readonly<Record<string, string>>): { inbound: Flow[]; outbound: Flow[] } {
  const inbound = new Map<string, Flow>();
  const outbound = new Map<string, Flow>();
  const add = (into: Map<string, Flow>, peer: Peer, ports: string) => {
    const flow = into.get(peer.id) ?? { peer, ports: new Set<string>() };
    for (const p of ports.split(', ')) flow.ports.add(p);
    into.set(peer.id, flow);
  };
  for (const policy of policiesSelecting(context, namespace, labels)) {
    const types = policyTypesOf(policy);
    if (types.includes('Ingress')) for (const rule of policy.spec?.ingress ?? []) for (const peer of rulePeers(context.manifests, namespace, rule.from)) add(inbound, peer, portsText(rule.ports));
    if (types.includes('Egress')) for (const rule of policy.spec?.egress ?? []) for (const peer of rulePeers(context.manifests, namespace, rule.to)) add(outbound, peer, portsText(rule.ports));
  }
  const sorted = (m: Map<string, Flow>) => [...m.values()].sort((a, b) => (a.peer.label < b.peer.label ? -1 : 1));
  return { inbound: sorted(inbound), outbound: sorted(outbound) };
}

/** Line length of node labels: Mermaid wraps HTML labels at 200 px (flowchart.wrappingWidth), about 26 characters. */
const LINE = 24;

/**
 * A peer's label on short lines: `nx-backend:`, then its workloads (migration Jobs of one release as
 * `migrate <service>`) or its selector, breaking long selector terms after `=`.
 */
function peerLabel(peer: Peer): string {
  // A pure function of the label: shared peers (DNS, the data stores) appear in most services' diagrams.
  let text = peerLabels.get(peer.label);
  if (text === undefined) {
    text = wrapPeerLabel(peer);
    peerLabels.set(peer.label, text);
  }
  return text;
}
const peerLabels = new Map<string, string>();

function wrapPeerLabel(peer: Peer): string {
  const colon = peer.label.indexOf(': ');
  if (colon < 0) return label(peer.label.split(', '), LINE);
  const head = peer.label.slice(0, colon + 1);
  const parts = peer.label
    .slice(colon + 2)
    .split(', ')
    .map((p) => p.replace(/^nx-(.+)-migrate-[a-z0-9]+$/, 'migrate $1'))
    .flatMap((p) => (p.length > LINE && p.includes('=') ? [p.slice(0, p.indexOf('=') + 1), p.slice(p.indexOf('=') + 1)] : [p]));
  const joined = label(parts, LINE).replace(/=,<br>/g, '=<br>').replace(/=, /g, '=');
  return `${head}<br>${joined}`;
}

/** `localeCompare(b, 'en', { numeric: true })`, with the collator made once (ECMA-402: the same comparison). */
const numericOrder = new Intl.Collator('en', { numeric: true }).compare;
const portsLabel = (ports: Set<string>) => (ports.has('all ports') ? 'all ports' : [...ports].sort(numericOrder).join(', '));

/**
 * One small diagram per service: on the left who may reach its pods, on which ports (ingress rules of the
 * policies selecting them), on the right whom they may reach (egress rules). A path needs both ends to allow
 * it where both are isolated: the peer's own diagram shows the other end.
 */
function serviceDiagram(context: DocumentContext, service: ServiceSpec): string[] {
  const ns = namespaceOf(service);
  const deployment = find(context.manifests, 'Deployment', ns, workloadName(service));
  if (!deployment) return [];
  const { inbound, outbound } = flowsOf(context, ns, podTemplateOf(deployment)?.labels ?? {});
  const self = 'self';
  const body = [`  ${self}(["${workloadName(service)}"])`];
  inbound.forEach((f, i) => body.push(`  in${i}["${peerLabel(f.peer)}"] -->|"${portsLabel(f.ports)}"| ${self}`));
  outbound.forEach((f, i) => body.push(`  ${self} -->|"${portsLabel(f.ports)}"| out${i}["${peerLabel(f.peer)}"]`));
  if (inbound.length === 0) body.push(`  none_in["nothing may connect"] ~~~ ${self}`);
  return [`#### ${workloadName(service)} (${ns})`, '', ...mermaid('LR', body), ''];
}

/** The namespace a peer stands for, for the summary: its own, a named one, any, or an address block. */
function peerNamespace(policyNamespace: string, peer: PolicyPeerView): string {
  if (peer.ipBlock) return `cidr ${peer.ipBlock.cidr}`;
  if (!peer.namespaceSelector) return policyNamespace;
  const named = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
  return named ?? (Object.keys(peer.namespaceSelector).length === 0 ? 'any namespace' : `namespaces ${selectorText(peer.namespaceSelector)}`);
}

/**
 * The namespace-level summary: an arrow from A to B where a pod of A may open a connection to a pod of B —
 * A's egress rules allow it (or no policy of ours isolates A) and B's ingress rules allow it (or none
 * isolates B). Ports are left out, and so are flows inside a namespace: both are in the per-service diagrams.
 */
function namespaceDiagram(context: DocumentContext): string[] {
  const egress = new Set<string>();
  const ingress = new Set<string>();
  /** Ports of the egress rules by namespace pair: a pair allowed only DNS is summed up in the caption. */
  const egressPorts = new Map<string, Set<string>>();
  const isolated = { egress: new Set<string>(), ingress: new Set<string>() };
  for (const policy of policiesOf(context)) {
    const ns = policy.metadata.namespace ?? '';
    const types = policyTypesOf(policy);
    const names = (peers: readonly PolicyPeerView[] | undefined) => (peers === undefined || peers.length === 0 ? ['anywhere'] : peers.map((p) => peerNamespace(ns, p)));
    if (types.includes('Ingress')) {
      isolated.ingress.add(ns);
      for (const rule of policy.spec?.ingress ?? []) for (const other of names(rule.from)) ingress.add(`${other}\0${ns}`);
    }
    if (types.includes('Egress')) {
      isolated.egress.add(ns);
      for (const rule of policy.spec?.egress ?? []) {
        for (const other of names(rule.to)) {
          egress.add(`${ns}\0${other}`);
          const ports = egressPorts.get(`${ns}\0${other}`) ?? new Set<string>();
          for (const port of portsText(rule.ports).split(', ')) ports.add(port);
          egressPorts.set(`${ns}\0${other}`, ports);
        }
      }
    }
  }
  const allowsOut = (from: string, to: string) => !isolated.egress.has(from) || egress.has(`${from}\0${to}`) || egress.has(`${from}\0anywhere`);
  const allowsIn = (from: string, to: string) => !isolated.ingress.has(to) || ingress.has(`${from}\0${to}`) || ingress.has(`anywhere\0${to}`) || ingress.has(`any namespace\0${to}`);
  const pairs = new Set<string>([...egress, ...ingress]);
  const edges = new Set<string>();
  const nodes = new Set<string>();
  const dnsOnly = new Set<string>();
  for (const pair of pairs) {
    const [from, to] = pair.split('\0');
    if (from === to) continue;
    if (!allowsOut(from, to) || !allowsIn(from, to)) continue;
    if (to === DNS_NAMESPACE && [...(egressPorts.get(pair) ?? ['all ports'])].every((p) => p === '53' || p === '53/UDP')) {
      dnsOnly.add(from);
      continue;
    }
    nodes.add(from);
    nodes.add(to);
    edges.add(`  ${id(`ns_${from}`)} --> ${id(`ns_${to}`)}`);
  }
  const caption = dnsOnly.size > 0 ? [`Not drawn: ${[...dnsOnly].sort().join(', ')} may reach the cluster DNS in ${DNS_NAMESPACE} (port 53).`, ''] : [];
  return [...caption, ...mermaid('TD', [...[...nodes].sort().map((n) => `  ${id(`ns_${n}`)}["${n.replace(/"/g, "'")}"]`), ...[...edges].sort()])];
}

/** The cluster DNS's namespace: every namespace's DNS egress goes there. */
const DNS_NAMESPACE = 'kube-system';

/** Allowed network paths, from the NetworkPolicies of the environment: a summary, then one diagram per service. */
function networkDiagrams(context: DocumentContext): string[] {
  if (policiesOf(context).length === 0) return ['No NetworkPolicy in this environment: every pod may reach every pod and every address.'];
  return [
    '### Between namespaces',
    '',
    'An arrow from A to B: some pod of A may open a connection to some pod of B (A\'s egress rules and B\'s ingress rules both allow it; a namespace no policy of ours isolates allows everything). Ports and flows inside a namespace are in the per-service diagrams below.',
    '',
    ...namespaceDiagram(context),
    '',
    '### Per service',
    '',
    'Left: who may connect to the service\'s pods, on which ports (its ingress rules); right: whom its pods may connect to (its egress rules). The other end must allow the path too: see that peer\'s diagram.',
    '',
    ...context.platform.services.flatMap((s) => serviceDiagram(context, s)),
  ];
}

export const overviewDocument: DocumentGenerator = (context: DocumentContext): GeneratedFile[] => {
  const { environment } = context;
  const lines = [
    `# ${environment.name}: overview`,
    '',
    '<!-- Generated by `npm run synth` from the objects of this folder: do not edit by hand. -->',
    '',
    `Node pool ${code(environment.nodePool)}; autoscaling ${environment.autoscaling ? 'on (HPA for HA services)' : 'off (replicas scaled by hand)'}; ${context.manifests.length} objects. Apply with ${code(`bash dist/${environment.name}/apply.sh`)}: it applies the layers in order and waits between them (a plain ${code(`kubectl apply -k dist/${environment.name}`)} applies everything at once, so identity may start before its migration has finished); or let Argo CD or Flux sync it (${code('argocd/')}, ${code('flux/')}).`,
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
    'Layers, each after the layers it waits for (Flux `dependsOn`; apply.sh and Argo CD apply them in folder order, which agrees with every arrow):',
    '',
    ...layerDiagram(context),
    '',
    'Applications (rounded: migration Jobs): identity migrates, then rolls out; the other migrations wait for identity; each service waits for its migration; the rest of `06-5-services` is applied once every migration has completed.',
    '',
    ...rolloutDiagram(context),
    '',
    '## Allowed network paths',
    '',
    ...networkDiagrams(context),
    '',
  ];
  return [{ path: 'README.md', content: lines.join('\n') }];
};
