import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as ts from 'typescript';
import { BackendService } from '../lib/constructs/workload/backend-service';
import { DataLayer } from '../lib/constructs/data/data-layer';
import { Debezium } from '../lib/constructs/data/debezium';
import { KafkaCluster } from '../lib/constructs/data/kafka-cluster';
import { PostgresCluster } from '../lib/constructs/data/postgres-cluster';
import { RedisCluster } from '../lib/constructs/data/redis-cluster';
import { TypesenseCluster } from '../lib/constructs/data/typesense-cluster';
import { DisruptionBudget } from '../lib/constructs/disruption-budget';
import { FrontendApp } from '../lib/constructs/workload/frontend-app';
import { IngressNginx } from '../lib/constructs/edge/ingress-nginx';
import { MigrationJob } from '../lib/constructs/workload/migration-job';
import { TraefikGateway } from '../lib/constructs/edge/traefik-gateway';
import { PLATFORM } from '../lib/platform';
import { DATA_LAYER } from '../lib/platform/data';
import { InputError } from '../lib/platform/errors';
import { ServiceSpec } from '../lib/platform/types';
import { FIXTURE_TAG, ROOT } from './helpers';

/**
 * One error policy (README "Errors"): a mistake in user input or in the platform description is an
 * `InputError` (one line naming the thing, the field, the value and what is allowed; exit 2); anything else is
 * a bug (plain `Error`, exit 1). Every construct is held to it by a bad value it validates, and a static check
 * refuses a plain `Error` thrown for anything but a listed bug check.
 */

const environment = PLATFORM.environments.find((e) => e.name === 'production')!;
const release = { registry: 'bcr.bana.com.vn', tag: FIXTURE_TAG, tags: {} };
const service = (name: string): ServiceSpec => PLATFORM.services.find((s) => s.name === name)!;
const scope = (): Construct => new Chart(new App(), 'test', { disableResourceNameHashes: true });
const data = DATA_LAYER.production;

interface BadInput {
  /** What the message names first: the construct and the instance. */
  readonly thing: string;
  /** The field, as the message quotes it. */
  readonly field: string;
  /** The bad value, as the error carries it. */
  readonly value: unknown;
  readonly build: () => unknown;
}

/** One bad value per construct, of a field it validates. */
const BAD_INPUTS: Record<string, BadInput> = {
  BackendService: {
    thing: "BackendService 'client'",
    field: 'tier',
    value: 'frontend',
    build: () => new BackendService(scope(), 'x', { service: service('client'), environment, release, configData: [] }),
  },
  FrontendApp: {
    thing: "FrontendApp 'sale'",
    field: 'tier',
    value: 'backend',
    build: () => new FrontendApp(scope(), 'x', { service: service('sale'), environment, release, configData: [] }),
  },
  MigrationJob: {
    thing: "MigrationJob 'sale'",
    field: 'waitFor',
    value: 'sale',
    build: () => new MigrationJob(scope(), 'x', { service: service('sale'), environment, release, waitFor: service('sale') }),
  },
  DisruptionBudget: {
    thing: "DisruptionBudget 'nx-sale'",
    field: 'maxUnavailable',
    value: 0,
    build: () => new DisruptionBudget(scope(), 'x', { metadata: { name: 'nx-sale' }, selector: { app: 'sale' }, maxUnavailable: 0 }),
  },
  IngressNginx: {
    thing: "IngressNginx 'ingress-nginx-controller'",
    field: 'replicas',
    value: 0,
    build: () => new IngressNginx(scope(), 'x', { environment, replicas: 0, priorityClassName: 'p', ingressNamespaces: ['ingress-nginx'] }),
  },
  TraefikGateway: {
    thing: "TraefikGateway 'traefik'",
    field: 'trustedIps',
    value: [],
    build: () => new TraefikGateway(scope(), 'x', { environment, replicas: 2, priorityClassName: 'p', trustedIps: [] }),
  },
  PostgresCluster: {
    thing: "PostgresCluster 'nx-postgresql'",
    field: 'backupSchedule',
    value: '0 1 * * *',
    build: () => new PostgresCluster(scope(), 'x', { environment, sizing: { ...data.postgres, backupSchedule: '0 1 * * *' } }),
  },
  RedisCluster: {
    thing: "RedisCluster 'nx-redis'",
    field: 'masters',
    value: 2,
    build: () => new RedisCluster(scope(), 'x', { environment, sizing: { ...data.redis, masters: 2 } }),
  },
  KafkaCluster: {
    thing: "KafkaCluster 'nx'",
    field: 'storageSize',
    value: '20GB',
    build: () => new KafkaCluster(scope(), 'x', { environment, sizing: { ...data.kafka, storageSize: '20GB' }, clientPeers: [], users: [] }),
  },
  TypesenseCluster: {
    thing: "TypesenseCluster 'nx-typesense'",
    field: 'nodes',
    value: 2,
    build: () => new TypesenseCluster(scope(), 'x', { environment, sizing: { ...data.typesense, nodes: 2 } }),
  },
  Debezium: {
    thing: "Debezium 'nx-debezium'",
    field: 'image',
    value: 'debezium-connect',
    build: () => new Debezium(scope(), 'x', { environment, sizing: data.debezium, registry: 'r', databaseHost: 'h', bootstrapServers: 'b', image: 'debezium-connect' }),
  },
  DataLayer: {
    thing: "DataLayer 'production'",
    field: 'storageClass',
    value: 'Fast_SSD',
    build: () => new DataLayer(scope(), 'x', { environment, spec: { ...data, storageClass: 'Fast_SSD' }, registry: 'r', kafkaClientNamespaces: [] }),
  },
};

/** Constructs that validate nothing of their own, and why that is right. */
const VALIDATES_NOTHING: Record<string, string> = {
  ServiceWorkload: 'its props are typed and derived by BackendService and FrontendApp, which validate the tier',
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** Every file under lib/ whose path has a folder among `folders`. */
function sourcesUnder(folders: readonly string[]): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? walk(full) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
    });
  return walk(path.join(ROOT, 'lib')).filter((f) => path.relative(path.join(ROOT, 'lib'), f).split(path.sep).some((part) => folders.includes(part)));
}

describe('every construct reports a bad value as an InputError', () => {
  const constructClasses = sourcesUnder(['constructs']).flatMap((file) =>
    Object.entries(require(file) as Record<string, unknown>)
      .filter(([, value]) => typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Construct)
      .map(([name]) => name),
  );

  test('finds the constructs, and each has a bad-input case or a reason it validates nothing', () => {
    expect(constructClasses).toEqual(expect.arrayContaining(['RedisCluster', 'PostgresCluster', 'IngressNginx', 'BackendService', 'MigrationJob']));
    const uncovered = constructClasses.filter((name) => !(name in BAD_INPUTS) && !(name in VALIDATES_NOTHING));
    expect(uncovered).toEqual([]);
  });

  test.each(Object.entries(BAD_INPUTS))('%s: names itself, the field, the value and what is allowed', (_, bad) => {
    const error = thrown(bad.build);
    expect(error).toBeInstanceOf(InputError);
    const input = error as InputError;
    expect(input.input).toBe(`${bad.thing}: '${bad.field}'`);
    expect(input.value).toEqual(bad.value);
    expect(input.allowed).toMatch(/^allowed: \S/);
    expect(input.message).toBe(`${bad.thing}: '${bad.field}': ${JSON.stringify(bad.value)} is not valid; ${input.allowed}`);
  });
});

/**
 * Plain `Error`s that are bug checks (the code disagrees with itself; no input or description can cause them),
 * by file name and the start of the message. Any other plain `Error` in a construct, chart, network or platform
 * file fails the check below: a mistake a user or the platform description can make is an InputError.
 */
const BUG_CHECKS: readonly { readonly file: string; readonly message: string; readonly why: string }[] = [
  { file: 'scripts.ts', message: 'script ${file}: ', why: 'a .sh file and the construct filling it disagree' },
  { file: 'ordering.ts', message: "layer '${", why: 'the LAYERS table in code, not a user input' },
  { file: 'release.ts', message: "no service '${name}'", why: 'reached only after the --tag service was checked against the catalogue' },
];

/** Plain `throw new Error(...)` in a source text that no bug check covers, as `file:line: message`. */
function uncheckedPlainErrors(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isThrowStatement(node) && node.expression && ts.isNewExpression(node.expression) && node.expression.expression.getText(sf) === 'Error') {
      const message = node.expression.arguments?.[0]?.getText(sf).slice(1) ?? '';
      if (!BUG_CHECKS.some((b) => b.file === path.basename(file) && message.startsWith(b.message))) {
        found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${message.slice(0, 100)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('no plain Error for a mistake in input or description (static)', () => {
  const files = sourcesUnder(['constructs', 'charts', 'network', 'platform', 'inputs']);

  test('reads the construct, chart, network and platform files', () => {
    const names = files.map((f) => path.relative(ROOT, f));
    expect(names).toEqual(expect.arrayContaining(['lib/constructs/data/redis-cluster.ts', 'lib/charts/edge-charts.ts', 'lib/network/flows.ts', 'lib/inputs/release.ts']));
  });

  test('every plain Error thrown there is a listed bug check', () => {
    expect(files.flatMap((f) => uncheckedPlainErrors(path.relative(ROOT, f), fs.readFileSync(f, 'utf8')))).toEqual([]);
  });

  test('every listed bug check still exists (the list does not rot)', () => {
    const sources = files.map((f) => ({ file: path.basename(f), text: fs.readFileSync(f, 'utf8') }));
    const stale = BUG_CHECKS.filter((b) => !sources.some((s) => s.file === b.file && s.text.includes(`throw new Error(\`${b.message}`)));
    expect(stale).toEqual([]);
  });

  test('fails on a validation message thrown as a plain Error (the check can fail)', () => {
    const source = "export class Gate { constructor(n: number) { if (n < 1) throw new Error(`Gate 'g': 'replicas' (${n}) must be >= 1`); } }\n";
    expect(uncheckedPlainErrors('lib/constructs/gate.ts', source)).toEqual(["lib/constructs/gate.ts:1: Gate 'g': 'replicas' (${n}) must be >= 1`"]);
    // The same text in a file the bug-check list names is still refused: the list is by file and message.
    expect(uncheckedPlainErrors('lib/charts/ordering.ts', source)).toHaveLength(1);
  });
});
