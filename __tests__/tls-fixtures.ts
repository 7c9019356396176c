import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tls from 'tls';

/**
 * Test-made TLS material for the Redis suites: a throw-away CA and one node certificate for `dnsNames`, made
 * with openssl in `dir` (a temp folder of the test; never committed), shaped as cert-manager writes the
 * Secret `nx-redis-tls` (tls.crt, tls.key, ca.crt): ECDSA P-256, server and client auth, DNS SANs only.
 */
export interface TestCertificates {
  readonly dir: string;
  readonly files: { readonly 'tls.crt': string; readonly 'tls.key': string; readonly 'ca.crt': string };
  /** The files' contents by key, as a Secret fixture. */
  readonly data: Readonly<Record<'tls.crt' | 'tls.key' | 'ca.crt', string>>;
}

export function makeTestCertificates(dir: string, dnsNames: readonly string[]): TestCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  fs.writeFileSync(
    f('node.ext'),
    [`subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}`, 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', ''].join('\n'),
  );
  const steps = [
    ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('ca.key')],
    ['req', '-x509', '-new', '-key', f('ca.key'), '-subj', '/CN=test nx-redis CA', '-days', '2', '-out', f('ca.crt'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('tls.key')],
    ['req', '-new', '-key', f('tls.key'), '-subj', `/CN=${dnsNames[0]}`, '-out', f('tls.csr')],
    ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-out', f('tls.crt'), '-extfile', f('node.ext')],
  ];
  for (const args of steps) {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  }
  const files = { 'tls.crt': f('tls.crt'), 'tls.key': f('tls.key'), 'ca.crt': f('ca.crt') };
  const data = { 'tls.crt': fs.readFileSync(files['tls.crt'], 'utf8'), 'tls.key': fs.readFileSync(files['tls.key'], 'utf8'), 'ca.crt': fs.readFileSync(files['ca.crt'], 'utf8') };
  return { dir, files, data };
}

/** One RESP reply: a simple string, an error (`-...`), an integer, a bulk string or null. */
type Reply = { type: '+' | '-' | ':'; value: string } | { type: '$'; value: string | null };

/** Parses one reply at the start of `buffer` (no arrays: the commands used here answer with scalars). */
function parseReply(buffer: string): { reply: Reply; rest: string } | undefined {
  const end = buffer.indexOf('\r\n');
  if (end < 0) return undefined;
  const type = buffer[0];
  const line = buffer.slice(1, end);
  if (type === '+' || type === '-' || type === ':') return { reply: { type, value: line }, rest: buffer.slice(end + 2) };
  if (type === '$') {
    const length = Number(line);
    if (length < 0) return { reply: { type: '$', value: null }, rest: buffer.slice(end + 2) };
    if (buffer.length < end + 2 + length + 2) return undefined;
    return { reply: { type: '$', value: buffer.slice(end + 2, end + 2 + length) }, rest: buffer.slice(end + 4 + length) };
  }
  throw new Error(`unexpected RESP reply: ${JSON.stringify(buffer.slice(0, 40))}`);
}

const encode = (args: readonly string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/**
 * Sends `commands` over one TLS connection to `host:port` as a service's client does (Node's tls, as ioredis
 * uses it): the CA verifies the chain and `host` is checked against the certificate's SANs; `lookup` stands
 * in for the cluster DNS. Resolves with the replies, or rejects with the TLS error.
 */
export function tlsCommands(host: string, port: number, ca: string, lookup: (host: string) => string, commands: readonly (readonly string[])[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: lookup(host), port, servername: host, ca: [ca], checkServerIdentity: (_h, cert) => tls.checkServerIdentity(host, cert) });
    let buffer = '';
    const replies: Reply[] = [];
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`no answer from ${host}:${port}`))), 10000);
    socket.once('secureConnect', () => socket.write(commands.map(encode).join('')));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let parsed = parseReply(buffer); parsed; parsed = parseReply(buffer)) {
        replies.push(parsed.reply);
        buffer = parsed.rest;
      }
      if (replies.length === commands.length) {
        clearTimeout(timer);
        socket.end();
        resolve(replies);
      }
    });
    socket.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/**
 * A cluster client's GET/SET: authenticates, sends the command to `host:port` and follows MOVED (to the
 * host and port the node names) until a node answers, verifying every node's certificate on the way.
 * Returns the answer and the `host:port` list it went through.
 */
export async function clusterCommand(seed: string, ca: string, lookup: (host: string) => string, auth: readonly string[], command: readonly string[]): Promise<{ reply: Reply; path: string[] }> {
  const path: string[] = [seed];
  for (let hops = 0; hops < 5; hops++) {
    const at = path[path.length - 1];
    const colon = at.lastIndexOf(':');
    const [authReply, reply] = await tlsCommands(at.slice(0, colon), Number(at.slice(colon + 1)), ca, lookup, [['AUTH', ...auth], command]);
    if (authReply.type !== '+') throw new Error(`AUTH refused by ${at}: ${authReply.value}`);
    const moved = reply.type === '-' ? /^MOVED \d+ (\S+)$/.exec(reply.value ?? '') : null;
    if (!moved) return { reply, path };
    path.push(moved[1]);
  }
  throw new Error(`too many redirects: ${path.join(' -> ')}`);
}
