import { KubeObject } from '../k8s/objects';
import { factsFor, ImageFacts, ImageProgram, IMAGE_FACTS } from '../platform/image-facts';
import { podTemplates } from '../k8s/pods';

/** One fact of an image that a container of the output breaks. */
export interface ImageFactViolation {
  readonly owner: string;
  readonly container: string;
  readonly image: string;
  readonly fact: string;
}

/** A container of a pod template as it will run: its image, effective user and capabilities. */
export interface EffectiveContainer {
  readonly owner: string;
  readonly name: string;
  readonly image: string;
  /** As written; undefined where the image's entrypoint runs. */
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly uid: number | undefined;
  readonly env: ReadonlySet<string>;
  readonly readOnlyRoot: boolean;
  readonly mountPaths: readonly string[];
  readonly dropped: ReadonlySet<string>;
  readonly added: ReadonlySet<string>;
}

function capName(c: string): string {
  return c.toLowerCase().replace(/^cap_/, '');
}

/** Every container and init container of the output's pod templates, with pod-level settings applied. */
export function effectiveContainers(objects: readonly KubeObject[]): EffectiveContainer[] {
  const result: EffectiveContainer[] = [];
  for (const pod of podTemplates(objects)) {
    const podContext = pod.spec.securityContext ?? {};
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const sc = c.securityContext ?? {};
      result.push({
        owner: pod.owner,
        name: c.name,
        image: c.image,
        command: c.command,
        args: c.args,
        uid: sc.runAsUser ?? podContext.runAsUser,
        env: new Set((c.env ?? []).map((e) => e.name)),
        readOnlyRoot: sc.readOnlyRootFilesystem === true,
        mountPaths: (c.volumeMounts ?? []).filter((m) => m.readOnly !== true).map((m) => m.mountPath),
        dropped: new Set((sc.capabilities?.drop ?? []).map(capName)),
        added: new Set((sc.capabilities?.add ?? []).map(capName)),
      });
    }
  }
  return result;
}

/**
 * The image's programs a container runs: its command's program (or the image's entrypoint and command when the
 * container sets none), and for `sh -c <script>` every program of the image the script calls by name.
 */
export function programsRun(container: Pick<EffectiveContainer, 'command' | 'args'>, facts: ImageFacts): [string, ImageProgram][] {
  const argv = argvOf(container, facts);
  const named = new Set<string>();
  for (const word of argv) {
    if (facts.programs[word]) named.add(word);
    const base = word.split('/').pop() ?? word;
    if (facts.programs[base]) named.add(base);
  }
  const script = argv[0] === 'sh' && argv[1] === '-c' ? argv[2] ?? '' : '';
  for (const name of Object.keys(facts.programs)) {
    if (new RegExp(`(^|[\\s;|&(])${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(\\s|$)`).test(script)) named.add(name);
  }
  return [...named].map((n) => [n, facts.programs[n]]);
}

/** The kubelet's rule: `command` replaces the entrypoint, `args` the image's command. */
export function argvOf(container: Pick<EffectiveContainer, 'command' | 'args'>, facts: ImageFacts): string[] {
  if (container.command !== undefined) return [...container.command, ...(container.args ?? [])];
  return [...facts.entrypoint, ...(container.args ?? facts.cmd)];
}

function covered(path: string, mounts: readonly string[]): boolean {
  return mounts.some((m) => path === m || path.startsWith(m.endsWith('/') ? m : `${m}/`));
}

/**
 * Holds every container of the output against its image's facts: the image has an entry; its uid is known to
 * the image's passwd where a program needs a user name and no variable gives one; the file capabilities of the
 * programs it runs stay in its bounding set; what those programs write is on a writable volume under a
 * read-only root.
 */
export function checkImageFacts(objects: readonly KubeObject[], registry: string, table: readonly ImageFacts[] = IMAGE_FACTS): ImageFactViolation[] {
  const violations: ImageFactViolation[] = [];
  for (const c of effectiveContainers(objects)) {
    const say = (fact: string) => violations.push({ owner: c.owner, container: c.name, image: c.image, fact });
    const facts = factsFor(c.image, registry, table);
    if (!facts) {
      say('no image facts entry for this repository and version (lib/platform/image-facts.ts)');
      continue;
    }
    const uid = c.uid ?? facts.defaultUid;
    const known = facts.users.find((u) => u.uid === uid);
    for (const [name, program] of programsRun(c, facts)) {
      if (program.userNameFromPasswdUnless && !known && !program.userNameFromPasswdUnless.some((v) => c.env.has(v))) {
        say(`${name} needs a user name: uid ${uid} has no entry in the image's passwd (${facts.users.map((u) => `${u.name}=${u.uid}`).join(', ')}) and none of ${program.userNameFromPasswdUnless.join(', ')} is set`);
      }
      for (const cap of program.fileCapabilities ?? []) {
        const name_ = capName(cap);
        const bounded = (c.dropped.has('all') || c.dropped.has(name_)) && !c.added.has(name_);
        if (bounded) say(`${program.path} carries the file capability cap_${name_}: exec fails with "operation not permitted" unless capabilities.add lists ${name_.toUpperCase()}`);
      }
      if (c.readOnlyRoot) {
        for (const path of program.writes ?? []) {
          if (!covered(path, c.mountPaths)) say(`${name} writes ${path} at run time, but the root filesystem is read-only and no writable volume is mounted there`);
        }
      }
    }
  }
  return violations;
}

export function formatViolation(v: ImageFactViolation): string {
  return `${v.owner} container '${v.container}' (${v.image}): ${v.fact}`;
}
