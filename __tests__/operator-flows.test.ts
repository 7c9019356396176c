import { podTemplates } from '../lib/k8s/pods';
import { allowed, inCidr, NetworkEndpoint } from '../lib/network/evaluate';
import { FlowEnd, FlowNeed, OPERATOR_FLOW_NEEDS, OPERATOR_PODS, OPERATORS, operatorPodsOf } from '../lib/network/operator-pods';
import { PLATFORM } from '../lib/platform';
import { namespacesOf } from '../lib/platform/cluster';
import { CLUSTER_NETWORK_DEFAULTS, ClusterNetwork, parseClusterNetwork } from '../lib/platform/network-inputs';
import { EnvironmentName } from '../lib/platform/types';
import { synthesizeEnvironment } from '../lib/synth/synthesize';
import { env, FIXTURE_TAG, objects } from './helpers';

/**
 * Every pod an operator, add-on or our own edge and data constructs create (lib/network/operator-pods.ts,
 * labels cited from the creators' sources) against the generated NetworkPolicies: each flow it needs is
 * allowed, and every other pair among these pods, the operators, the API server, object storage and the
 * internet is denied, on every port any of them uses. Both environments, with the default cluster inputs
 * and with narrowed ones (which must then shut the internet out of API-server and object-storage egress).
 */

const PORTS = [53, 80, 443, 2379, 3000, 5432, 6379, 6380, 6443, 8000, 8001, 8083, 8089, 8443, 9090, 9091, 9093, 9443, 10250, 16379, 29092];
const ADDRESSES = { apiServer: '172.20.0.10', objectStorage: '198.51.100.20', internet: '203.0.113.7' } as const;

const NARROW: ClusterNetwork = parseClusterNetwork('test', {
  apiServerCidrs: ['172.20.0.10/32'],
  apiServerPorts: [6443],
  objectStorageCidrs: ['198.51.100.0/24'],
  podCidrs: ['10.244.0.0/16'],
  nodeLocalDns: '169.254.20.10',
});

interface Scenario {
  readonly env: EnvironmentName;
  readonly label: string;
  readonly network: ClusterNetwork;
  readonly policies: () => any[];
}

const narrowSynth = (name: EnvironmentName): any[] => {
  const base = env(name);
  const result = synthesizeEnvironment(PLATFORM, base.environment, { ...base.release, tag: FIXTURE_TAG, network: NARROW });
  return result.manifests.map((m) => m.object).filter((o) => o.kind === 'NetworkPolicy');
};

const SCENARIOS: Scenario[] = (['staging', 'production'] as const).flatMap((name) => [
  { env: name, label: 'default inputs', network: CLUSTER_NETWORK_DEFAULTS, policies: () => objects(env(name), 'NetworkPolicy') as any[] },
  { env: name, label: 'narrowed inputs', network: NARROW, policies: () => narrowSynth(name) },
]);

type Node = NetworkEndpoint & { readonly end: FlowEnd | { operator: 'cnpg' | 'strimzi' } };

function population(name: EnvironmentName): Node[] {
  let seq = 1;
  const nodes: Node[] = operatorPodsOf(name).map((p) => ({ id: p.id, namespace: p.namespace, labels: p.labels, ip: `10.244.9.${seq++}`, end: { pod: p.id } }));
  for (const [key, op] of Object.entries(OPERATORS) as ['cnpg' | 'strimzi', (typeof OPERATORS)['cnpg' | 'strimzi']][]) {
    nodes.push({ id: `${key} operator`, namespace: op.namespace, labels: op.labels, ip: `10.244.9.${seq++}`, end: { operator: key } });
  }
  nodes.push({ id: 'api server', labels: {}, ip: ADDRESSES.apiServer, end: { external: 'api-server' } });
  nodes.push({ id: 'object storage', labels: {}, ip: ADDRESSES.objectStorage, end: { external: 'object-storage' } });
  nodes.push({ id: 'internet', labels: {}, ip: ADDRESSES.internet, end: { external: 'internet' } });
  return nodes;
}

/** Whether a node is what a need's end names: that pod, that operator, or any address in the input's range. */
function isEnd(node: Node, end: FlowNeed['from'], network: ClusterNetwork): boolean {
  if ('pod' in end) return 'pod' in node.end && node.end.pod === end.pod;
  if ('operator' in end) return 'operator' in node.end && node.end.operator === end.operator;
  // An address range is an address range: with the too-wide defaults (0.0.0.0/0) pods are in it too, which
  // is exactly what the defaults open and the narrowed scenarios close.
  const cidrs = end.external === 'api-server' ? network.apiServer.cidrs : end.external === 'object-storage' ? network.objectStorageCidrs : ['0.0.0.0/0'];
  return cidrs.some((c) => inCidr(node.ip, c));
}

/**
 * Why a connection is needed, judged one side at a time as NetworkPolicy does: a pod in a namespace we own
 * may send only what a need *from that pod* says, and accept only what a need *to that pod* says; pods
 * elsewhere (the operators) and addresses outside the cluster are not restricted. A need towards an
 * address range speaks for the sender only: a pod that happens to be in the range still decides itself.
 */
const ownedNamespaces = new Map<EnvironmentName, Set<string>>();
function needed(scenario: Scenario, from: Node, to: Node, port: number): { ok: boolean; why: string } {
  // Asked for every pair of nodes on every port: the namespaces are computed once per environment.
  let owned = ownedNamespaces.get(scenario.env);
  if (!owned) ownedNamespaces.set(scenario.env, (owned = new Set(namespacesOf(scenario.env).map((n) => n.name))));
  const restricted = (n: Node): boolean => n.namespace !== undefined && owned.has(n.namespace);
  const matching = OPERATOR_FLOW_NEEDS.filter(
    (need) =>
      need.ports.some((p) => (p === 'api' ? scenario.network.apiServer.ports.includes(port) : p === port)) &&
      isEnd(from, need.from, scenario.network) &&
      isEnd(to, need.to, scenario.network),
  );
  const egress = !restricted(from) || matching.some((n) => 'pod' in n.from);
  const ingress = !restricted(to) || matching.some((n) => 'pod' in n.to);
  return { ok: egress && ingress, why: matching.map((n) => n.why).join('; ') || 'nothing needs it' };
}

for (const scenario of SCENARIOS) {
  describe(`operator-created pods and their flows (${scenario.env}, ${scenario.label})`, () => {
    const nodes = population(scenario.env);
    const pods = nodes.filter((n) => n.namespace && 'pod' in n.end);

    test('every needed flow is allowed and every other one denied, on every port', () => {
      const policies = scenario.policies();
      const wrong: string[] = [];
      let allowedCount = 0;
      for (const from of nodes) {
        for (const to of nodes) {
          if (!from.namespace && !to.namespace) continue;
          for (const port of PORTS) {
            const got = allowed(policies, from, to, port);
            const { ok, why } = needed(scenario, from, to, port);
            if (got) allowedCount++;
            if (got && !ok) wrong.push(`${from.id} -> ${to.id}:${port} allowed, but ${why}`);
            if (!got && ok) wrong.push(`${from.id} -> ${to.id}:${port} denied, but needed: ${why}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(allowedCount).toBeGreaterThan(50);
    });

    test('every pod resolves names through kube-dns (UDP and TCP 53)', () => {
      const policies = scenario.policies();
      const dns: NetworkEndpoint = { id: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.8.2' };
      const nodeLocal: NetworkEndpoint = { id: 'node-local-dns', labels: {}, ip: '169.254.20.10' };
      for (const pod of pods) {
        expect([pod.id, allowed(policies, pod, dns, 53, 'UDP'), allowed(policies, pod, dns, 53, 'TCP')]).toEqual([pod.id, true, true]);
        expect([pod.id, allowed(policies, pod, nodeLocal, 53, 'UDP')]).toEqual([pod.id, scenario.network.nodeLocalDns === '169.254.20.10']);
      }
    });

    if (scenario.label === 'narrowed inputs') {
      test('with narrowed inputs, no pod that only needs the API server or object storage reaches the internet', () => {
        const policies = scenario.policies();
        const internet = nodes.find((n) => n.id === 'internet')!;
        const open = pods.filter((p) => allowed(policies, p, internet, 443)).map((p) => p.id).sort();
        expect(open).toEqual(['cert-manager controller', 'kafka connect build'].sort());
      });
    }
  });
}

describe('the operator-pod inventory', () => {
  test('every need names pods of the inventory', () => {
    const ids = new Set(OPERATOR_PODS.map((p) => p.id));
    for (const need of OPERATOR_FLOW_NEEDS) {
      for (const end of [need.from, need.to]) if ('pod' in end) expect([end.pod, ids.has(end.pod)]).toEqual([end.pod, true]);
    }
  });

  test('the pods this repository writes carry the labels the inventory gives them', () => {
    for (const name of ['staging', 'production'] as const) {
      const templates = podTemplates(objects(env(name)));
      for (const pod of operatorPodsOf(name).filter((p) => p.createdBy === 'this repository')) {
        const match = templates.find((t) => t.namespace === pod.namespace && Object.entries(pod.labels).every(([k, v]) => t.labels[k] === v));
        expect([pod.id, match !== undefined]).toEqual([pod.id, true]);
      }
    }
  });

  test('fails when a CloudNativePG Job pod loses its flows: the podRole-only selector of the seed leaves them DNS-only', () => {
    const policies = (objects(env('production'), 'NetworkPolicy') as any[]).map((p) =>
      p.metadata.namespace === 'nx-persistent' && p.spec.podSelector.matchExpressions
        ? { ...p, spec: { ...p.spec, podSelector: { matchLabels: { ...p.spec.podSelector.matchLabels, 'cnpg.io/podRole': 'instance' } } } }
        : p,
    );
    const nodes = population('production');
    const join = nodes.find((n) => n.id === 'cnpg join job')!;
    const primary = nodes.find((n) => n.id === 'cnpg instance (primary)')!;
    const api = nodes.find((n) => n.id === 'api server')!;
    expect(allowed(policies, join, primary, 5432)).toBe(false);
    expect(allowed(policies, join, api, 443)).toBe(false);
  });
});
