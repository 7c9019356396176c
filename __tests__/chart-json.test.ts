import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { PLATFORM } from '../lib/platform';
import { resolveRelease } from '../lib/inputs/release';
import { chartJson } from '../lib/k8s/chart-json';
import { synthesizeEnvironment } from '../lib/synth/synthesize';
import { ENVIRONMENT_NAMES, overrides, RELEASE_DIR } from './helpers';

/**
 * lib/k8s/chart-json.ts resolves and sanitizes each value in one walk instead of cdk8s's two. It must give
 * exactly what cdk8s's own `chart.toJson()` gives: the same values, the same key order (compared as JSON
 * text), the same errors.
 */
const text = (value: unknown) => JSON.stringify(value);

describe.each(ENVIRONMENT_NAMES)('%s: every object and file is the same as with cdk8s own toJson', (name) => {
  test('objects (with key order) and files', () => {
    const environment = PLATFORM.environments.find((e) => e.name === name)!;
    const release = resolveRelease(PLATFORM, environment, RELEASE_DIR, overrides());
    const fast = synthesizeEnvironment(PLATFORM, environment, release);
    const cdk8s = synthesizeEnvironment(PLATFORM, environment, release, (chart) => chart.toJson());
    expect(fast.manifests.length).toBeGreaterThan(200);
    expect(fast.manifests.map((m) => text(m.object))).toEqual(cdk8s.manifests.map((m) => text(m.object)));
    expect([...fast.files]).toEqual([...cdk8s.files]);
  });
});

/** A chart with the values cdk8s resolves, sanitizes or refuses, each in a place where the difference shows. */
function cornerChart(app: App, extra: Record<string, unknown> = {}): Chart {
  const chart = new Chart(app, 'corners', { disableResourceNameHashes: true });
  new ApiObject(chart, 'raw', {
    apiVersion: 'example.io/v1',
    kind: 'Thing',
    metadata: { name: 'raw', labels: {}, annotations: { z: '1', a: '2' }, finalizers: [], extra: { nested: {} } },
    zeta: 1,
    alpha: {
      dropped: null,
      gone: undefined,
      list: [1, null, undefined, { b: 2, a: 1 }, [], {}],
      lazy: Lazy.any({ produce: () => ({ d: Lazy.any({ produce: () => 'deep' }), c: [], b: null }) }),
      token: { resolve: () => ({ q: Lazy.any({ produce: () => 1 }), p: [null] }) },
      port: k8s.IntOrString.fromNumber(8080),
      named: k8s.IntOrString.fromString('http'),
      size: k8s.Quantity.fromString('1Gi'),
      plainValue: { value: 'stays a mapping' },
      empty: {},
      '10': 'integer-like key',
      '2': 'another',
      'B-upper': true,
      bool: false,
      zero: 0,
      blank: '',
      fn: undefined,
    },
    ...extra,
  });
  const patched = new ApiObject(chart, 'patched', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' }, data: { b: '1' } });
  patched.addJsonPatch(JsonPatch.add('/data/a', '0'), JsonPatch.replace('/metadata/name', 'renamed'));
  new k8s.KubeDeployment(chart, 'deployment', {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              ports: [{ containerPort: 80 }],
              resources: { limits: { memory: k8s.Quantity.fromString('64Mi') }, requests: { cpu: k8s.Quantity.fromString('10m') } },
              readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromNumber(80) } },
            },
          ],
        },
      },
    },
  });
  const child = new Chart(chart, 'child', { disableResourceNameHashes: true });
  new k8s.KubeConfigMap(child, 'in-child', { metadata: { name: 'in-child' }, data: { k: 'v' } });
  return chart;
}

describe('corner cases: the same as cdk8s', () => {
  const both = (make: () => Chart) => [text(chartJson(make())), text(make().toJson())];

  test('lazy values, tokens, int-or-string and quantities, nulls, empty values, key order, patches, nested charts', () => {
    const [fast, cdk8s] = both(() => cornerChart(new App()));
    expect(fast).toBe(cdk8s);
    // The fixture does reach each case (a fixture that lost them would compare nothing).
    expect(fast).toContain('"deep"');
    expect(fast).toContain('"port":{"value":8080},"size":{"value":"1Gi"}');
    expect(fast).toContain('"maxUnavailable":0');
    expect(fast).toContain('"2":"another","10":"integer-like key","B-upper":true');
    expect(fast).toContain('"renamed"');
    expect(fast).not.toContain('in-child');
    expect(fast).toContain('[1,null,null,{"a":1,"b":2},[],{}]');
  });

  test('a value cdk8s refuses is refused with the same message', () => {
    class Custom {
      readonly x = 1;
    }
    const message = (make: () => unknown) => {
      try {
        make();
        return 'no error';
      } catch (error) {
        return String(error);
      }
    };
    const fast = message(() => chartJson(cornerChart(new App(), { custom: { deep: [new Custom()] } })));
    expect(fast).toContain("can't render non-simple object of type 'Custom'");
    expect(fast).toBe(message(() => cornerChart(new App(), { custom: { deep: [new Custom()] } }).toJson()));
  });

  test("an app with resolvers of its own, or CDK8S_DISABLE_SORT, gets cdk8s's own code", () => {
    const upper: IResolver = {
      resolve(context: ResolutionContext) {
        if (context.value === 'web') context.replaceValue('WEB');
      },
    };
    const [fast, cdk8s] = both(() => cornerChart(new App({ resolvers: [upper] })));
    expect(fast).toBe(cdk8s);
    expect(fast).toContain('"WEB"');

    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const [fastUnsorted, cdk8sUnsorted] = both(() => cornerChart(new App()));
      expect(fastUnsorted).toBe(cdk8sUnsorted);
      expect(fastUnsorted).toContain('"zeta":1,"alpha"');
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test("the one walk does run (cdk8s's toJson is swapped only during the call), and is put back after an error", () => {
    const original = ApiObject.prototype.toJson;
    const seen: unknown[] = [];
    const chart = new Chart(new App(), 'probe');
    new ApiObject(chart, 'probe', { apiVersion: 'v1', kind: 'ConfigMap', data: Lazy.any({ produce: () => (seen.push(ApiObject.prototype.toJson), {}) }) });
    chartJson(chart);
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(original);
    expect(ApiObject.prototype.toJson).toBe(original);

    const failing = new Chart(new App(), 'failing');
    new ApiObject(failing, 'bad', { apiVersion: 'v1', kind: 'ConfigMap', data: new Map() });
    expect(() => chartJson(failing)).toThrow(/Failed serializing construct at path 'failing\/bad'.*non-simple object of type 'Map'/);
    expect(ApiObject.prototype.toJson).toBe(original);
  });
});
