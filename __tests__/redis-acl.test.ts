import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { SERVICES } from '../lib/platform/services';
import { env, find, tempDir } from './helpers';
import { clusterCommand, makeTestCertificates, TestCertificates, tlsCommands } from './tls-fixtures';

/**
 * The Redis ConfigMap run for real: Debian's redis-server and redis-cli, six nodes of the production
 * configuration on 127.0.0.1, on ports picked free at run time (two runs on one machine must not meet): a plain
 * one standing in for the pods' 6379, a TLS one for 6380 and a bus one for 16379 per node, prepare.sh and create-cluster.sh exactly as generated (paths moved into
 * a temp dir; `getent` answers the pod DNS names with stand-in addresses, and a redis-cli wrapper maps those
 * names, addresses and 6380 to the node's TLS port). The certificate is made here with openssl for the SANs
 * of the generated Certificate `nx-redis-tls`. The cluster forms over TLS; every user does what its ACL
 * allows and nothing else, over TLS; a client verifying the CA and the names follows MOVED.
 */

const server = spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], { encoding: 'utf8' });
const available = server.status === 0;
if (!available) console.log('redis ACL behaviour: skipped (redis-server/redis-cli not installed; .ci/run installs Debian redis-server)');

const NODES = 6;
/** Three ports per node (plain, TLS, bus), picked in beforeAll before anything uses them. */
const picked: number[] = [];
const port = (i: number) => picked[i];
const tlsPort = (i: number) => picked[NODES + i];
const busPort = (i: number) => picked[2 * NODES + i];

/** Whether 127.0.0.1:<p> can be bound right now. */
const canBind = (p: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(p, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
/** `count` distinct ports in 10000-29999 that are free now: below Linux's ephemeral range (32768+). */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const p = 10000 + Math.floor(Math.random() * 20000);
    if (!ports.includes(p) && (await canBind(p))) ports.push(p);
  }
  return ports;
}
/** The address getent gives the Job for pod i (mapped back to 127.0.0.1:<port> by the wrapper). */
const podIp = (i: number) => `10.99.0.${10 + i}`;
const domain = 'nx-redis-headless.nx-broker.svc.cluster.local';
const host = (i: number) => `nx-redis-${i}.${domain}`;
/** Passwords for the test: one per password file, distinct, in the allowed alphabet. */
const passwordOf = (file: string) => `pw_${file.replace(/[^A-Za-z0-9]/g, '_')}_x`;

/**
 * One TLS connection to a node speaking RESP2, made as redis-cli makes it with `--tls --cacert <ca> -h 127.0.0.1`:
 * the chain is verified against the CA and the host name is not checked (hiredis 1.x ssl.c, vendored by
 * Redis 7.0: `redisCreateSSLContext` sets SSL_VERIFY_PEER with the CA file, and the server name is only
 * the optional SNI of `--sni`; nothing compares it with the certificate). Replies come back in order, each
 * as redis-cli prints it when its output is not a terminal (`cliFormatReplyRaw`, redis-cli.c 7.0): an
 * error's or status's text, an integer's digits, a nil as '', a bulk string as is, an array's elements one
 * per line (nested ones flattened).
 */
class RespConnection {
  private readonly socket: tls.TLSSocket;
  private buffer = Buffer.alloc(0);
  private failure: string | undefined;
  private readonly waiting: ((reply: string) => void)[] = [];

  constructor(port: number, ca: string) {
    this.socket = tls.connect({ host: '127.0.0.1', port, ca: [ca], checkServerIdentity: () => undefined });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = RespConnection.parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiting.shift()?.(parsed.text);
      }
    });
    // A refused handshake or a dropped connection answers every pending and later command with the reason,
    // which no assertion here takes for an allowed or a denied command.
    this.socket.on('error', (e) => {
      this.failure = `ERR connection: ${e.message}`;
      for (const w of this.waiting.splice(0)) w(this.failure);
    });
  }

  send(args: readonly string[]): Promise<string> {
    if (this.failure) return Promise.resolve(this.failure);
    this.socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  /** One reply from `at`: its text as redis-cli prints it, and where it ends; undefined until complete. */
  private static parse(b: Buffer, at: number): { text: string; end: number } | undefined {
    const eol = b.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const line = b.toString('utf8', at + 1, eol);
    switch (String.fromCharCode(b[at])) {
      case '+':
      case '-':
      case ':':
        return { text: line, end: eol + 2 };
      case '$': {
        const n = Number(line);
        if (n < 0) return { text: '', end: eol + 2 };
        if (b.length < eol + 2 + n + 2) return undefined;
        return { text: b.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
      }
      case '*': {
        const n = Number(line);
        const items: string[] = [];
        let end = eol + 2;
        for (let k = 0; k < n; k++) {
          const item = RespConnection.parse(b, end);
          if (!item) return undefined;
          items.push(item.text);
          end = item.end;
        }
        return { text: items.join('\n'), end };
      }
      default:
        throw new Error(`not a RESP reply: ${JSON.stringify(b.toString('utf8', at, eol))}`);
    }
  }
}

(available ? describe : describe.skip)('Redis ACL users against real redis-server (production config, 6 nodes)', () => {
  const dir = tempDir('bana-redis-acl-');
  const servers: ChildProcess[] = [];
  let rules: string[][] = [];
  let created: ReturnType<typeof spawnSync>;
  let certs: TestCertificates;
  let dnsNames: string[] = [];

  /** redis-cli over TLS to node i's TLS port, verifying the CA (what services, replicas and the Job use). */
  const run = (i: number, user: string | undefined, password: string, ...args: string[]) =>
    spawnSync('redis-cli', ['--tls', '--cacert', certs.files['ca.crt'], '-h', '127.0.0.1', '-p', String(tlsPort(i)), ...(user ? ['--user', user] : []), '--no-auth-warning', '-a', password, ...args], { encoding: 'utf8', timeout: 10000 });
  /** The runbook's plain redis-cli on the node's plain port (inside the pod: 127.0.0.1:6379). */
  const plain = (i: number, password: string, ...args: string[]) =>
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port(i)), '--no-auth-warning', '-a', password, ...args], { encoding: 'utf8', timeout: 10000 }).stdout.trim();
  /**
   * A command to node i over TLS as user (or default) with password, answered as redis-cli --tls prints it
   * (trimmed, as `run(...).stdout.trim()`). The hundreds of commands the ACL checks send go over one
   * connection per node, user and password, authenticated as redis-cli `-a` does (`AUTH [user] password`
   * first), instead of a redis-cli process each: a process with its TLS handshake per command made this suite
   * the slowest of the run. The real redis-cli still runs where its own behaviour is what is checked: the
   * runbook's calls, the wrong-password refusal, a plain client on the TLS port, create-cluster.sh.
   */
  const cli = async (i: number, user: string | undefined, password: string, ...args: string[]) => (await connection(i, user, password).send(args)).trim();
  const connections = new Map<string, RespConnection>();
  const connection = (i: number, user: string | undefined, password: string): RespConnection => {
    const key = `${i} ${user ?? ''} ${password}`;
    let c = connections.get(key);
    if (!c) {
      c = new RespConnection(tlsPort(i), certs.data['ca.crt']);
      // redis-cli -a: a refused AUTH is reported and the command still sent (then answered NOAUTH).
      void c.send(user ? ['AUTH', user, password] : ['AUTH', password]);
      connections.set(key, c);
    }
    return c;
  };
  /** Sends a command to every node at once: [answers]; a key's owner answers, the others redirect (MOVED). */
  const everywhere = (user: string | undefined, password: string, ...args: string[]) => Promise.all(Array.from({ length: NODES }, (_, i) => cli(i, user, password, ...args)));
  const allowed = (answers: string[]) => answers.some((a) => !/^(MOVED|NOPERM|ERR|WRONGPASS|NOAUTH)/.test(a) && a !== '') && answers.every((a) => !a.startsWith('NOPERM'));
  const denied = (answers: string[]) => answers.every((a) => a.startsWith('NOPERM'));

  /**
   * Picks free ports, writes the redis-cli wrapper and each node's configuration, starts the six servers and
   * waits until each listens on its plain and TLS ports. False, with every server stopped, when one exited
   * first (a port taken between picking and binding).
   */
  const startNodes = async (data: Record<string, string>): Promise<boolean> => {
    picked.splice(0, picked.length, ...(await freePorts(3 * NODES)));
    // redis-cli as the Job runs it, with the pod DNS names resolved by the same table.
    const real = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).stdout.trim();
    const ports = Array.from({ length: NODES }, (_, i) => `${host(i)}) port=${tlsPort(i)} ;;`).join(' ');
    const names = Array.from({ length: NODES }, (_, i) => `${host(i)}) a=127.0.0.1 ;; ${podIp(i)}:6380) a=127.0.0.1:${tlsPort(i)} ;;`).join(' ');
    fs.writeFileSync(
      path.join(dir, 'bin', 'redis-cli'),
      `#!/bin/sh\nport=6380\nfor a in "$@"; do case "$a" in ${ports} esac; done\nn=$#; i=0; prev=\nwhile [ $i -lt $n ]; do a=$1; shift; orig=$a; case "$a" in ${names} esac; [ "$prev" = "-p" ] && a=$port; set -- "$@" "$a"; prev=$orig; i=$((i+1)); done\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );

    for (let i = 0; i < NODES; i++) {
      const node = path.join(dir, `node${i}`);
      // A new attempt starts from empty folders (no nodes.conf of a server that could not bind).
      fs.rmSync(node, { recursive: true, force: true });
      for (const d of ['etc', 'run', 'data']) fs.mkdirSync(path.join(node, d), { recursive: true });
      // One loopback address per node instead of one pod each: bind and paths are the only changes.
      const conf = data['redis.conf']
        .replace(/^port 6379$/m, `port ${port(i)}`)
        .replace(/^tls-port 6380$/m, `tls-port ${tlsPort(i)}`)
        .replace(/^cluster-port 16379$/m, `cluster-port ${busPort(i)}`)
        .replace(/\/etc\/redis-tls\//g, `${certs.dir}/`)
        .replace(/\/data/g, `${node}/data`);
      fs.writeFileSync(path.join(node, 'etc', 'redis.conf'), conf);
      fs.writeFileSync(path.join(node, 'etc', 'users.rules'), data['users.rules']);
      const prepare = data['prepare.sh']
        .replace(/\/etc\/redis-secrets/g, path.join(dir, 'secrets'))
        .replace(/\/etc\/redis\//g, `${node}/etc/`)
        .replace(/\/run\/redis\//g, `${node}/run/`)
        .replace(/\/data\//g, `${node}/data/`);
      const result = spawnSync('sh', ['-c', prepare], { encoding: 'utf8', env: { PATH: process.env.PATH, POD_IP: '127.0.0.1', POD_NAME: `nx-redis-${i}`, CLUSTER_DOMAIN: domain } });
      if (result.status !== 0) throw new Error(`prepare.sh failed on node ${i}: ${result.stderr}`);
      servers.push(spawn('redis-server', [path.join(node, 'run', 'redis.conf')], { stdio: 'ignore' }));
    }
    const listening = (p: number) =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(p, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
    for (let t = 0; t < 200; t++) {
      if (servers.some((s) => s.exitCode !== null || s.signalCode !== null)) break;
      const up = await Promise.all(Array.from({ length: NODES }, async (_, i) => (await listening(port(i))) && (await listening(tlsPort(i)))));
      if (up.every(Boolean)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopServers();
    return false;
  };

  const stopServers = async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.exitCode !== null || s.signalCode !== null ? resolve() : (s.once('exit', () => resolve()), s.kill('SIGTERM'))))));
    servers.length = 0;
  };

  beforeAll(async () => {
    const data = find(env('production'), 'ConfigMap', 'nx-redis-config').data as Record<string, string>;
    rules = data['users.rules'].split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' '));
    fs.mkdirSync(path.join(dir, 'secrets'));
    for (const [, file] of rules) fs.writeFileSync(path.join(dir, 'secrets', file), passwordOf(file));
    dnsNames = find(env('production'), 'Certificate', 'nx-redis-tls').spec.dnsNames;
    certs = makeTestCertificates(path.join(dir, 'tls'), dnsNames);
    fs.mkdirSync(path.join(dir, 'bin'));
    const table = Array.from({ length: NODES }, (_, i) => `${host(i)}) echo "${podIp(i)}      ${host(i)}" ;;`).join('\n');
    fs.writeFileSync(path.join(dir, 'bin', 'getent'), `#!/bin/sh\ncase "$2" in\n${table}\n*) exit 2 ;;\nesac\n`, { mode: 0o755 });
    // Ports are picked free, but another process may bind one before its server does: then that server exits,
    // and every node starts again on new ports (the wrapper below and each config name them).
    for (let attempt = 1; !(await startNodes(data)); attempt++) {
      if (attempt === 3) throw new Error('redis-server could not bind its ports three times over (ports taken as they were picked)');
    }
    const script = createScript();
    created = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 120000, env: { PATH: `${dir}/bin:${process.env.PATH}`, REDISCLI_AUTH: passwordOf('admin-password') } });
    // Replicas authenticate to their masters as nx-replication: wait for every link (asked every 100 ms over
    // the kept connections: the wait is this test's, not the Job's).
    for (let t = 0; t < 300; t++) {
      const links = await Promise.all(Array.from({ length: NODES }, (_, i) => cli(i, 'nx-admin', passwordOf('admin-password'), 'info', 'replication')));
      if (links.filter((l) => /master_link_status:up/.test(l)).length === NODES / 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 180000);

  // Waits for every server to exit before the file's temp folder goes: a Redis whose data folder is removed
  // while it saves on shutdown refuses to exit and keeps its port.
  afterAll(async () => {
    for (const c of connections.values()) c.close();
    await stopServers();
  });

  /** create-cluster.sh as generated, with the CA where this test keeps it. */
  const createScript = () => find(env('production'), 'ConfigMap', 'nx-redis-config').data['create-cluster.sh'].replace(/\/etc\/redis-tls\//g, `${certs.dir}/`);

  test('create-cluster.sh forms the cluster as nx-admin over TLS, and a second run changes nothing', async () => {
    expect({ status: created.status, out: String(created.stdout).trim().split('\n').pop() }).toEqual({ status: 0, out: 'cluster created: 6 nodes, 1 replica(s) per master' });
    const again = spawnSync('sh', ['-c', createScript()], {
      encoding: 'utf8',
      timeout: 60000,
      env: { PATH: `${dir}/bin:${process.env.PATH}`, REDISCLI_AUTH: passwordOf('admin-password') },
    });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('cluster already created');
    for (let i = 0; i < NODES; i++) expect(await cli(i, undefined, passwordOf('password'), 'cluster', 'info')).toContain('cluster_state:ok');
  });

  test('replicas sync from their masters as nx-replication over TLS (masteruser/masterauth, tls-replication)', async () => {
    const roles = await Promise.all(Array.from({ length: NODES }, (_, i) => cli(i, 'nx-admin', passwordOf('admin-password'), 'info', 'replication')));
    const replicas = roles.filter((r) => /role:slave/.test(r));
    expect(replicas).toHaveLength(NODES / 2);
    for (const r of replicas) {
      expect(r).toContain('master_link_status:up');
      // The master's TLS port: tls-replication connects there (cluster_legacy.c getNodeDefaultReplicationPort).
      expect(r).toMatch(new RegExp(`master_port:(${Array.from({ length: NODES }, (_, i) => tlsPort(i)).join('|')})\\r?\\n`));
    }
  });

  test('a TLS client is told TLS ports and pod names, and a plain one plain ports (CLUSTER SLOTS, MOVED)', async () => {
    const admin = passwordOf('admin-password');
    const overTls = await cli(0, 'nx-admin', admin, 'cluster', 'slots');
    // Every slot range's master is named by its pod name (replicas join the list as gossip reaches node 0);
    // the address is only metadata (`ip`) beside it.
    const named = Array.from({ length: NODES }, (_, i) => host(i)).filter((h) => overTls.includes(h));
    expect(named.length).toBeGreaterThanOrEqual(NODES / 2);
    expect(overTls).toMatch(new RegExp(`^${tlsPort(1)}$`, 'm'));
    expect(overTls).not.toMatch(new RegExp(`^${port(1)}$`, 'm'));
    const overPlain = plain(0, passwordOf('password'), 'cluster', 'slots');
    expect(overPlain).toMatch(new RegExp(`^${port(1)}$`, 'm'));
    expect(overPlain).not.toMatch(new RegExp(`^${tlsPort(1)}$`, 'm'));
  });

  test("a service's client verifying the CA and every node's name writes and reads through MOVED; a wrong name or another CA is refused", async () => {
    const user = 'nx-sale';
    const lookup = (name: string) => (dnsNames.includes(name) ? '127.0.0.1' : 'no-such-host.invalid');
    // The seed as REDIS_NODES names it (the client Service; here node 0's TLS port stands in for it).
    const seed = `${dnsNames[0]}:${tlsPort(0)}`;
    const key = 'sale:tls-check';
    const nodeOf = new Map(Array.from({ length: NODES }, (_, i) => [`${host(i)}:${tlsPort(i)}`, i]));
    const moves: string[][] = [];
    for (const k of [key, 'sale:{b}', 'sale:{c}']) {
      const set = await clusterCommand(seed, certs.data['ca.crt'], lookup, [user, passwordOf(user)], ['SET', k, 'v1']);
      expect(set.reply).toEqual({ type: '+', value: 'OK' });
      const get = await clusterCommand(seed, certs.data['ca.crt'], lookup, [user, passwordOf(user)], ['GET', k]);
      expect(get.reply).toEqual({ type: '$', value: 'v1' });
      // Every hop after the seed is a pod name and a TLS port, as CLUSTER SLOTS announced.
      for (const hop of get.path.slice(1)) expect(nodeOf.has(hop)).toBe(true);
      moves.push(get.path);
    }
    // At least one of the three keys lives away from the seed: the redirect was followed, verified.
    expect(moves.some((p) => p.length > 1)).toBe(true);
    // The same node under a name the certificate does not carry, or with another CA: refused.
    await expect(tlsCommands('nx-redis-0.elsewhere.svc.cluster.local', tlsPort(0), certs.data['ca.crt'], () => '127.0.0.1', [['PING']])).rejects.toThrow(/altnames|Hostname/i);
    const other = makeTestCertificates(path.join(dir, 'other-ca'), ['x.invalid']);
    await expect(tlsCommands(dnsNames[1], tlsPort(0), other.data['ca.crt'], lookup, [['PING']])).rejects.toThrow(/certificate/i);
  });

  test('the TLS port refuses a plain client, and a client without a certificate is let in (tls-auth-clients optional)', async () => {
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(tlsPort(0)), '--no-auth-warning', '-a', passwordOf('password'), 'ping'], { encoding: 'utf8', timeout: 10000 });
    expect(`${r.stdout}${r.stderr}`).not.toContain('PONG');
    expect(run(0, undefined, passwordOf('password'), 'ping').stdout.trim()).toBe('PONG');
  });

  test("the runbook's `redis-cli -a $REDIS_PASSWORD` works as written on the plain loopback port (user default)", async () => {
    const pw = passwordOf('password');
    expect(plain(0, pw, 'ping')).toBe('PONG');
    expect(plain(0, pw, 'cluster', 'info')).toContain('cluster_state:ok');
    expect(plain(0, pw, 'set', 'sale:1', 'x')).toMatch(/^NOPERM/);
  });

  test("the runbook's user `default` reads and inspects over TLS too, and changes nothing", async () => {
    const pw = passwordOf('password');
    expect(await cli(0, undefined, pw, 'ping')).toBe('PONG');
    expect(await cli(0, undefined, pw, 'cluster', 'info')).toContain('cluster_state:ok');
    expect(await cli(0, undefined, pw, 'info', 'server')).toContain('redis_version');
    // A read is answered (an empty reply: no such key) by the key's node, redirected by the others.
    const get = await everywhere(undefined, pw, 'get', 'sale:1');
    expect(get.filter((a) => a === '')).toHaveLength(1);
    expect(get.filter((a) => a.startsWith('MOVED'))).toHaveLength(NODES - 1);
    expect(denied(await everywhere(undefined, pw, 'set', 'sale:1', 'x'))).toBe(true);
    expect(denied(await everywhere(undefined, pw, 'flushall'))).toBe(true);
    expect(denied(await everywhere(undefined, pw, 'config', 'get', 'maxmemory'))).toBe(true);
    expect(denied(await everywhere(undefined, pw, 'acl', 'list'))).toBe(true);
  });

  test('nx-admin administers; nx-replication can do nothing but replicate; a wrong password is refused', async () => {
    expect(await cli(0, 'nx-admin', passwordOf('admin-password'), 'config', 'get', 'maxmemory-policy')).toContain('noeviction');
    expect(denied(await everywhere('nx-replication', passwordOf('replication-password'), 'get', 'sale:1'))).toBe(true);
    for (const password of ['wrong', passwordOf('nx-payment-api')]) {
      const refused = run(0, 'nx-sale', password, 'ping');
      expect(refused.stderr).toMatch(/AUTH failed: WRONGPASS/);
      expect(refused.stdout).toMatch(/^NOAUTH/);
    }
  });

  const redisServices = SERVICES.filter((s) => (s.uses ?? []).includes('redis'));
  test.each(redisServices.map((s) => [s.name]))('%s: its user reads and writes its own keys only, and runs no dangerous command', async (name) => {
    const service = redisServices.find((s) => s.name === name)!;
    const user = `nx-${name}`;
    const pw = passwordOf(user);
    for (const pattern of service.redis!.keys) {
      const key = pattern.replace(/\*$/, 'k1');
      expect({ key, set: allowed(await everywhere(user, pw, 'set', key, 'v')) }).toEqual({ key, set: true });
      expect({ key, get: (await everywhere(user, pw, 'get', key)).includes('v') }).toEqual({ key, get: true });
      expect({ key, del: allowed(await everywhere(user, pw, 'del', key)) }).toEqual({ key, del: true });
    }
    for (const other of redisServices.filter((o) => o.redis!.keys.every((k) => !service.redis!.keys.includes(k)))) {
      const key = other.redis!.keys[0].replace(/\*$/, 'k1');
      expect({ key, get: denied(await everywhere(user, pw, 'get', key)), set: denied(await everywhere(user, pw, 'set', key, 'x')) }).toEqual({ key, get: true, set: true });
    }
    for (const cmd of [['flushall'], ['keys', '*'], ['config', 'set', 'maxmemory', '0'],  ['save'], ['client', 'kill', 'id', '999999'], ['cluster', 'forget', 'x'], ['acl', 'list'], ['cluster', 'reset']]) {
      expect({ cmd: cmd.join(' '), denied: denied(await everywhere(user, pw, ...cmd)) }).toEqual({ cmd: cmd.join(' '), denied: true });
    }
    // What a cluster-aware client reads to find the slots.
    expect(await cli(0, user, pw, 'cluster', 'slots')).not.toMatch(/NOPERM/);
    expect(await cli(0, user, pw, 'cluster', 'shards')).not.toMatch(/NOPERM/);
    // Pub/sub only where the catalogue grants it, and then only on its own channels.
    const pubsub = (service.redis!.categories ?? []).includes('pubsub');
    expect({ pubsub, denied: denied(await everywhere(user, pw, 'publish', 'other:channel', 'x')) }).toEqual({ pubsub, denied: true });
  });

  test('signal publishes on its own channels only', async () => {
    const pw = passwordOf('nx-signal');
    expect(await cli(0, 'nx-signal', pw, 'publish', 'signal:news', 'x')).toMatch(/^\d+$/);
    expect(await cli(0, 'nx-signal', pw, 'publish', 'sale:news', 'x')).toMatch(/NOPERM/);
    expect(await cli(0, 'nx-sale', passwordOf('nx-sale'), 'publish', 'sale:news', 'x')).toMatch(/NOPERM/);
  });

  test('protected mode stays on, and every user, having a password, still gets in', async () => {
    expect(await cli(0, 'nx-admin', passwordOf('admin-password'), 'config', 'get', 'protected-mode')).toContain('yes');
    for (const [user, file] of rules) expect({ user, ping: await cli(0, user, passwordOf(file), 'ping') }).toEqual({ user, ping: 'PONG' });
  });
});
