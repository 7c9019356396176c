/**
 * PriorityClasses of the platform, highest first: the data layer is evicted last, batch Jobs first.
 * The cluster baseline creates them; every pod we write references one.
 */
export const PRIORITY_CLASSES = {
  data: { name: 'nx-data', value: 100000, description: 'Data layer: PostgreSQL, Redis, Kafka, Typesense, CDC.' },
  haService: { name: 'nx-service-ha', value: 50000, description: 'Highly available application services.' },
  service: { name: 'nx-service', value: 10000, description: 'Other application services and frontends.' },
  batch: { name: 'nx-batch', value: 1000, description: 'Batch work: migrations and one-off Jobs.' },
} as const;
