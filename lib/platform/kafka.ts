import { CDC, DATA_NAMES } from './data';
import { InputError } from './errors';
import { KafkaTopics, ServiceSpec } from './types';

/**
 * Who may do what on Kafka: one user per client, its ACLs derived from the catalogue's `topics` (services)
 * or from Connect's own needs (Debezium). The brokers run `authorization: simple` (Kafka's
 * StandardAuthorizer), which denies anything no ACL allows.
 */

/** SASL mechanism of the client listener; KafkaJS (the Bun services' client) and Kafka Connect both speak it. */
export const KAFKA_SASL_MECHANISM = 'scram-sha-512';

/** Kafka's ACL operations used here (Strimzi `AclRule.operations`, KafkaUser CRD of 1.2.0). */
export type KafkaOperation = 'Read' | 'Write' | 'Create' | 'Describe' | 'DescribeConfigs';

export interface KafkaAcl {
  readonly resource: { readonly type: 'topic' | 'group'; readonly name: string; readonly patternType: 'literal' | 'prefix' };
  readonly operations: readonly KafkaOperation[];
}

/** The Kafka user of a service (`User:nx-<service>`), also the prefix of its consumer groups. */
export function kafkaUserOf(service: ServiceSpec): string {
  return `nx-${service.name}`;
}

/** The Kafka user of the Debezium Connect cluster. */
export const DEBEZIUM_KAFKA_USER = DATA_NAMES.debezium;

/** Heartbeat topic Debezium writes (`topic.heartbeat.prefix` default `__debezium-heartbeat`, then `.<topic.prefix>`). */
export const DEBEZIUM_HEARTBEAT_TOPIC = `__debezium-heartbeat.${CDC.topicPrefix}`;

const PRODUCE: readonly KafkaOperation[] = ['Create', 'Describe', 'Write'];
const CONSUME: readonly KafkaOperation[] = ['Describe', 'Read'];

/**
 * A service's ACLs: write (and create) under what it produces, read what it consumes, and its own consumer
 * groups (`nx-<service>*`). Nothing cluster-wide, nothing on another service's groups.
 */
export function serviceAcls(service: ServiceSpec): KafkaAcl[] {
  const topics = service.topics ?? { produces: [], consumes: [] };
  const acls = new Map<string, KafkaAcl>();
  const add = (name: string, ops: readonly KafkaOperation[]): void => {
    const existing = acls.get(name)?.operations ?? [];
    acls.set(name, { resource: { type: 'topic', name, patternType: 'prefix' }, operations: [...new Set([...existing, ...ops])].sort() });
  };
  for (const p of topics.produces) add(p, PRODUCE);
  for (const p of topics.consumes) add(p, CONSUME);
  const groups: KafkaAcl[] = topics.consumes.length > 0 ? [{ resource: { type: 'group', name: kafkaUserOf(service), patternType: 'prefix' }, operations: ['Read'] }] : [];
  return [...[...acls.values()].sort((a, b) => (a.resource.name < b.resource.name ? -1 : 1)), ...groups];
}

/**
 * Connect's ACLs (Strimzi 1.2.0 documentation/modules/configuring/proc-config-kafka-connect-user-authorization.adoc):
 * its three internal topics and its group; the connector's output topics (`<topic.prefix>` and everything
 * under it, created by Connect's `topic.creation`) and the heartbeat topic.
 */
export function debeziumAcls(): KafkaAcl[] {
  const name = DATA_NAMES.debezium;
  const internal = ['configs', 'offsets', 'status'].map((t): KafkaAcl => ({
    resource: { type: 'topic', name: `${name}-${t}`, patternType: 'literal' },
    operations: ['Create', 'Describe', 'DescribeConfigs', 'Read', 'Write'],
  }));
  return [
    ...internal,
    { resource: { type: 'topic', name: CDC.topicPrefix, patternType: 'prefix' }, operations: PRODUCE },
    { resource: { type: 'topic', name: DEBEZIUM_HEARTBEAT_TOPIC, patternType: 'literal' }, operations: PRODUCE },
    { resource: { type: 'group', name, patternType: 'literal' }, operations: ['Read'] },
  ];
}

/** A topic name prefix: Kafka's topic characters (`[a-zA-Z0-9._-]`), ending with `.` so it names a whole domain. */
const TOPIC_PREFIX = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,247}\.$/;

/** `topics` agrees with `uses`: a Kafka user has topics, every prefix is well formed and ends at a dot. */
export function validateTopics(where: string, service: ServiceSpec): void {
  const usesKafka = (service.uses ?? []).includes('kafka');
  const topics: KafkaTopics | undefined = service.topics;
  if (!usesKafka) {
    if (topics !== undefined) throw new InputError(`${where}: 'topics'`, topics, "allowed: only on a service whose 'uses' has 'kafka'");
    return;
  }
  if (topics === undefined || topics.produces.length + topics.consumes.length === 0) {
    throw new InputError(`${where}: 'topics'`, topics ?? null, "allowed: the Kafka topic prefixes it produces and consumes (a service whose 'uses' has 'kafka' gets no access without them)");
  }
  for (const [field, list] of [['produces', topics.produces], ['consumes', topics.consumes]] as const) {
    for (const p of list) {
      if (!TOPIC_PREFIX.test(p)) throw new InputError(`${where}: 'topics.${field}'`, p, "allowed: a topic name prefix of [a-zA-Z0-9._-] ending with '.', e.g. 'nx.sale.'");
    }
    if (new Set(list).size !== list.length) throw new InputError(`${where}: 'topics.${field}'`, list, 'allowed: each prefix once');
  }
}
