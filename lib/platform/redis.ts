import { InputError } from './errors';
import { RedisAccess, ServiceSpec } from './types';

/**
 * Who may do what on Redis: one ACL user per service (`nx-<service>`), its key patterns and extra command
 * categories from the catalogue's `redis` entry, plus three users of the cluster itself. Command categories
 * and selectors are Redis 7+ ACL syntax (redis.io "ACL", the image runs Redis 8.10).
 */

/** Users of the cluster itself, with the key of Secret `nx-redis` holding each password. */
export const REDIS_SYSTEM_USERS = {
  /**
   * The runbook's user: `redis-cli -a $REDIS_PASSWORD` authenticates as `default`. Read-only and cluster
   * inspection (what the probes need too); changes go through `nx-admin`.
   */
  default: {
    key: 'password',
    rules: '~* resetchannels -@all +@read +@connection -@dangerous +info +cluster|info +cluster|nodes +cluster|shards +cluster|slots',
  },
  /** Administration and the cluster-create Job (`redis-cli --cluster create` needs CLUSTER ADDSLOTS, MEET, ...). */
  'nx-admin': { key: 'admin-password', rules: '~* &* +@all' },
  /** What a replica runs against its master (`masteruser`): Redis documents `+psync +replconf +ping`. */
  'nx-replication': { key: 'replication-password', rules: 'resetchannels -@all +psync +replconf +ping' },
} as const;

/**
 * Commands every service user gets: data commands on its own keys, transactions, connection commands and
 * the cluster topology a cluster-aware client reads (ioredis `CLUSTER SLOTS`, others `CLUSTER SHARDS`), never
 * a command flagged `@dangerous` (FLUSHALL, KEYS, CONFIG, DEBUG, ...).
 */
export const REDIS_SERVICE_BASE = '-@all +@read +@write +@transaction +@connection -@dangerous +cluster|slots +cluster|shards +readonly +readwrite';

/** The ACL user of a service. */
export function redisUserOf(service: ServiceSpec): string {
  return `nx-${service.name}`;
}

/** The ACL rules of a service's user (without the password), from its catalogue entry. */
export function redisRules(service: ServiceSpec): string {
  const access: RedisAccess = service.redis ?? { keys: [] };
  const keys = access.keys.map((k) => `~${k}`);
  const channels = (access.channels ?? []).map((c) => `&${c}`);
  const extra = (access.categories ?? []).map((c) => `+@${c}`);
  return [...keys, 'resetchannels', ...channels, REDIS_SERVICE_BASE, ...extra, ...(extra.length > 0 ? ['-@dangerous'] : [])].join(' ');
}

/** Categories a service may add to the base (never @admin, @dangerous or @all). */
const EXTRA_CATEGORIES = ['pubsub', 'scripting', 'keyspace', 'blocking'] as const;
const PATTERN = /^[A-Za-z0-9_.:{}-]+\*?$/;

/** `redis` agrees with `uses`, and its patterns cannot reach every key. */
export function validateRedisAccess(where: string, service: ServiceSpec): void {
  const uses = (service.uses ?? []).includes('redis');
  const access = service.redis;
  if (!uses) {
    if (access !== undefined) throw new InputError(`${where}: 'redis'`, access, "allowed: only on a service whose 'uses' has 'redis'");
    return;
  }
  if (access === undefined || access.keys.length === 0) {
    throw new InputError(`${where}: 'redis.keys'`, access?.keys ?? null, "allowed: the key patterns it reads and writes, e.g. ['sale:*'] (a service whose 'uses' has 'redis' gets no keys without them)");
  }
  for (const [field, list] of [['keys', access.keys], ['channels', access.channels ?? []]] as const) {
    for (const p of list) {
      if (!PATTERN.test(p) || p.length < 3) throw new InputError(`${where}: 'redis.${field}'`, p, "allowed: a pattern of [A-Za-z0-9_.:{}-] with an optional trailing '*' and a fixed part of 2 or more characters, e.g. 'sale:*'");
    }
  }
  for (const c of access.categories ?? []) {
    if (!(EXTRA_CATEGORIES as readonly string[]).includes(c)) throw new InputError(`${where}: 'redis.categories'`, c, `allowed: ${EXTRA_CATEGORIES.join(', ')}`);
  }
}
