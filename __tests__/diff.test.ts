import * as path from 'path';
import { PLATFORM } from '../lib/platform';
import { runDiff } from '../lib/review/commands';
import { ABSENT, diffTrees, fieldChanges, renderMarkdown, renderText } from '../lib/review/object-diff';
import { RELEASE_DIR, ROOT } from './helpers';

const yaml = (o: object) => JSON.stringify(o); // JSON is YAML: keeps the fixtures short
const deployment = (image: string, replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nx-sale', namespace: 'nx-backend' },
  spec: { replicas, template: { spec: { containers: [{ name: 'sale', image }, { name: 'sidecar', image: 'x:1' }] } } },
});

describe('object-level diff', () => {
  test('matches objects by apiVersion/kind/namespace/name and lists changed fields as paths, list items by name', () => {
    const before = new Map([['staging/06-5-services/nx-backend/nx-sale.deployment.yaml', yaml(deployment('sale:a'))]]);
    const after = new Map([['staging/06-5-services/nx-backend/nx-sale.deployment.yaml', yaml(deployment('sale:b', 3))]]);
    const diff = diffTrees(before, after);
    expect(diff.files).toEqual([]);
    expect(diff.objects).toEqual([
      {
        change: 'changed',
        environment: 'staging',
        object: 'Deployment nx-backend/nx-sale',
        apiVersion: 'apps/v1',
        file: 'staging/06-5-services/nx-backend/nx-sale.deployment.yaml',
        fields: [
          { path: 'spec.replicas', before: 2, after: 3 },
          { path: 'spec.template.spec.containers[name=sale].image', before: 'sale:a', after: 'sale:b' },
        ],
        verdict: { safety: 'restarts', reasons: ['spec.template changed (image): the controller replaces the pods'], action: 'applies in place; pods roll as the update strategy says', handled: true },
      },
    ]);
    expect(renderText(diff)).toContain('    spec.template.spec.containers[name=sale].image: "sale:a" → "sale:b"');
  });

  test('an object that moves to another file is one change with its old and new file, not a remove and an add', () => {
    const before = new Map([['staging/06-5-services/nx-backend/nx-sale.deployment.yaml', yaml(deployment('a'))]]);
    const after = new Map([['staging/05-other/nx-backend/nx-sale.deployment.yaml', yaml(deployment('a'))]]);
    const diff = diffTrees(before, after);
    expect(diff.objects.map((o) => [o.change, o.fields])).toEqual([['changed', [{ path: '(file)', before: 'staging/06-5-services/nx-backend/nx-sale.deployment.yaml', after: 'staging/05-other/nx-backend/nx-sale.deployment.yaml' }]]]);
  });

  test('added and removed objects, and other files (kustomization lists, documents)', () => {
    const job = (tag: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `nx-sale-migrate-${tag}`, namespace: 'nx-backend' } });
    const before = new Map([
      ['production/06-apps/nx-backend/nx-sale-migrate-a.job.yaml', yaml(job('a'))],
      ['production/06-apps/kustomization.yaml', 'resources: [a]'],
      ['production/README.md', 'old'],
    ]);
    const after = new Map([
      ['production/06-apps/nx-backend/nx-sale-migrate-b.job.yaml', yaml(job('b'))],
      ['production/06-apps/kustomization.yaml', 'resources: [b]'],
      ['production/README.md', 'new'],
    ]);
    const diff = diffTrees(before, after);
    expect(diff.objects.map((o) => `${o.change} ${o.object}`)).toEqual(['removed Job nx-backend/nx-sale-migrate-a', 'added Job nx-backend/nx-sale-migrate-b']);
    expect(diff.files).toEqual([
      { change: 'changed', file: 'production/06-apps/kustomization.yaml' },
      { change: 'changed', file: 'production/README.md' },
    ]);
    const md = renderMarkdown(diff);
    expect(md).toContain('| removed | `Job nx-backend/nx-sale-migrate-a` | batch/v1 | `production/06-apps/nx-backend/nx-sale-migrate-a.job.yaml` |');
    expect(md).toContain('- changed: `production/README.md`');
  });

  test('a subtree that appears is listed leaf by leaf; scalar lists change as a whole', () => {
    expect(fieldChanges({ a: 1 }, { a: 1, b: { c: [1, 2], d: 'x' } })).toEqual([
      { path: 'b.c', before: ABSENT, after: [1, 2] },
      { path: 'b.d', before: ABSENT, after: 'x' },
    ]);
    expect(fieldChanges({ args: ['a', 'b'] }, { args: ['a', 'b', 'c'] })).toEqual([{ path: 'args', before: ['a', 'b'], after: ['a', 'b', 'c'] }]);
    expect(fieldChanges({ args: ['a', 'b'] }, { args: ['a', 'c'] })).toEqual([{ path: 'args[1]', before: 'b', after: 'c' }]);
  });
});

describe('npm run diff', () => {
  const run = (argv: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = runDiff(PLATFORM, [...argv, '--release-dir', RELEASE_DIR, '--dist', path.join(ROOT, 'dist')], {}, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
    return { status, out: stdout.join('\n'), err: stderr.join('\n') };
  };

  test('--stale and --check pass when dist/ is current', () => {
    expect(run(['--stale'])).toEqual({ status: 0, out: 'No differences: dist/ is what a fresh synth writes.', err: '' });
    expect(run(['--check'])).toEqual({ status: 0, out: 'No differences: dist/ is what a fresh synth writes.', err: '' });
  });

  test('--stale fails on a pending change and shows exactly the objects and fields it moves; --check lets a tag change through', () => {
    const { status, out } = run(['--stale', '--env', 'production', '--tag', 'sale=9e8d7c6']);
    expect(status).toBe(1);
    // A new tag: the Deployment rolls its pods, the migration Job is a new name (added + removed), all applies.
    expect(out).toContain('Deployment nx-backend/nx-sale (apps/v1) production/06-5-services/nx-backend/nx-sale.deployment.yaml [restarts pods]');
    expect(out).toContain('+ production: Job nx-backend/nx-sale-migrate-9e8d7c6');
    expect(run(['--check', '--env', 'production', '--tag', 'sale=9e8d7c6']).status).toBe(0);
    const objectLines = out.split('\n').filter((l) => /^[~+-] /.test(l) && !l.includes(' file '));
    expect(objectLines.every((l) => l.includes('nx-sale'))).toBe(true);
    expect(out).toContain('spec.template.spec.containers[name=sale].image: "bcr.bana.com.vn/nx-sale:4f1c2a9" → "bcr.bana.com.vn/nx-sale:9e8d7c6"');
    expect(out).toContain('metadata.labels["app.kubernetes.io/version"]: "4f1c2a9" → "9e8d7c6"');
    expect(out).not.toContain('staging');
  });

  test('--markdown gives a merge-request comment', () => {
    const { status, out } = run(['--markdown', '--env', 'staging', '--tag', 'bo=9e8d7c6']);
    expect(status).toBe(0);
    expect(out).toMatch(/^### Manifest diff\n/);
    expect(out).toContain('| changed | `Deployment nx-app/nx-bo` | apps/v1 | `staging/06-5-services/nx-app/nx-bo.deployment.yaml` | **restarts pods**');
    expect(out).toContain('<details><summary>Deployment nx-app/nx-bo:');
  });

  test('fails when asked to --save (diff never writes)', () => {
    const { status, err } = run(['--save']);
    expect(status).toBe(2);
    expect(err).toContain('error: --save: true is not valid; allowed: nothing that writes');
  });
});
