import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { SERVICES } from '../lib/platform/services';
import { env, find, tempDir } from './helpers';

/**
 * The Redis ConfigMap run for real: Debian's redis-server and redis-cli, six nodes of the production
 * configuration on 127.0.0.1 ports picked free at run time (bus +10000) standing in for the pods' 6379, prepare.sh and
 * create-cluster.sh exactly as generated (paths moved into a temp dir; `getent` answers the pod DNS names with
 * stand-in addresses, and a redis-cli wrapper maps those names, addresses and 6379 to the node's port). Then
 * every user does what its ACL allows and nothing else.
 */

const server = spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], { encoding: 'utf8' });
const available = server.status === 0;
if (!available) console.log('redis ACL behaviour: skipped (redis-server/redis-cli not installed; .ci/run installs Debian redis-server)');

const NODES = 6;
/** Each node's port, picked at run time (two runs on one machine must not meet): see startNode. */
const ports: number[] = [];
const port = (i: number) => ports[i];

/** Whether 127.0.0.1:<p> can be bound right now. */
const canBind = (p: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(p, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
/** A port in 10000-19999 free now, with its cluster bus port (+10000) free too: both below Linux's ephemeral range (32768+). */
async function freePortPair(taken: readonly number[]): Promise<number> {
  for (;;) {
    const p = 10000 + Math.floor(Math.random() * 10000);
    if (!taken.includes(p) && (await canBind(p)) && (await canBind(p + 10000))) return p;
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The address getent gives the Job for pod i (mapped back to 127.0.0.1:<port> by the wrapper). */
const podIp = (i: number) => `10.99.0.${10 + i}`;
const domain = 'nx-redis-headless.nx-broker.svc.cluster.local';
const host = (i: number) => `nx-redis-${i}.${domain}`;
/** Passwords for the test: one per password file, distinct, in the allowed alphabet. */
const passwordOf = (file: string) => `pw_${file.replace(/[^A-Za-z0-9]/g, '_')}_x`;

/** One connection to a Redis server speaking RESP2; replies come back in order, as redis-cli prints them. */
class RespConnection {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private readonly waiting: ((reply: string) => void)[] = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = RespConnection.parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiting.shift()?.(parsed.text);
      }
    });
    this.socket.on('error', (e) => {
      for (const w of this.waiting.splice(0)) w(`ERR connection: ${e.message}`);
    });
  }

  send(args: readonly string[]): Promise<string> {
    const parts = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`);
    this.socket.write(`*${args.length}\r\n${parts.join('')}`);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  /** One reply from `at`: its text as redis-cli prints it outside a terminal, and where it ends; undefined until complete. */
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

  const run = (i: number, user: string | undefined, password: string, ...args: string[]) =>
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port(i)), ...(user ? ['--user', user] : []), '--no-auth-warning', '-a', password, ...args], { encoding: 'utf8', timeout: 10000 });
  const cli = (i: number, user: string | undefined, password: string, ...args: string[]) => run(i, user, password, ...args).stdout.trim();
  /**
   * Sends a command to every node at once: [answers]; a key's owner answers, the others redirect (MOVED). The
   * hundreds of commands the ACL tests send go over one connection per node and user, authenticated as
   * redis-cli does (`AUTH [user] password`), and each reply is read as redis-cli prints it when its output is
   * not a terminal: an error's text, a nil as '', an array's elements one per line. (A redis-cli process per
   * command made this suite the slowest of the run, nearly all of it process start-up.)
   */
  const everywhere = (user: string | undefined, password: string, ...args: string[]) => Promise.all(Array.from({ length: NODES }, (_, i) => connection(i, user, password).send(args)));
  const connections = new Map<string, RespConnection>();
  const connection = (i: number, user: string | undefined, password: string): RespConnection => {
    const key = `${i} ${user ?? ''} ${password}`;
    let c = connections.get(key);
    if (!c) {
      c = new RespConnection(port(i));
      void c.send(user ? ['AUTH', user, password] : ['AUTH', password]);
      connections.set(key, c);
    }
    return c;
  };
  const allowed = (answers: string[]) => answers.some((a) => !/^(MOVED|NOPERM|ERR|WRONGPASS|NOAUTH)/.test(a) && a !== '') && answers.every((a) => !a.startsWith('NOPERM'));
  const denied = (answers: string[]) => answers.every((a) => a.startsWith('NOPERM'));

  beforeAll(async () => {
    const data = find(env('production'), 'ConfigMap', 'nx-redis-config').data as Record<string, string>;
    rules = data['users.rules'].split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(' '));
    fs.mkdirSync(path.join(dir, 'secrets'));
    for (const [, file] of rules) fs.writeFileSync(path.join(dir, 'secrets', file), passwordOf(file));
    fs.mkdirSync(path.join(dir, 'bin'));
    const table = Array.from({ length: NODES }, (_, i) => `${host(i)}) echo "${podIp(i)}      ${host(i)}" ;;`).join('\n');
    fs.writeFileSync(path.join(dir, 'bin', 'getent'), `#!/bin/sh\ncase "$2" in\n${table}\n*) exit 2 ;;\nesac\n`, { mode: 0o755 });
    // redis-cli as the Job runs it, with the pod DNS names resolved by the same table (written once the ports are known).
    const writeRedisCli = () => {
      const real = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).stdout.trim();
      const portCases = Array.from({ length: NODES }, (_, i) => `${host(i)}) port=${port(i)} ;;`).join(' ');
      const names = Array.from({ length: NODES }, (_, i) => `${host(i)}) a=127.0.0.1 ;; ${podIp(i)}:6379) a=127.0.0.1:${port(i)} ;;`).join(' ');
      fs.writeFileSync(
        path.join(dir, 'bin', 'redis-cli'),
        `#!/bin/sh\nport=6379\nfor a in "$@"; do case "$a" in ${portCases} esac; done\nn=$#; i=0; prev=\nwhile [ $i -lt $n ]; do a=$1; shift; orig=$a; case "$a" in ${names} esac; [ "$prev" = "-p" ] && a=$port; set -- "$@" "$a"; prev=$orig; i=$((i+1)); done\nexec ${real} "$@"\n`,
        { mode: 0o755 },
      );
    };

    // A port free when picked may be taken before redis-server binds it (another run): then that server exits
    // and the node starts again on another port; a server answering on the port is only accepted if its
    // process_id is ours. The nodes start concurrently.
    const startNode = async (i: number): Promise<ChildProcess> => {
      for (let attempt = 0; attempt < 20; attempt++) {
        ports[i] = await freePortPair(ports.filter((_, j) => j !== i));
        const child = launch(i);
        for (let t = 0; t < 200 && child.exitCode === null && child.signalCode === null; t++) {
          if (new RegExp(`^process_id:${child.pid}\\s*$`, 'm').test(cli(i, 'nx-admin', passwordOf('admin-password'), 'info', 'server'))) return child;
          await sleep(50);
        }
        await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL'))));
      }
      throw new Error(`redis-server node ${i} did not start on a free port in 20 attempts`);
    };
    const launch = (i: number): ChildProcess => {
      const node = path.join(dir, `node${i}`);
      fs.rmSync(node, { recursive: true, force: true });
      for (const d of ['etc', 'run', 'data']) fs.mkdirSync(path.join(node, d), { recursive: true });
      // One loopback address per node instead of one pod each: bind and paths are the only changes.
      const conf = data['redis.conf'].replace(/^port 6379$/m, `port ${port(i)}`).replace(/\/data/g, `${node}/data`);
      fs.writeFileSync(path.join(node, 'etc', 'redis.conf'), conf);
      fs.writeFileSync(path.join(node, 'etc', 'users.rules'), data['users.rules']);
      const prepare = data['prepare.sh']
        .replace(/\/etc\/redis-secrets/g, path.join(dir, 'secrets'))
        .replace(/\/etc\/redis\//g, `${node}/etc/`)
        .replace(/\/run\/redis\//g, `${node}/run/`)
        .replace(/\/data\//g, `${node}/data/`);
      const result = spawnSync('sh', ['-c', prepare], { encoding: 'utf8', env: { PATH: process.env.PATH, POD_IP: '127.0.0.1', POD_NAME: `nx-redis-${i}`, CLUSTER_DOMAIN: domain } });
      if (result.status !== 0) throw new Error(`prepare.sh failed on node ${i}: ${result.stderr}`);
      const child = spawn('redis-server', [path.join(node, 'run', 'redis.conf')], { stdio: 'ignore' });
      servers.push(child);
      return child;
    };
    await Promise.all(Array.from({ length: NODES }, (_, i) => startNode(i)));
    writeRedisCli();
    const script = data['create-cluster.sh'];
    created = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 120000, env: { PATH: `${dir}/bin:${process.env.PATH}`, REDISCLI_AUTH: passwordOf('admin-password') } });
    // Replicas authenticate to their masters as nx-replication: wait for every link.
    for (let t = 0; t < 60; t++) {
      const links = Array.from({ length: NODES }, (_, i) => cli(i, 'nx-admin', passwordOf('admin-password'), 'info', 'replication'));
      if (links.filter((l) => /master_link_status:up/.test(l)).length === NODES / 2) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 180000);

  // Waits for every server to exit before the file's temp folder goes: a Redis whose data folder is removed
  // while it saves on shutdown refuses to exit and keeps its port.
  afterAll(async () => {
    for (const c of connections.values()) c.close();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.exitCode !== null || s.signalCode !== null ? resolve() : (s.once('exit', () => resolve()), s.kill('SIGTERM'))))));
  });

  test('create-cluster.sh forms the cluster as nx-admin, and a second run changes nothing', () => {
    expect({ status: created.status, out: String(created.stdout).trim().split('\n').pop() }).toEqual({ status: 0, out: 'cluster created: 6 nodes, 1 replica(s) per master' });
    const again = spawnSync('sh', ['-c', find(env('production'), 'ConfigMap', 'nx-redis-config').data['create-cluster.sh']], {
      encoding: 'utf8',
      timeout: 60000,
      env: { PATH: `${dir}/bin:${process.env.PATH}`, REDISCLI_AUTH: passwordOf('admin-password') },
    });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('cluster already created');
    for (let i = 0; i < NODES; i++) expect(cli(i, undefined, passwordOf('password'), 'cluster', 'info')).toContain('cluster_state:ok');
  });

  test('replicas sync from their masters as nx-replication (masteruser/masterauth)', () => {
    const roles = Array.from({ length: NODES }, (_, i) => cli(i, 'nx-admin', passwordOf('admin-password'), 'info', 'replication'));
    const replicas = roles.filter((r) => /role:slave/.test(r));
    expect(replicas).toHaveLength(NODES / 2);
    for (const r of replicas) expect(r).toContain('master_link_status:up');
  });

  test("the runbook's `redis-cli -a $REDIS_PASSWORD` (user default) reads and inspects, and changes nothing", async () => {
    const pw = passwordOf('password');
    expect(cli(0, undefined, pw, 'ping')).toBe('PONG');
    expect(cli(0, undefined, pw, 'cluster', 'info')).toContain('cluster_state:ok');
    expect(cli(0, undefined, pw, 'info', 'server')).toContain('redis_version');
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
    expect(cli(0, 'nx-admin', passwordOf('admin-password'), 'config', 'get', 'maxmemory-policy')).toContain('noeviction');
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
    expect(cli(0, user, pw, 'cluster', 'slots')).not.toMatch(/NOPERM/);
    expect(cli(0, user, pw, 'cluster', 'shards')).not.toMatch(/NOPERM/);
    // Pub/sub only where the catalogue grants it, and then only on its own channels.
    const pubsub = (service.redis!.categories ?? []).includes('pubsub');
    expect({ pubsub, denied: denied(await everywhere(user, pw, 'publish', 'other:channel', 'x')) }).toEqual({ pubsub, denied: true });
  });

  test('signal publishes on its own channels only', () => {
    const pw = passwordOf('nx-signal');
    expect(cli(0, 'nx-signal', pw, 'publish', 'signal:news', 'x')).toMatch(/^\d+$/);
    expect(cli(0, 'nx-signal', pw, 'publish', 'sale:news', 'x')).toMatch(/NOPERM/);
    expect(cli(0, 'nx-sale', passwordOf('nx-sale'), 'publish', 'sale:news', 'x')).toMatch(/NOPERM/);
  });

  test('protected mode stays on, and every user, having a password, still gets in', () => {
    expect(cli(0, 'nx-admin', passwordOf('admin-password'), 'config', 'get', 'protected-mode')).toContain('yes');
    for (const [user, file] of rules) expect({ user, ping: cli(0, user, passwordOf(file), 'ping') }).toEqual({ user, ping: 'PONG' });
  });
});
