import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CLUSTER_DNS, namespacesOf } from '../platform/cluster';
import { CLUSTER_NETWORK_DEFAULTS } from '../platform/network-inputs';
import { commonLabels } from '../platform/conventions';
import { Flow, LabelSelector, Peer, platformFlows, PodGroup, PortSpec } from '../network/flows';
import { EnvironmentContext, LayerChart } from './layer-chart';

/** Annotation listing why a policy's rules exist, one reason per flow. */
export const ALLOWS_ANNOTATION = 'platform.bana.com.vn/allows';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function selector(s: LabelSelector): k8s.LabelSelector {
  return {
    matchLabels: s.matchLabels ? { ...s.matchLabels } : undefined,
    matchExpressions: s.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator, values: e.values ? [...e.values] : undefined })),
  };
}

function peers(peer: Peer): k8s.NetworkPolicyPeer[] {
  switch (peer.kind) {
    case 'pods':
      return [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.group.namespace } }, podSelector: selector(peer.group.selector) }];
    case 'namespace':
      return [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } }, podSelector: peer.selector ? selector(peer.selector) : undefined }];
    case 'cidr':
      return peer.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  }
}

function ports(list: readonly PortSpec[]): k8s.NetworkPolicyPort[] {
  return list.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
}

interface Side {
  readonly namespace: string;
  readonly selector: LabelSelector;
  /** The service the selected pods are, if any: it owns the policy. */
  readonly service?: string;
  /** Peer key → the peer and the union of its ports. */
  readonly rules: Map<string, { peer: Peer; ports: PortSpec[] }>;
  readonly reasons: string[];
}

/**
 * Step 1, network policies: in every namespace we own, deny all ingress and egress, allow DNS to kube-dns,
 * then one ingress policy per destination group and one egress policy per source group, generated from
 * `platformFlows` (lib/network/flows.ts). Both ends of an in-cluster flow are opened, so each side's
 * policy alone tells a reviewer what a pod may do; a service's policies are named and labelled after it,
 * and shared policies admit capability selectors, so adding a service only adds files.
 */
export class NetworkChart extends LayerChart {
  constructor(scope: Construct, folder: string, context: EnvironmentContext) {
    super(scope, { folder, context });
    const { platform, environment } = context;
    const network = context.release.network ?? CLUSTER_NETWORK_DEFAULTS;
    const dnsPorts = CLUSTER_DNS.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
    const owned = new Set(namespacesOf(environment.name).map((n) => n.name));

    for (const namespace of owned) {
      new k8s.KubeNetworkPolicy(this, `DefaultDeny-${namespace}`, {
        metadata: { name: 'default-deny', namespace, labels: commonLabels('default-deny', 'network-policy') },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
      new k8s.KubeNetworkPolicy(this, `Dns-${namespace}`, {
        metadata: {
          name: 'allow-dns',
          namespace,
          labels: commonLabels('allow-dns', 'network-policy'),
          annotations: { [ALLOWS_ANNOTATION]: `every pod resolves names through the cluster DNS${network.nodeLocalDns ? ' and NodeLocal DNSCache' : ''}` },
        },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: CLUSTER_DNS.namespace } }, podSelector: { matchLabels: { ...CLUSTER_DNS.selector } } },
                // NodeLocal DNSCache answers on a link-local address on every node, which no pod selector matches.
                ...(network.nodeLocalDns ? [{ ipBlock: { cidr: `${network.nodeLocalDns}/32` } }] : []),
              ],
              ports: dnsPorts,
            },
          ],
        },
      });
    }

    const ingress = new Map<string, Side>();
    const egress = new Map<string, Side>();
    const addTo = (sides: Map<string, Side>, group: PodGroup, peer: Peer, flow: Flow): void => {
      let side = sides.get(group.id);
      if (!side) {
        side = { namespace: group.namespace, selector: group.selector, service: group.service, rules: new Map(), reasons: [] };
        sides.set(group.id, side);
      }
      const key = JSON.stringify(peer);
      const rule = side.rules.get(key) ?? { peer, ports: [] };
      for (const p of flow.ports) if (!rule.ports.some((q) => q.port === p.port && q.protocol === p.protocol)) rule.ports.push(p);
      side.rules.set(key, rule);
      if (!side.reasons.includes(flow.reason)) side.reasons.push(flow.reason);
    };
    for (const flow of platformFlows(platform, environment, network)) {
      if (flow.only !== 'egress' && flow.to.kind === 'pods' && owned.has(flow.to.group.namespace)) addTo(ingress, flow.to.group, flow.from, flow);
      if (flow.only !== 'ingress' && flow.from.kind === 'pods' && owned.has(flow.from.group.namespace)) addTo(egress, flow.from.group, flow.to, flow);
    }

    for (const [direction, sides] of [['ingress', ingress], ['egress', egress]] as const) {
      for (const [id, side] of sides) {
        // Group ids may be camelCase store parts (redisClusterCreate): names are DNS-1123, so kebab-case them.
        const name = `allow-${direction}-${id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
        const rules = [...side.rules.values()].map((r) => ({ peers: peers(r.peer), ports: ports([...r.ports].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))) }));
        new k8s.KubeNetworkPolicy(this, `${direction}-${side.namespace}-${id}`, {
          metadata: { name, namespace: side.namespace, labels: commonLabels(side.service ?? name, 'network-policy'), annotations: { [ALLOWS_ANNOTATION]: side.reasons.join('; ') } },
          spec: {
            podSelector: selector(side.selector),
            policyTypes: [direction === 'ingress' ? 'Ingress' : 'Egress'],
            ingress: direction === 'ingress' ? rules.map((r) => ({ from: r.peers, ports: r.ports })) : undefined,
            egress: direction === 'egress' ? rules.map((r) => ({ to: r.peers, ports: r.ports })) : undefined,
          },
        });
      }
    }
  }
}
