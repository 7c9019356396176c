import * as fs from 'fs';
import * as path from 'path';
import { isPlainSafe, referenceYaml, toYaml } from '../lib/output/render';
import { PARALLEL_FROM } from '../lib/output/parallel-write';
import { GENERATED_MARK, readTree, writeEnvironments } from '../lib/output/writer';
import { tempDir } from './helpers';

function seeded(): string {
  const out = path.join(tempDir(), 'dist');
  fs.mkdirSync(path.join(out, 'staging'), { recursive: true });
  fs.mkdirSync(path.join(out, 'production'), { recursive: true });
  fs.writeFileSync(path.join(out, 'staging', 'a.yaml'), `# ${GENERATED_MARK}\nold staging`);
  fs.writeFileSync(path.join(out, 'production', 'a.yaml'), `# ${GENERATED_MARK}\nold production`);
  return out;
}

const next = [
  { name: 'staging', files: new Map([['a.yaml', 'new staging']]) },
  { name: 'production', files: new Map([['b/c.yaml', 'new production']]) },
];

/** An environment with more files than `PARALLEL_FROM`, in nested folders, each with its own content. */
function large(extra: [string, string][] = []): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < PARALLEL_FROM + 200; i++) files.set(`layer-${i % 17}/kind-${i % 5}/object-${i}.yaml`, `# ${GENERATED_MARK}\nobject ${i}\n${'x'.repeat(i % 300)}\n`);
  for (const [file, content] of extra) files.set(file, content);
  return files;
}

describe('writeEnvironments with many files (written by several threads)', () => {
  test('writes every file with its bytes; a rewrite with one file changed keeps the others as they were (same inode)', () => {
    const out = path.join(tempDir(), 'dist');
    const files = large();
    writeEnvironments(out, [{ name: 'staging', files }]);
    expect(readTree(path.join(out, 'staging'))).toEqual(new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))));
    const kept = 'layer-3/kind-3/object-3.yaml';
    const inode = fs.statSync(path.join(out, 'staging', kept)).ino;
    const changed = new Map(files).set('layer-1/kind-1/object-1.yaml', 'changed');
    writeEnvironments(out, [{ name: 'staging', files: changed }]);
    expect(readTree(path.join(out, 'staging')).get('layer-1/kind-1/object-1.yaml')).toBe('changed');
    expect(readTree(path.join(out, 'staging')).size).toBe(files.size);
    expect(fs.statSync(path.join(out, 'staging', kept)).ino).toBe(inode);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test("a writer thread's error stops the run with that error; the live folder and its parent stay as they were", () => {
    const out = seeded();
    const before = readTree(out);
    // `clash/inner.yaml` makes `clash` a folder, so writing the file `clash` fails (EISDIR) in a writer thread.
    const files = large([['clash/inner.yaml', 'inner'], ['clash', 'a file where a folder is']]);
    expect(() => writeEnvironments(out, [{ name: 'staging', files }])).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });
});

describe('writeEnvironments', () => {
  test('replaces each environment folder exactly, removing files no longer generated', () => {
    const out = seeded();
    writeEnvironments(out, next);
    expect(readTree(out)).toEqual(new Map([['production/b/c.yaml', 'new production'], ['staging/a.yaml', 'new staging']]));
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('a failure while swapping puts every environment back as it was and leaves no scratch folder', () => {
    const out = seeded();
    const before = readTree(out);
    let renames = 0;
    const failing = (from: string, to: string): void => {
      // Fail on the third rename: staging already swapped, production moved aside.
      if (++renames === 3) throw new Error('disk full');
      fs.renameSync(from, to);
    };
    expect(() => writeEnvironments(out, next, failing)).toThrow('disk full');
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });
});

describe('writeEnvironments writes only what changed', () => {
  const stamp = (file: string) => {
    const st = fs.statSync(file);
    return { ino: st.ino, mtimeMs: st.mtimeMs };
  };
  const files = (staging: Record<string, string>) => [
    { name: 'staging', files: new Map(Object.entries(staging)) },
    { name: 'production', files: new Map([['p.yaml', `# ${GENERATED_MARK}\nproduction`]]) },
  ];
  const first = { 'keep.yaml': `# ${GENERATED_MARK}\nkept`, 'change.yaml': `# ${GENERATED_MARK}\nold`, 'gone/x.yaml': `# ${GENERATED_MARK}\nremoved later` };

  test('a run that changes nothing touches nothing: files and folders keep their inode and mtime', () => {
    const out = seeded();
    writeEnvironments(out, files(first));
    const before = ['staging', 'staging/keep.yaml', 'production', 'production/p.yaml'].map((f) => stamp(path.join(out, f)));
    writeEnvironments(out, files(first));
    expect(['staging', 'staging/keep.yaml', 'production', 'production/p.yaml'].map((f) => stamp(path.join(out, f)))).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('a change rewrites the changed file, removes what is no longer generated, and leaves the others as they were', () => {
    const out = seeded();
    writeEnvironments(out, files(first));
    const kept = stamp(path.join(out, 'staging', 'keep.yaml'));
    const other = stamp(path.join(out, 'production', 'p.yaml'));
    writeEnvironments(out, files({ 'keep.yaml': first['keep.yaml'], 'change.yaml': `# ${GENERATED_MARK}\nnew`, 'added.yaml': `# ${GENERATED_MARK}\nadded` }));
    expect(readTree(out)).toEqual(
      new Map([
        ['production/p.yaml', `# ${GENERATED_MARK}\nproduction`],
        ['staging/added.yaml', `# ${GENERATED_MARK}\nadded`],
        ['staging/change.yaml', `# ${GENERATED_MARK}\nnew`],
        ['staging/keep.yaml', `# ${GENERATED_MARK}\nkept`],
      ]),
    );
    expect(stamp(path.join(out, 'staging', 'keep.yaml'))).toEqual(kept);
    expect(stamp(path.join(out, 'production', 'p.yaml'))).toEqual(other);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });
});

describe('toYaml', () => {
  test('quotes strings a YAML 1.1 or 1.2 reader would take for booleans, numbers, nulls or dates', () => {
    const { parse } = require('yaml');
    const values = ['yes', 'on', 'off', 'y', 'n', 'NO', '0o12', '012', '1_000', 'true', '~', 'null', '2024-01-01', '1e3', '.5', '3000'];
    const text = toYaml({ values });
    for (const version of ['1.1', '1.2']) expect(parse(text, { version }).values).toEqual(values);
  });

  test('leaves ordinary strings plain and multi-line strings as block literals', () => {
    expect(toYaml({ cpu: '500m', path: '/tmp', flag: '-c', script: 'a\nb\n' })).toBe('cpu: 500m\npath: /tmp\nflag: -c\nscript: |\n  a\n  b\n');
  });
});

describe('the fast YAML emitter', () => {
  test('renders every object of both environments byte for byte as the YAML library does', () => {
    const { env } = require('./helpers');
    for (const name of ['staging', 'production']) {
      for (const m of env(name).manifests) expect(toYaml(m.object)).toBe(referenceYaml(m.object));
    }
  });

  test('matches the library on the awkward cases: block scalars in maps and lists, empty collections, quoted keys', () => {
    const tricky = {
      script: 'set -eu\n  indented\n\nlast\n',
      noTrailingNewline: 'a\nb',
      list: ['plain', 'on', 'multi\nline\n', { k: 'v', nested: ['x'] }, {}, [], [1, 2]],
      empty: {},
      none: [],
      n: 'NO',
      'key with: colon': '#not a comment',
      number: 3,
      flag: false,
      nothing: null,
    };
    expect(toYaml(tricky)).toBe(referenceYaml(tricky));
  });

  test('writes a string plain without the library only where the library writes it plain and unchanged', () => {
    const pieces = ['a', 'Z9', '_x', '/p', 'on', 'No', 'y', 'null', 'true', 'x:', ':', ': ', ' ', '  ', '#', ' #', '-', '- ', '.5', '1', '0x1F', '1e3', '~', '@', ',', '=', '<<', 'é', '\t', '0x', '0o', '0b', 'e', 'E', '12', 'Mi', 'm', '(', ')', ';', '&&', '\u0007', '[', '{', '*', '&', '!', '|', '>', "'", '"', '%', '`', '?'];
    const strings = new Set<string>(['a'.repeat(200), `${'word '.repeat(40)}end`, 'registry.example/app:1.2.3', 'app.kubernetes.io/name', 'kubectl apply -k dist/staging', 'a:b', 'x@y,z=w']);
    for (const a of pieces) for (const b of pieces) for (const c of ['', 'a', '1', '5', ' b', ':', 'F']) strings.add(`${a}${b}${c}`);
    let plain = 0;
    for (const text of strings) {
      if (!isPlainSafe(text)) continue;
      plain++;
      expect(referenceYaml(text)).toBe(`${text}\n`);
      expect(toYaml({ [text]: text })).toBe(referenceYaml({ [text]: text }));
    }
    // The rule is not vacuous: ordinary names, paths, images and sentences take the fast path.
    expect(plain).toBeGreaterThan(100);
    for (const text of ['nx-backend', 'app.kubernetes.io/name', 'registry.example/app:1.2.3', 'kubectl apply -k dist/staging', '500m', '128Mi', '3f2a9b1', 'Host(`a.example`) && PathPrefix(`/x`)']) expect(isPlainSafe(text)).toBe(true);
  });
});
