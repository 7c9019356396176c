import { InputError } from './errors';

/**
 * What the network policies and the edge need to know about the cluster they are applied to, and that no
 * manifest can discover: set per environment in the `network:` block of the release file
 * (lib/platform/releases/<env>.yaml). Every field has a default that works on any cluster; the defaults for
 * the API server and object storage are deliberately too wide (`0.0.0.0/0`) and are listed as open egress in
 * docs/security.md until an environment narrows them.
 */
export interface ClusterNetwork {
  /**
   * Where pods reach the Kubernetes API: the control plane's endpoint addresses (`kubectl get endpointslices
   * -n default -l kubernetes.io/service-name=kubernetes`), as CIDRs, and the ports they listen on. A
   * NetworkPolicy sees the endpoint address after the Service is translated, not the `kubernetes` Service IP.
   * @default - `0.0.0.0/0` on 443 and 6443: works everywhere, and is too wide
   */
  readonly apiServer: { readonly cidrs: readonly string[]; readonly ports: readonly number[] };
  /**
   * The cluster's pod CIDRs. Traefik trusts `X-Forwarded-For` on its public entry point only from these
   * addresses, and only ingress-nginx may reach that entry point (NetworkPolicy), so only ingress-nginx's
   * header is believed.
   * @default - `10.244.0.0/16` (kubeadm with Flannel; Calico's default is 192.168.0.0/16, Cilium's cluster-pool 10.0.0.0/8)
   */
  readonly podCidrs: readonly string[];
  /**
   * Where PostgreSQL's WAL archive and Velero's backups go (the S3 endpoint), as CIDRs, on 443.
   * @default - `0.0.0.0/0`: too wide; narrow to s3.vnpaycloud.vn's addresses
   */
  readonly objectStorageCidrs: readonly string[];
  /**
   * Address of NodeLocal DNSCache where the cluster runs it (pods then query the link-local address, which
   * no pod selector matches): the DNS policy also allows it, UDP and TCP 53.
   * @default - none: pods query kube-dns in kube-system
   */
  readonly nodeLocalDns?: string;
  /**
   * Admin UIs on public hosts (Portainer): the client address ranges allowed to reach them, and an optional
   * external authentication endpoint ingress-nginx asks before every request.
   */
  readonly admin: {
    /**
     * Client CIDRs allowed (ingress-nginx `whitelist-source-range`; the load balancer keeps client addresses).
     * @default - the private ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16: the office network or VPN only
     */
    readonly sourceRanges: readonly string[];
    /**
     * `https://` URL of an auth endpoint (oauth2-proxy `/oauth2/auth` or similar): 2xx lets a request through.
     * @default - none: Portainer's own login is the only authentication
     */
    readonly authUrl?: string;
    /**
     * `https://` URL to send an unauthenticated browser to (ingress-nginx `auth-signin`); only with `authUrl`.
     * @default - none
     */
    readonly authSignin?: string;
    /**
     * Where ingress-nginx reaches `authUrl` (its addresses, as CIDRs): ingress-nginx's egress opens the URL's
     * port to them. Only with `authUrl`.
     * @default - `0.0.0.0/0` when `authUrl` is set (too wide; narrow to the endpoint's addresses)
     */
    readonly authCidrs?: readonly string[];
  };
}

/** The TCP port of an `https://` URL. */
export function urlPort(url: string): number {
  const u = new URL(url);
  return u.port === '' ? 443 : Number(u.port);
}

export const CLUSTER_NETWORK_DEFAULTS: ClusterNetwork = {
  apiServer: { cidrs: ['0.0.0.0/0'], ports: [443, 6443] },
  podCidrs: ['10.244.0.0/16'],
  objectStorageCidrs: ['0.0.0.0/0'],
  admin: { sourceRanges: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] },
};

/** The CIDR every address is in: open to anywhere. */
export const ANYWHERE = '0.0.0.0/0';

const KEYS = ['apiServerCidrs', 'apiServerPorts', 'podCidrs', 'objectStorageCidrs', 'nodeLocalDns', 'adminSourceRanges', 'adminAuthUrl', 'adminAuthSignin', 'adminAuthCidrs'] as const;
type Key = (typeof KEYS)[number];

/** An IPv4 address in dotted-quad form. */
export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** An IPv4 CIDR whose address has no bits set beyond the prefix (as NetworkPolicy's ipBlock requires). */
export function isCanonicalCidr(value: string): boolean {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(value);
  if (!m || !isIpv4(m[1]) || Number(m[2]) > 32) return false;
  const bits = Number(m[2]);
  const n = m[1].split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n % 2 ** (32 - bits) === 0;
}

function cidrList(input: string, raw: unknown, allowEmpty: boolean): string[] {
  const allowed = `allowed: a list of IPv4 CIDRs with no host bits set, e.g. [10.0.0.0/24]${allowEmpty ? '' : ', at least one'}`;
  if (!Array.isArray(raw) || (!allowEmpty && raw.length === 0)) throw new InputError(input, raw, allowed);
  for (const c of raw) if (typeof c !== 'string' || !isCanonicalCidr(c)) throw new InputError(input, c, allowed);
  return [...new Set(raw as string[])];
}

function httpsUrl(input: string, raw: unknown): string {
  const allowed = 'allowed: an https:// URL without credentials, e.g. https://auth.bana.com.vn/oauth2/auth';
  if (typeof raw !== 'string' || /\s|"/.test(raw)) throw new InputError(input, raw, allowed);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(input, raw, allowed);
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') throw new InputError(input, raw, allowed);
  return raw;
}

/** The `network:` block of a release file, validated, with defaults for what it leaves out. */
export function parseClusterNetwork(input: string, raw: unknown): ClusterNetwork {
  if (raw === undefined || raw === null) return CLUSTER_NETWORK_DEFAULTS;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(input, raw, `allowed: a mapping with ${KEYS.join(', ')}`);
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new InputError(`${input} key`, key, `allowed: ${KEYS.join(', ')}`);
  }
  const has = (key: Key): boolean => record[key] !== undefined && record[key] !== null;
  const d = CLUSTER_NETWORK_DEFAULTS;
  let ports = d.apiServer.ports;
  if (has('apiServerPorts')) {
    const p = record.apiServerPorts;
    const allowed = 'allowed: a non-empty list of TCP ports (1-65535), e.g. [6443]';
    if (!Array.isArray(p) || p.length === 0) throw new InputError(`${input}.apiServerPorts`, p, allowed);
    for (const x of p) if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > 65535) throw new InputError(`${input}.apiServerPorts`, x, allowed);
    ports = [...new Set(p as number[])].sort((a, b) => a - b);
  }
  let nodeLocalDns: string | undefined;
  if (has('nodeLocalDns')) {
    const v = record.nodeLocalDns;
    if (typeof v !== 'string' || !isIpv4(v)) throw new InputError(`${input}.nodeLocalDns`, v, 'allowed: the IPv4 address NodeLocal DNSCache listens on, e.g. 169.254.20.10');
    nodeLocalDns = v;
  }
  const authUrl = has('adminAuthUrl') ? httpsUrl(`${input}.adminAuthUrl`, record.adminAuthUrl) : undefined;
  const authSignin = has('adminAuthSignin') ? httpsUrl(`${input}.adminAuthSignin`, record.adminAuthSignin) : undefined;
  if (authSignin && !authUrl) throw new InputError(`${input}.adminAuthSignin`, authSignin, 'allowed: only together with adminAuthUrl');
  const authCidrs = has('adminAuthCidrs') ? cidrList(`${input}.adminAuthCidrs`, record.adminAuthCidrs, false) : authUrl ? [ANYWHERE] : undefined;
  if (authCidrs && !authUrl) throw new InputError(`${input}.adminAuthCidrs`, authCidrs, 'allowed: only together with adminAuthUrl');
  const sourceRanges = has('adminSourceRanges') ? cidrList(`${input}.adminSourceRanges`, record.adminSourceRanges, false) : d.admin.sourceRanges;
  if (sourceRanges.includes(ANYWHERE)) {
    throw new InputError(`${input}.adminSourceRanges`, ANYWHERE, 'allowed: the admins\' own ranges; an admin UI open to every address is what the allow-list exists to prevent');
  }
  return {
    apiServer: { cidrs: has('apiServerCidrs') ? cidrList(`${input}.apiServerCidrs`, record.apiServerCidrs, false) : d.apiServer.cidrs, ports },
    podCidrs: has('podCidrs') ? cidrList(`${input}.podCidrs`, record.podCidrs, false) : d.podCidrs,
    objectStorageCidrs: has('objectStorageCidrs') ? cidrList(`${input}.objectStorageCidrs`, record.objectStorageCidrs, false) : d.objectStorageCidrs,
    nodeLocalDns,
    admin: { sourceRanges, authUrl, authSignin, authCidrs },
  };
}
