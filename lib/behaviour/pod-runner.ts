import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { identify, KubeObject } from '../k8s/objects';
import { argvOf, programsRun } from '../inspect/image-facts';
import { ContainerView, KeysVolumeView, PodSpecView, podTemplateOf } from '../k8s/pods';
import { clusterHost } from '../platform/conventions';
import { BUSYBOX_HOST, factsFor, ImageFacts } from '../platform/image-facts';
import { PodNetwork } from './network';
import { host, Outcome, ProcessGroup, tail, until } from './processes';

/**
 * A local runner of the pods we generate, as the kubelet would run them: each container a real program
 * (Debian's build of the image's program, written in the image facts) in a bubblewrap sandbox with only its
 * declared volumes at their mount paths, a read-only root where the manifest says so, the pod's uid, gid and
 * groups, its capabilities (bounding set), no_new_privs where privilege escalation is off, the env the
 * manifest resolves to, its command and args as written, and the image's own /etc/passwd and /etc/group.
 * Pods have their own network namespaces on one scenario bridge; the cluster DNS names they use are lines of
 * a generated /etc/hosts.
 *
 * What it is not: a scheduler, a kubelet, a container runtime or the images themselves. Controllers do not
 * exist here: a scenario starts the pods a StatefulSet or Job would get, in the order a controller would.
 */

/** The programs the runner needs on the machine; a scenario skips (or, in CI, fails) without them. */
export const REQUIRED_PROGRAMS = ['bwrap', 'setpriv', 'nsenter', 'unshare', 'ip', 'busybox', 'setcap'];

/** The stand-in for an image's binaries that carry file capabilities: exits 0 whatever its arguments. */
const TRUE_HOST = '/usr/bin/true';

export function missingPrograms(extra: readonly string[] = []): string[] {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return [...REQUIRED_PROGRAMS, ...extra].filter((p) => (p.startsWith('/') ? !fs.existsSync(p) : !dirs.some((d) => fs.existsSync(path.join(d, p)))));
}

/** Secret values for a scenario: `namespace/name` → key → value (test fixtures, never the real ones). */
export type SecretFixtures = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface PodOptions {
  /** Pod name (a StatefulSet's `<name>-<ordinal>`, a Deployment's or Job's chosen name). */
  readonly name: string;
  readonly namespace: string;
  /** `Kind namespace/name` of the object the pod comes from, for messages. */
  readonly owner: string;
  readonly spec: PodSpecView;
  /** The pod's labels (a template's), for Services that select it. */
  readonly labels?: Readonly<Record<string, string>>;
  /** DNS names of this pod (a StatefulSet pod's `<pod>.<service>.<ns>.svc.cluster.local`). */
  readonly hostnames?: readonly string[];
  /** Claim name → host folder kept across restarts (a StatefulSet's volumeClaimTemplates). */
  readonly claims?: Readonly<Record<string, string>>;
  /**
   * Replacement argv by container name, for images whose program is not a Debian package (our services'
   * bun images): the stand-in runs under the same constraints. Every use is written beside its scenario.
   */
  readonly standIns?: Readonly<Record<string, readonly string[]>>;
  /** Start the main containers after the init containers (default true). */
  readonly startContainers?: boolean;
  /** Time each init container has to complete. */
  readonly initTimeoutMs?: number;
}

/** The Service fields the runner reads (v1 Service). */
interface ServiceView extends KubeObject {
  readonly spec?: { readonly selector?: Readonly<Record<string, string>>; readonly ports?: readonly { readonly name?: string; readonly port: number; readonly targetPort?: number | string }[] };
}

/** A ConfigMap's data. */
interface DataView extends KubeObject {
  readonly data?: Record<string, string>;
}

interface RunningContainer {
  readonly name: string;
  readonly spec: ContainerView;
  readonly exited: () => Outcome | undefined;
  readonly output: () => string;
}

export class RunningPod {
  readonly containers = new Map<string, RunningContainer>();
  readonly initOutcomes = new Map<string, Outcome>();
  readonly children: ChildProcess[] = [];
  volumes = new Map<string, string>();
  constructor(readonly options: PodOptions, readonly address: string, readonly dir: string) {}
  get name(): string {
    return this.options.name;
  }
  describe(container: string): string {
    return `${this.options.owner} pod ${this.options.namespace}/${this.options.name} container '${container}'`;
  }
}

/** An error from a scenario: it names the object, the container and what the program said. */
export class ScenarioFailure extends Error {}

export class PodRunner {
  readonly processes = new ProcessGroup();
  readonly network: PodNetwork;
  readonly root: string;
  private readonly hosts = new Map<string, string>();
  private readonly hostsFile: string;
  private readonly pods = new Map<string, RunningPod>();
  private sequence = 0;

  constructor(
    private readonly objects: readonly KubeObject[],
    private readonly registry: string,
    private readonly secrets: SecretFixtures,
  ) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'bana-pods-'));
    // Traversable by the pods' uids (the exec check of file capabilities runs on the host filesystem).
    fs.chmodSync(this.root, 0o755);
    this.hostsFile = path.join(this.root, 'hosts');
    this.writeHosts();
    this.network = new PodNetwork(this.processes);
  }

  /** Kills every process of the scenario and removes its folders. */
  close(): void {
    this.processes.killAll();
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  find(kind: string, namespace: string, name: string): any {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === namespace);
    if (!found) throw new ScenarioFailure(`${kind} ${namespace}/${name} is not in the output`);
    return found;
  }

  /** Maps a DNS name to an address in every sandbox's /etc/hosts (rewritten in place, as DNS would change). */
  setHost(name: string, address: string): void {
    this.hosts.set(name, address);
    this.writeHosts();
  }

  addressOf(name: string): string | undefined {
    return this.hosts.get(name);
  }

  private writeHosts(): void {
    const lines = ['127.0.0.1 localhost', ...[...this.hosts].map(([name, address]) => `${address} ${name}`)];
    // Written in place (same inode): the file is bind-mounted into running sandboxes.
    fs.writeFileSync(this.hostsFile, `${lines.join('\n')}\n`);
  }

  /**
   * Makes a ClusterIP Service resolve to one running pod, as kube-proxy would with a single endpoint: the
   * Service must select the pod (when its labels are known) and each port must reach a port the pod declares.
   * The runner has no port translation: a Service whose port differs from its target port is refused.
   */
  exposeService(namespace: string, name: string, pod: RunningPod): void {
    const service = this.find('Service', namespace, name) as ServiceView;
    const selector = service.spec?.selector ?? {};
    if (pod.options.labels && Object.entries(selector).some(([k, v]) => pod.options.labels?.[k] !== v)) {
      throw new ScenarioFailure(`Service ${namespace}/${name} selects ${JSON.stringify(selector)}, which ${pod.options.owner} pod labels ${JSON.stringify(pod.options.labels)} do not match`);
    }
    const declared = pod.options.spec.containers.flatMap((c) => c.ports ?? []);
    for (const port of service.spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      const found = declared.find((p) => (typeof target === 'number' ? p.containerPort === target : p.name === target));
      if (!found) throw new ScenarioFailure(`Service ${namespace}/${name} port '${port.name ?? port.port}' targets ${target}, which no container of ${pod.options.owner} declares`);
      if (found.containerPort !== port.port) throw new ScenarioFailure(`Service ${namespace}/${name} port ${port.port} → ${found.containerPort}: the runner does not translate ports`);
    }
    for (const host of [clusterHost(name, namespace), `${name}.${namespace}.svc`, `${name}.${namespace}`]) this.setHost(host, pod.address);
  }

  /** Starts a pod: a new address, its init containers one after the other to completion, then its containers. */
  async startPod(options: PodOptions): Promise<RunningPod> {
    this.stopPod(options.name);
    const address = this.network.attach(options.name);
    for (const name of options.hostnames ?? []) this.setHost(name, address);
    const podDir = path.join(this.root, 'pods', `${options.name}-${this.sequence++}`);
    fs.mkdirSync(podDir, { recursive: true });
    const pod = new RunningPod(options, address, podDir);
    this.pods.set(options.name, pod);
    const volumes = this.materializeVolumes(options, podDir);
    pod.volumes = volumes;
    for (const spec of options.spec.initContainers ?? []) {
      const argv = this.sandboxArgv(pod, spec, volumes, podDir);
      const outcome = await this.processes.run(argv, options.initTimeoutMs ?? 60_000);
      pod.initOutcomes.set(spec.name, outcome);
      if (outcome.code !== 0) {
        throw new ScenarioFailure(
          `${pod.describe(spec.name)} did not complete (${outcome.timedOut ? `still running after ${(options.initTimeoutMs ?? 60_000) / 1000}s` : `exit ${outcome.code ?? outcome.signal}`}); it said:\n${tail(outcome.output)}`,
        );
      }
    }
    if (options.startContainers !== false) {
      for (const spec of options.spec.containers) {
        let exited: Outcome | undefined;
        const { child, output } = this.processes.start(this.sandboxArgv(pod, spec, volumes, podDir), (outcome) => {
          exited = outcome;
        });
        pod.children.push(child);
        pod.containers.set(spec.name, { name: spec.name, spec, exited: () => exited, output });
      }
    }
    return pod;
  }

  /** Runs a Job's pod: init containers, then its containers to completion within `timeoutMs`. */
  async runJob(job: KubeObject, timeoutMs: number, extra: Partial<PodOptions> = {}): Promise<Map<string, Outcome>> {
    const template = podTemplateOf(job);
    if (!template) throw new ScenarioFailure(`${identify(job)} has no pod template`);
    const spec = template.spec;
    const pod = await this.startPod({
      name: `${job.metadata.name}-run`,
      namespace: template.namespace,
      owner: template.owner,
      spec,
      startContainers: false,
      initTimeoutMs: timeoutMs,
      ...extra,
    });
    const volumes = pod.volumes;
    const outcomes = new Map<string, Outcome>();
    for (const c of spec.containers) {
      const outcome = await this.processes.run(this.sandboxArgv(pod, c, volumes, pod.dir), timeoutMs);
      outcomes.set(c.name, outcome);
      if (outcome.code !== 0) {
        throw new ScenarioFailure(`${pod.describe(c.name)} failed (${outcome.timedOut ? `still running after ${timeoutMs / 1000}s` : `exit ${outcome.code ?? outcome.signal}`}); it said:\n${tail(outcome.output)}`);
      }
    }
    this.stopPod(pod.name);
    return outcomes;
  }

  /** Kills a pod's processes and removes its network namespace (its claims stay). */
  stopPod(name: string): void {
    const pod = this.pods.get(name);
    if (!pod) return;
    for (const child of pod.children) this.processes.kill(child);
    this.network.detach(name);
    this.pods.delete(name);
  }

  /** Runs a command in a container of a running pod (a new sandbox with the same mounts, user and env). */
  exec(pod: RunningPod, container: string, argv: readonly string[], timeoutMs: number): Promise<Outcome> {
    const spec = pod.options.spec.containers.find((c) => c.name === container) ?? pod.options.spec.initContainers?.find((c) => c.name === container);
    if (!spec) throw new ScenarioFailure(`${pod.describe(container)}: no such container`);
    return this.processes.run(this.sandboxArgv(pod, { ...spec, command: argv, args: undefined }, pod.volumes, pod.dir, true), timeoutMs);
  }

  /** Runs a program from the host inside a pod's network namespace (the kubelet's probes, a stand-in server). */
  inPodNetwork(pod: RunningPod, argv: readonly string[], timeoutMs: number): Promise<Outcome> {
    return this.processes.run(['nsenter', `--net=${this.network.namespaceOf(pod.name)}`, '--', ...argv], timeoutMs);
  }

  /** One probe of a container as the kubelet runs it: exec inside the container, httpGet or tcpSocket to the pod's address. */
  async probe(pod: RunningPod, container: string, kind: 'startupProbe' | 'readinessProbe' | 'livenessProbe'): Promise<Outcome> {
    const spec = pod.options.spec.containers.find((c) => c.name === container);
    const probe = spec?.[kind];
    if (!probe) throw new ScenarioFailure(`${pod.describe(container)} has no ${kind}`);
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    if (probe.exec) return this.exec(pod, container, probe.exec.command, timeoutMs);
    const port = (p: number | string): number => {
      if (typeof p === 'number') return p;
      const found = (spec.ports ?? []).find((cp) => cp.name === p);
      if (!found) throw new ScenarioFailure(`${pod.describe(container)}: ${kind} names port '${p}', which the container does not declare`);
      return found.containerPort;
    };
    if (probe.httpGet) {
      const url = `http://${pod.address}:${port(probe.httpGet.port)}${probe.httpGet.path ?? '/'}`;
      // No `-T`: Debian 12's busybox 1.35 wget segfaults with it; the probe's timeout is the run's.
      return this.inPodNetwork(pod, [BUSYBOX_HOST, 'wget', '-q', '-O', '/dev/null', url], timeoutMs);
    }
    if (probe.tcpSocket) {
      return this.inPodNetwork(pod, [BUSYBOX_HOST, 'sh', '-c', `${BUSYBOX_HOST} nc -w ${probe.timeoutSeconds ?? 1} ${pod.address} ${port(probe.tcpSocket.port)} </dev/null`], timeoutMs + 1000);
    }
    throw new ScenarioFailure(`${pod.describe(container)}: ${kind} has no handler the runner knows`);
  }

  /**
   * Execs each program of a container's image that carries file capabilities, under the container's uid,
   * groups, bounding set and no_new_privs. bubblewrap mounts everything nosuid and the kernel ignores file
   * capabilities there, so this check runs outside the sandbox, on a copy of coreutils `true` given the
   * image's capabilities: the kernel's own exec check ("operation not permitted" when a file capability is
   * outside the bounding set), not nginx.
   */
  async execFileCapabilityPrograms(pod: RunningPod, container: string): Promise<Map<string, Outcome>> {
    const spec = [...(pod.options.spec.initContainers ?? []), ...pod.options.spec.containers].find((c) => c.name === container);
    if (!spec) throw new ScenarioFailure(`${pod.describe(container)}: no such container`);
    const facts = this.factsOf(pod, spec);
    const { setpriv } = credentials(pod.options.spec, spec, facts);
    const dir = path.join(pod.dir, 'file-capabilities', container);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(pod.dir, 0o755);
    const outcomes = new Map<string, Outcome>();
    for (const [name, program] of programsRun({ command: spec.command, args: spec.args }, facts)) {
      if (!program.fileCapabilities) continue;
      const copy = path.join(dir, name.replace(/\//g, '_'));
      fs.copyFileSync(TRUE_HOST, copy);
      fs.chmodSync(copy, 0o755);
      host(['setcap', `${program.fileCapabilities.join(',')}=+ep`, copy]);
      outcomes.set(program.path, await this.processes.run(['setpriv', ...setpriv, '--', copy], 5000));
    }
    return outcomes;
  }

  /** Polls a probe until it succeeds; fails naming the pod, the container and the probe's last answer. */
  async waitFor(pod: RunningPod, container: string, kind: 'startupProbe' | 'readinessProbe' | 'livenessProbe', timeoutMs: number): Promise<void> {
    let last: Outcome | undefined;
    const ok = await until(async () => {
      const exited = pod.containers.get(container)?.exited();
      if (exited) throw new ScenarioFailure(`${pod.describe(container)} exited (${exited.code ?? exited.signal}); it said:\n${tail(exited.output)}`);
      last = await this.probe(pod, container, kind);
      return last.code === 0;
    }, timeoutMs);
    if (!ok) {
      throw new ScenarioFailure(
        `${pod.describe(container)}: ${kind} still failing after ${timeoutMs / 1000}s; the probe said: ${tail(last?.output ?? '', 4) || '(nothing)'}; the container said:\n${tail(pod.containers.get(container)?.output() ?? '')}`,
      );
    }
  }

  // --- sandbox construction -------------------------------------------------------------------------------

  private factsOf(pod: RunningPod, spec: ContainerView): ImageFacts {
    const facts = factsFor(spec.image, this.registry);
    if (!facts) throw new ScenarioFailure(`${pod.describe(spec.name)}: no image facts for ${spec.image}`);
    return facts;
  }

  private materializeVolumes(options: PodOptions, podDir: string): Map<string, string> {
    const fsGroup = options.spec.securityContext?.fsGroup;
    const result = new Map<string, string>();
    const owner = (target: string, mode: number) => {
      fs.chmodSync(target, mode);
      if (fsGroup !== undefined) fs.chownSync(target, 0, fsGroup);
    };
    for (const volume of options.spec.volumes ?? []) {
      const dir = path.join(podDir, 'volumes', volume.name);
      fs.mkdirSync(dir, { recursive: true });
      result.set(volume.name, dir);
      if (volume.emptyDir) {
        // The kubelet creates emptyDirs 0777; with fsGroup they belong to it, setgid.
        owner(dir, fsGroup !== undefined ? 0o2777 : 0o777);
      } else if (volume.configMap || volume.secret) {
        this.writeKeys(options, volume.name, dir, volume.configMap ? { configMap: volume.configMap } : { secret: volume.secret }, (volume.configMap ?? volume.secret)?.defaultMode, fsGroup);
        fs.chmodSync(dir, 0o755);
      } else if (volume.projected) {
        // A projected volume is its sources' keys in one folder, each source with its own items and modes.
        for (const source of volume.projected.sources ?? []) {
          if (!source.configMap && !source.secret) {
            throw new ScenarioFailure(`${options.owner}: projected volume '${volume.name}' has a source the runner does not materialize (${Object.keys(source).join(', ')})`);
          }
          this.writeKeys(options, volume.name, dir, source, volume.projected.defaultMode, fsGroup);
        }
        fs.chmodSync(dir, 0o755);
      } else if (volume.persistentVolumeClaim) {
        throw new ScenarioFailure(`${options.owner}: volume '${volume.name}' is a claim; the runner mounts claims of volumeClaimTemplates only`);
      } else {
        throw new ScenarioFailure(`${options.owner}: volume '${volume.name}' has a type the runner does not materialize (${Object.keys(volume).join(', ')})`);
      }
    }
    for (const [claim, dir] of Object.entries(options.claims ?? {})) {
      if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        owner(dir, fsGroup !== undefined ? 0o2775 : 0o755);
      }
      result.set(claim, dir);
    }
    return result;
  }

  /** Writes the keys of one ConfigMap or Secret (all, or its `items`) into a volume's folder, as the kubelet does. */
  private writeKeys(options: PodOptions, volumeName: string, dir: string, source: { configMap?: KeysVolumeView; secret?: KeysVolumeView }, defaultMode: number | undefined, fsGroup: number | undefined): void {
    const spec: KeysVolumeView = source.configMap ?? source.secret ?? {};
    const name = String(source.configMap ? spec.name : spec.secretName ?? spec.name);
    const data: Record<string, string> = source.configMap
      ? (this.find('ConfigMap', options.namespace, name) as DataView).data ?? {}
      : this.secretData(options, name, spec.optional === true);
    const items: readonly { readonly key: string; readonly path: string; readonly mode?: number }[] = spec.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const item of items) {
      if (!(item.key in data)) throw new ScenarioFailure(`${options.owner}: volume '${volumeName}' names key '${item.key}', which ${source.configMap ? 'ConfigMap' : 'Secret'} ${name} does not have`);
      const file = path.join(dir, item.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, data[item.key]);
      // The kubelet adds group read for fsGroup on these read-only volumes (volume.SetVolumeOwnership).
      const mode = (item.mode ?? spec.defaultMode ?? defaultMode ?? 0o644) | (fsGroup !== undefined ? 0o440 : 0);
      fs.chmodSync(file, mode);
      if (fsGroup !== undefined) fs.chownSync(file, 0, fsGroup);
    }
  }

  private secretData(options: PodOptions, name: string, optional: boolean): Record<string, string> {
    const data = this.secrets[`${options.namespace}/${name}`];
    if (!data && !optional) throw new ScenarioFailure(`${options.owner}: Secret ${options.namespace}/${name} has no test fixture (a real cluster would not start the pod either)`);
    return { ...(data ?? {}) };
  }

  private resolveEnv(pod: RunningPod, spec: ContainerView, facts: ImageFacts, uid: number): Record<string, string> {
    const user = facts.users.find((u) => u.uid === uid);
    const env: Record<string, string> = { PATH: facts.path, HOSTNAME: pod.name, HOME: user?.home ?? '/' };
    const ns = pod.options.namespace;
    for (const from of spec.envFrom ?? []) {
      const prefix = from.prefix ?? '';
      const data = from.configMapRef
        ? this.optionalData('ConfigMap', ns, from.configMapRef.name, from.configMapRef.optional)
        : from.secretRef
          ? this.optionalSecret(pod, from.secretRef.name, from.secretRef.optional)
          : undefined;
      if (!data) throw new ScenarioFailure(`${pod.describe(spec.name)}: an envFrom entry names neither a ConfigMap nor a Secret`);
      for (const [k, v] of Object.entries(data)) env[prefix + k] = v;
    }
    for (const e of spec.env ?? []) {
      if (e.value !== undefined) env[e.name] = expand(e.value, env);
      else if (e.valueFrom?.configMapKeyRef) env[e.name] = this.key(pod, 'ConfigMap', e.valueFrom.configMapKeyRef, spec.name);
      else if (e.valueFrom?.secretKeyRef) env[e.name] = this.key(pod, 'Secret', e.valueFrom.secretKeyRef, spec.name);
      else if (e.valueFrom?.fieldRef) {
        const field = e.valueFrom.fieldRef.fieldPath;
        const values: Record<string, string> = { 'metadata.name': pod.name, 'metadata.namespace': ns, 'status.podIP': pod.address };
        if (!(field in values)) throw new ScenarioFailure(`${pod.describe(spec.name)}: env ${e.name} reads ${field}, which the runner does not provide`);
        env[e.name] = values[field];
      } else env[e.name] = '';
    }
    return env;
  }

  private optionalData(kind: string, ns: string, name: string, optional?: boolean): Record<string, string> {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === ns) as DataView | undefined;
    if (!found && !optional) throw new ScenarioFailure(`${kind} ${ns}/${name} is referenced but not in the output`);
    return found?.data ?? {};
  }

  private optionalSecret(pod: RunningPod, name: string, optional?: boolean): Record<string, string> {
    return this.secretData(pod.options, name, optional === true);
  }

  private key(pod: RunningPod, kind: 'ConfigMap' | 'Secret', ref: { name: string; key: string; optional?: boolean }, container: string): string {
    const data = kind === 'ConfigMap' ? this.optionalData(kind, pod.options.namespace, ref.name, ref.optional) : this.optionalSecret(pod, ref.name, ref.optional);
    if (!(ref.key in data)) {
      if (ref.optional) return '';
      throw new ScenarioFailure(`${pod.describe(container)}: ${kind} ${pod.options.namespace}/${ref.name} has no key '${ref.key}'`);
    }
    return data[ref.key];
  }

  /** The image's filesystem as the runner builds it: accounts, directories, programs (Debian stand-ins). */
  private buildRoot(dir: string, facts: ImageFacts): string[] {
    fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'etc/passwd'), facts.users.map((u) => `${u.name}:x:${u.uid}:${u.gid}::${u.home}:/bin/sh`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'etc/group'), facts.groups.map((g) => `${g.name}:x:${g.gid}:`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files\n');
    fs.writeFileSync(path.join(dir, 'etc/resolv.conf'), '');
    for (const d of ['tmp', 'proc', 'dev', 'run', 'var']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
    for (const d of facts.directories ?? []) {
      const target = path.join(dir, d.path);
      fs.mkdirSync(target, { recursive: true });
      fs.chownSync(target, d.uid, d.gid);
      fs.chmodSync(target, d.mode);
    }
    for (const link of ['lib', 'lib64', ...(facts.base === 'debian' || facts.base === 'ubuntu' ? ['bin', 'sbin'] : [])]) {
      fs.symlinkSync(`usr/${link}`, path.join(dir, link));
    }
    const binds: string[] = [];
    if (facts.base === 'debian' || facts.base === 'ubuntu') {
      binds.push('--ro-bind', '/usr', '/usr', '--ro-bind', '/etc/alternatives', '/etc/alternatives');
    } else {
      // alpine and busybox: /bin/sh and the tools are busybox applets; the image's own programs are Debian's.
      binds.push('--ro-bind', '/usr/lib', '/usr/lib', '--ro-bind', '/usr/lib64', '/usr/lib64', '--ro-bind', BUSYBOX_HOST, BUSYBOX_HOST);
      fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
      for (const applet of ['sh', 'wget', 'sleep', 'echo', 'cat', 'nc', 'grep', 'sed', 'awk', 'tr', 'id', 'ls', 'env', 'true', 'false', 'test', '[', 'httpd', 'mkdir', 'rm', 'mv', 'chmod', 'dirname', 'basename', 'head', 'tail', 'cut', 'wc', 'date', 'hostname', 'ps', 'kill']) {
        fs.symlinkSync(BUSYBOX_HOST, path.join(dir, 'bin', applet));
      }
      for (const program of Object.values(facts.programs)) {
        if (!program.standIn || program.standIn.hostPath === BUSYBOX_HOST) continue;
        const target = path.join(dir, program.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.symlinkSync(program.standIn.hostPath, target);
      }
    }
    return binds;
  }

  private sandboxArgv(pod: RunningPod, spec: ContainerView, volumes: Map<string, string>, podDir: string, isExec = false): string[] {
    const facts = this.factsOf(pod, spec);
    const sc = spec.securityContext ?? {};
    const { uid, setpriv } = credentials(pod.options.spec, spec, facts);
    const rootDir = path.join(podDir, 'roots', `${spec.name}${isExec ? `-exec-${this.sequence++}` : ''}`);
    fs.rmSync(rootDir, { recursive: true, force: true });
    fs.mkdirSync(rootDir, { recursive: true });
    const binds = this.buildRoot(rootDir, facts);
    const env = this.resolveEnv(pod, spec, facts, uid);
    const stand = pod.options.standIns?.[spec.name];
    const argv = stand && !isExec ? [...stand] : argvOf({ command: spec.command, args: spec.args }, facts).map((a) => expand(a, env));
    if (argv.length === 0) throw new ScenarioFailure(`${pod.describe(spec.name)}: nothing to run (no command, and the image has no entrypoint)`);

    const command = [
      'nsenter', `--net=${this.network.namespaceOf(pod.name)}`, '--',
      'bwrap', '--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', pod.name,
      '--bind', rootDir, '/',
      ...binds,
      '--ro-bind', this.hostsFile, '/etc/hosts',
      '--ro-bind', '/usr/bin/setpriv', '/.runner/setpriv',
      '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/dev/shm',
    ];
    for (const mount of spec.volumeMounts ?? []) {
      const source = volumes.get(mount.name);
      if (!source) throw new ScenarioFailure(`${pod.describe(spec.name)} mounts volume '${mount.name}', which the pod does not declare`);
      command.push(mount.readOnly ? '--ro-bind' : '--bind', mount.subPath ? path.join(source, mount.subPath) : source, mount.mountPath);
    }
    // bwrap would create missing mount points 0700 (root only): make them as a runtime does, 0755.
    for (let i = 0; i < command.length; i++) {
      if (command[i] === '--bind' || command[i] === '--ro-bind') {
        const target = command[i + 2];
        if (target !== '/') mountPoint(rootDir, target, fs.statSync(command[i + 1]).isDirectory());
      }
    }
    mountPoint(rootDir, '/dev/shm', true);
    if (sc.readOnlyRootFilesystem === true) command.push('--remount-ro', '/');
    command.push('--chdir', '/', '--clearenv');
    for (const [k, v] of Object.entries(env)) command.push('--setenv', k, v);
    command.push(
      '--', '/.runner/setpriv', ...setpriv,
      '--', ...argv,
    );
    return command;
  }
}

/** The container's user, groups, bounding set and no_new_privs, as setpriv arguments. */
function credentials(podSpec: PodSpecView, spec: ContainerView, facts: ImageFacts): { uid: number; setpriv: string[] } {
  const podContext = podSpec.securityContext ?? {};
  const sc = spec.securityContext ?? {};
  const uid: number = sc.runAsUser ?? podContext.runAsUser ?? facts.defaultUid;
  const gid: number = sc.runAsGroup ?? podContext.runAsGroup ?? facts.users.find((u) => u.uid === uid)?.gid ?? 0;
  const groups = [podContext.fsGroup, ...(podContext.supplementalGroups ?? [])].filter((g) => g !== undefined);
  const dropped = new Set((sc.capabilities?.drop ?? []).map((c) => c.toLowerCase()));
  const added = (sc.capabilities?.add ?? []).map((c) => c.toLowerCase());
  // The container runtime's default capability set (containerd, CRI-O) before drop and add.
  const defaults = ['chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write'];
  const bounding = dropped.has('all') ? added : [...defaults.filter((c) => !dropped.has(c)), ...added];
  return {
    uid,
    setpriv: [
      `--reuid=${uid}`, `--regid=${gid}`,
      ...(groups.length > 0 ? [`--groups=${groups.join(',')}`] : ['--clear-groups']),
      '--inh-caps=-all', `--bounding-set=-all${bounding.map((c) => `,+${c}`).join('')}`,
      ...(sc.allowPrivilegeEscalation === false ? ['--no-new-privs'] : []),
    ],
  };
}

function mountPoint(rootDir: string, target: string, directory: boolean): void {
  const full = path.join(rootDir, target);
  let parent = rootDir;
  for (const part of path.dirname(target).split('/').filter(Boolean)) {
    parent = path.join(parent, part);
    if (!fs.existsSync(parent)) fs.mkdirSync(parent, { mode: 0o755 });
  }
  if (fs.existsSync(full)) return;
  if (directory) fs.mkdirSync(full, { mode: 0o755 });
  else fs.writeFileSync(full, '', { mode: 0o644 });
}

/** The kubelet's `$(VAR)` expansion of env values, command and args (`$$` escapes a `$`). */
export function expand(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name) => (match === '$$' ? '$' : name in env ? env[name] : match));
}

export { host };
