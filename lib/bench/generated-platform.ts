import { PLATFORM } from '../platform';
import { PlatformSpec, ServiceSpec } from '../platform/types';

/**
 * The real platform plus generated backend services up to `count`, for the bench (the real ones stay: routes and
 * rate limits name them). Each generated service is a valid catalogue entry: a Kafka user names its topics, a
 * Redis user its key patterns, as the catalogue's rules require.
 */
export function generatedPlatform(count: number): PlatformSpec {
  const services: ServiceSpec[] = [...PLATFORM.services];
  const firstOrder = Math.max(0, ...services.map((s) => s.migration?.order ?? 0)) + 1;
  for (let i = 1; services.length < count; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    const kafka = i % 2 === 0;
    services.push({
      name,
      tier: 'backend',
      ha: i % 4 === 0,
      uses: kafka ? ['postgres', 'kafka'] : ['redis'],
      ...(kafka ? { topics: { produces: [`nx.${name}.`], consumes: ['nx.sale.'] } } : { redis: { keys: [`${name}:*`] } }),
      migration: i % 3 === 0 ? { order: firstOrder + i } : undefined,
    });
  }
  return { ...PLATFORM, services };
}
