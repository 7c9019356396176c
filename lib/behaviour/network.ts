import { ChildProcess } from 'child_process';
import { host, ProcessGroup } from './processes';

/**
 * The pod network of one scenario: every pod has its own network namespace (its own ports, as on a node),
 * joined by a veth pair to a bridge in a switch namespace that this scenario creates. Pod addresses are taken
 * from the loopback range (127.77.0.0/16) with `route_localnet`, so nothing ever leaves the scenario's own
 * namespaces and no address outside 127.0.0.0/8 is used. The namespaces live as long as their holder
 * processes: killing them removes the namespaces and their interfaces.
 */
export class PodNetwork {
  private readonly switchHolder: ChildProcess;
  private next = 2;
  private readonly holders = new Map<string, ChildProcess>();
  private interfaces = 0;

  constructor(private readonly processes: ProcessGroup) {
    this.switchHolder = this.holder();
    // The switch only forwards frames: no address and no ARP answers of its own.
    this.inNamespace(this.switchHolder, 'ip link add br0 type bridge && ip link set br0 arp off && ip link set br0 up');
  }

  private holder(): ChildProcess {
    // Killed with the test process even if it dies before closing the scenario (parent-death signal), and
    // gone within the hour whatever happens.
    const { child } = this.processes.start(['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--net', '--', 'sleep', '3600']);
    // unshare has switched namespaces once /proc/<pid>/ns/net differs from ours; poll briefly.
    const self = host(['readlink', '/proc/self/ns/net']).trim();
    for (let i = 0; i < 200; i++) {
      try {
        if (host(['readlink', `/proc/${child.pid}/ns/net`]).trim() !== self) return child;
      } catch {
        // not yet started
      }
      host(['sleep', '0.01']);
    }
    throw new Error('could not create a network namespace (unshare --net)');
  }

  private inNamespace(holder: ChildProcess, script: string): void {
    host(['nsenter', `--net=/proc/${holder.pid}/ns/net`, '--', 'sh', '-c', script]);
  }

  /** The path of a pod's network namespace, for `nsenter --net=`. */
  namespaceOf(pod: string): string {
    const holder = this.holders.get(pod);
    if (!holder) throw new Error(`pod ${pod} has no network namespace`);
    return `/proc/${holder.pid}/ns/net`;
  }

  /** Gives a pod a fresh namespace and a new address (a restarted pod gets a new one, as on a cluster). */
  attach(pod: string): string {
    this.detach(pod);
    const address = `127.77.${Math.floor(this.next / 250)}.${(this.next % 250) + 1}`;
    this.next++;
    const holder = this.holder();
    this.holders.set(pod, holder);
    const n = this.interfaces++;
    this.inNamespace(this.switchHolder, `ip link add s${n} type veth peer name eth0 netns ${holder.pid} && ip link set s${n} master br0 && ip link set s${n} up`);
    this.inNamespace(
      holder,
      [
        'ip link set lo up',
        // Only 127.0.0.1 stays local: other 127.77.x addresses are other pods, reached through eth0.
        'ip addr del 127.0.0.1/8 dev lo',
        'ip addr add 127.0.0.1/32 dev lo',
        'sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1 net.ipv4.conf.all.arp_ignore=1',
        `ip addr add ${address}/16 dev eth0`,
        'ip link set eth0 up',
      ].join(' && '),
    );
    return address;
  }

  detach(pod: string): void {
    const holder = this.holders.get(pod);
    if (holder) {
      this.processes.kill(holder);
      this.holders.delete(pod);
    }
  }
}
