import { LabelSelectorView } from '../k8s/pods';

/**
 * A NetworkPolicy evaluator with the semantics of networking.k8s.io/v1: a connection is allowed when the
 * source's egress and the destination's ingress both allow it; a side that no policy of its type selects
 * is open; an endpoint outside the cluster (no namespace) is restricted by nothing. Reads policies as they
 * are written to dist/ (plain objects), so the tests prove the output, not the model that produced it.
 */

export type Labels = Readonly<Record<string, string>>;

/** A pod (with a namespace) or an address outside the cluster's pods (without). */
export interface NetworkEndpoint {
  readonly id: string;
  readonly namespace?: string;
  readonly labels: Labels;
  readonly ip: string;
}

export type Protocol = 'TCP' | 'UDP';

/** The fields of a networking.k8s.io/v1 NetworkPolicy that the evaluator and the overview read. */
export interface PolicyPeerView {
  readonly podSelector?: LabelSelectorView;
  readonly namespaceSelector?: LabelSelectorView;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
export interface PolicyPortView {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}
export interface PolicyRuleView {
  readonly from?: readonly PolicyPeerView[];
  readonly to?: readonly PolicyPeerView[];
  readonly ports?: readonly PolicyPortView[];
}
export interface NetworkPolicyView {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: { readonly podSelector?: LabelSelectorView; readonly policyTypes?: readonly string[]; readonly ingress?: readonly PolicyRuleView[]; readonly egress?: readonly PolicyRuleView[] };
}

/** Synthesized objects as the callers hold them (KubeObject): read as NetworkPolicies. */
type PolicyList = readonly { readonly metadata: { readonly name: string; readonly namespace?: string } }[];

export function selectorMatches(sel: LabelSelectorView | undefined, labels: Labels): boolean {
  if (!sel) return true;
  const matchLabels = sel.matchLabels;
  if (matchLabels) for (const k in matchLabels) if (labels[k] !== matchLabels[k]) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const ipToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
}

/**
 * Whether a policy peer matches the other end. An ipBlock matches any address in it, pods included (CNIs
 * differ here: Cilium and Calico do not apply ipBlock to pod IPs; the tests give pods addresses outside the
 * blocks the platform writes, except 0.0.0.0/0, which matches everything on every CNI that honours it).
 */
export function peerMatches(peer: PolicyPeerView, policyNamespace: string, other: NetworkEndpoint): boolean {
  if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if (!other.namespace) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace })) return false;
  } else if (other.namespace !== policyNamespace) return false;
  return selectorMatches(peer.podSelector, other.labels);
}

export function portMatches(rulePorts: readonly PolicyPortView[] | undefined, port: number, protocol: Protocol = 'TCP'): boolean {
  return !rulePorts || rulePorts.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port || (p.endPort !== undefined && p.endPort !== 0 && typeof p.port === 'number' && port >= p.port && port <= p.endPort)));
}

/**
 * The policies of one namespace, indexed once per policy list: the tests ask about every pair of
 * endpoints, and filtering the whole list on every question was most of their time. The lists are the
 * synthesized objects, never changed after synthesis.
 */
const byNamespace = new WeakMap<PolicyList, Map<string | undefined, NetworkPolicyView[]>>();
function policiesIn(policies: PolicyList, namespace: string): readonly NetworkPolicyView[] {
  let index = byNamespace.get(policies);
  if (!index) {
    index = new Map();
    for (const p of policies as readonly NetworkPolicyView[]) {
      const list = index.get(p.metadata.namespace);
      if (list) list.push(p);
      else index.set(p.metadata.namespace, [p]);
    }
    byNamespace.set(policies, index);
  }
  return index.get(namespace) ?? [];
}

/** `spec.policyTypes`, or the API's default when unset: Ingress, plus Egress when the policy has egress rules. */
export function policyTypesOf(policy: NetworkPolicyView): readonly string[] {
  return policy.spec?.policyTypes ?? ['Ingress', ...(policy.spec?.egress ? ['Egress'] : [])];
}

/** Whether the policies selecting `self` let it send to (Egress) or accept from (Ingress) `other` on a port. */
export function side(policies: PolicyList, self: NetworkEndpoint, other: NetworkEndpoint, port: number, type: 'Ingress' | 'Egress', protocol: Protocol = 'TCP'): boolean {
  if (!self.namespace) return true;
  const selecting = policiesIn(policies, self.namespace).filter((p) => policyTypesOf(p).includes(type) && selectorMatches(p.spec?.podSelector, self.labels));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((type === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? []).some(
      (rule) =>
        portMatches(rule.ports, port, protocol) && ((type === 'Ingress' ? rule.from : rule.to) ?? [undefined]).some((peer) => peer === undefined || peerMatches(peer, self.namespace!, other)),
    ),
  );
}

/** Whether a connection from `from` to `to` on a port is allowed by both ends' policies. */
export function allowed(policies: PolicyList, from: NetworkEndpoint, to: NetworkEndpoint, port: number, protocol: Protocol = 'TCP'): boolean {
  return side(policies, from, to, port, 'Egress', protocol) && side(policies, to, from, port, 'Ingress', protocol);
}
