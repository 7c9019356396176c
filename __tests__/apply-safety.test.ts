import * as fs from 'fs';
import * as path from 'path';
import { PLATFORM } from '../lib/platform';
import { classify, replaceHonouredEverywhere } from '../lib/review/apply-safety';
import { runDiff } from '../lib/review/commands';
import { diffTrees, ObjectChange, renderMarkdown, renderText, unsafeChanges } from '../lib/review/object-diff';
import { RELEASE_DIR, ROOT, tempDir } from './helpers';

/** Apply-safety of `npm run diff`: each changed object applies in place, restarts pods, or needs a replace. */

const tree = (objects: Record<string, object>) => new Map(Object.entries(objects).map(([f, o]) => [f, JSON.stringify(o)]));
const only = (before: object, after: object, file = 'production/x/ns/o.yaml'): ObjectChange => {
  const diff = diffTrees(tree({ [file]: before }), tree({ [file]: after }));
  expect(diff.objects).toHaveLength(1);
  return diff.objects[0];
};

const job = (image: string, extra: object = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'nx-sale-migrate-abc1234', namespace: 'nx-backend', annotations: { 'kustomize.toolkit.fluxcd.io/force': 'Enabled' }, ...extra },
  spec: { backoffLimit: 3, template: { spec: { containers: [{ name: 'migrate', image, resources: { limits: { memory: '256Mi' } } }] } } },
});
const deployment = (image: string, selector: Record<string, string> = { 'app.kubernetes.io/name': 'sale' }, digest = 'a1') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nx-sale', namespace: 'nx-backend' },
  spec: { replicas: 2, selector: { matchLabels: selector }, template: { metadata: { annotations: { 'platform.bana.com.vn/config-digest': digest } }, spec: { containers: [{ name: 'sale', image }] } } },
});
const statefulSet = (size: string, replicas = 3) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'nx-redis', namespace: 'nx-data' },
  spec: {
    replicas,
    serviceName: 'nx-redis-headless',
    selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
    template: { spec: { containers: [{ name: 'redis', image: 'redis:7.4' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: size } } } }],
  },
});

describe('apply-safety', () => {
  test("a Job's template change needs a replace, which no annotation makes safe on every apply path", () => {
    const change = only(job('nx-sale:abc1234'), { ...job('nx-sale:abc1234'), spec: { ...job('x').spec, template: { spec: { containers: [{ name: 'migrate', image: 'nx-sale:abc1234', resources: { limits: { memory: '512Mi' } } }] } } } });
    expect(change.verdict).toMatchObject({ safety: 'replace', handled: false });
    expect(change.verdict!.reasons[0]).toContain("spec.template.spec.containers[name=migrate].resources.limits.memory: a Job's pod template is immutable");
    expect(change.verdict!.action).toContain('kubectl delete -n nx-backend job/nx-sale-migrate-abc1234');
    // Flux's force alone is not enough: Argo CD and apply.sh would still fail.
    expect(replaceHonouredEverywhere({ 'kustomize.toolkit.fluxcd.io/force': 'Enabled', 'argocd.argoproj.io/sync-options': 'Replace=true' })).toBe(false);
  });

  test("a Job's non-template field applies in place; a new Job name is an add, never a replace", () => {
    const ttl = only(job('i:1'), { ...job('i:1'), spec: { ...job('i:1').spec, backoffLimit: 4 } });
    expect(ttl.verdict!.safety).toBe('in-place');
    const renamed = diffTrees(tree({ 'production/a.yaml': job('i:1') }), tree({ 'production/a.yaml': { ...job('i:2'), metadata: { ...job('i:2').metadata, name: 'nx-sale-migrate-def5678' } } }));
    expect(renamed.objects.map((o) => o.change).sort()).toEqual(['added', 'removed']);
    expect(unsafeChanges(renamed)).toEqual([]);
  });

  test('a selector change needs a replace', () => {
    const change = only(deployment('i:1'), deployment('i:1', { 'app.kubernetes.io/name': 'sale', tier: 'x' }));
    expect(change.verdict).toMatchObject({ safety: 'replace', handled: false });
    expect(change.verdict!.reasons[0]).toContain('apps/v1 selectors are immutable');
  });

  test("a StatefulSet's volumeClaimTemplates change needs a replace and warns about the data; replicas apply in place", () => {
    const claim = only(statefulSet('10Gi'), statefulSet('20Gi'));
    expect(claim.verdict).toMatchObject({ safety: 'replace', handled: false });
    expect(claim.verdict!.reasons[0]).toContain("volumeClaimTemplates are immutable");
    expect(claim.verdict!.action).toContain('keeps data');
    expect(only(statefulSet('10Gi', 3), statefulSet('10Gi', 6)).verdict!.safety).toBe('in-place');
  });

  test('a plain image change restarts pods and applies in place; a config digest change too', () => {
    const image = only(deployment('nx-sale:1'), deployment('nx-sale:2'));
    expect(image.verdict).toMatchObject({ safety: 'restarts', handled: true });
    expect(image.verdict!.reasons[0]).toContain('image');
    const digest = only(deployment('nx-sale:1', undefined, 'a1'), deployment('nx-sale:1', undefined, 'b2'));
    expect(digest.verdict!.reasons[0]).toContain('config digest');
  });

  test('Service clusterIP and ExternalName switches need a replace; ClusterIP → NodePort does not', () => {
    const svc = (spec: object) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' }, spec });
    expect(only(svc({ type: 'ClusterIP' }), svc({ type: 'ClusterIP', clusterIP: 'None' })).verdict!.safety).toBe('replace');
    expect(only(svc({ type: 'ClusterIP' }), svc({ type: 'ExternalName' })).verdict!.safety).toBe('replace');
    expect(only(svc({ type: 'ClusterIP' }), svc({ type: 'NodePort' })).verdict!.safety).toBe('in-place');
  });

  test('a PVC or a CloudNativePG Cluster may grow but not shrink', () => {
    const pvc = (size: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p', namespace: 'n' }, spec: { resources: { requests: { storage: size } } } });
    expect(only(pvc('10Gi'), pvc('20Gi')).verdict!.safety).toBe('in-place');
    expect(only(pvc('20Gi'), pvc('10Gi')).verdict!.safety).toBe('replace');
    const cluster = (size: string) => ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'c', namespace: 'n' }, spec: { storage: { size } } });
    expect(only(cluster('10Gi'), cluster('20Gi')).verdict!.safety).toBe('in-place');
    expect(only(cluster('20Gi'), cluster('10Gi')).verdict!.reasons[0]).toContain("can't shrink existing storage");
  });

  test('the text and Markdown reports say what to do', () => {
    const diff = diffTrees(tree({ 'production/a.yaml': deployment('i:1') }), tree({ 'production/a.yaml': deployment('i:1', { other: 'x' }) }));
    expect(renderText(diff)).toContain('[NEEDS REPLACE]');
    expect(renderText(diff)).toContain('→ delete and re-create: kubectl delete -n nx-backend deployment/nx-sale');
    expect(renderMarkdown(diff)).toContain('1 need a replace (1 not handled by the output: cannot apply in place)');
  });

  test('classify treats added and removed objects as applying', () => {
    const added = diffTrees(new Map(), tree({ 'production/a.yaml': deployment('i:1') })).objects[0];
    expect(classify(added).safety).toBe('in-place');
  });
});

describe('npm run diff -- --check against another tree', () => {
  test('fails with one line per change that cannot apply in place', () => {
    // The "before" tree: the committed dist/ of production with one migration Job's memory limit changed.
    const before = tempDir('bana-safety-');
    fs.cpSync(path.join(ROOT, 'dist', 'production'), path.join(before, 'production'), { recursive: true });
    const jobs = path.join(before, 'production', '06-4-migrations', 'nx-backend');
    const file = path.join(jobs, fs.readdirSync(jobs).find((f) => f.startsWith('nx-sale-migrate-'))!);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/backoffLimit: \d+/, 'backoffLimit: 9').replace(/memory: 256Mi/, 'memory: 200Mi'));
    const stdout: string[] = [];
    const stderr: string[] = [];
    const status = runDiff(PLATFORM, ['--check', '--env', 'production', '--release-dir', RELEASE_DIR, '--dist', before], {}, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
    expect(stdout.join('\n')).toContain('[NEEDS REPLACE]');
    expect(status).toBe(1);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^error: production: Job nx-backend\/nx-sale-migrate-\w+ cannot be applied in place \(spec\.template\..*immutable/);
  });
});
