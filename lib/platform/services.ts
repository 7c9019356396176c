import { ServiceSpec } from './types';

/**
 * The service catalogue of the BANA platform (operations page, "Services"). Adding a service is one entry.
 * Migration order follows the page's "Thứ tự Migration"; `uses` declares the stores each service reaches.
 * `topics` (Kafka name prefixes) follow the platform's convention `nx.<domain>.<event>`, each domain written
 * by its own service; CDC topics are `nx-seller-core.<schema>.<table>`, read per schema, never whole.
 * `redis` keys follow `<domain>:*`; the payment processes share `payment:*` (the worker consumes the API's queues).
 */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'identity', tier: 'backend', ha: true, uses: ['postgres', 'redis', 'kafka'], redis: { keys: ['identity:*', 'session:*'] }, topics: { produces: ['nx.identity.'], consumes: [] }, migration: { order: 1 } },
  { name: 'commerce', tier: 'backend', ha: false, uses: ['postgres', 'redis', 'kafka', 'typesense'], redis: { keys: ['commerce:*'] }, topics: { produces: ['nx.commerce.'], consumes: ['nx.inventory.', 'nx-seller-core.commerce.'] }, migration: { order: 2 } },
  { name: 'sale', tier: 'backend', ha: true, uses: ['postgres', 'redis', 'kafka', 'typesense'], redis: { keys: ['sale:*', 'cart:*'] }, topics: { produces: ['nx.sale.'], consumes: ['nx.commerce.', 'nx.inventory.', 'nx.payment.', 'nx-seller-core.sale.'] }, migration: { order: 3 } },
  { name: 'finance', tier: 'backend', ha: false, uses: ['postgres', 'kafka'], topics: { produces: ['nx.finance.'], consumes: ['nx.sale.', 'nx.payment.'] }, migration: { order: 4 } },
  { name: 'inventory', tier: 'backend', ha: false, uses: ['postgres', 'redis', 'kafka'], redis: { keys: ['inventory:*'] }, topics: { produces: ['nx.inventory.'], consumes: ['nx.sale.', 'nx.commerce.'] }, migration: { order: 5 } },
  { name: 'ledger', tier: 'backend', ha: false, uses: ['postgres', 'kafka'], topics: { produces: ['nx.ledger.'], consumes: ['nx.finance.', 'nx.payment.'] } },
  { name: 'pricing', tier: 'backend', ha: false, uses: ['postgres', 'redis'], redis: { keys: ['pricing:*'] }, migration: { order: 6 } },
  {
    name: 'payment-api',
    tier: 'backend',
    // The monorepo builds one image, nx-payment, from packages/payment/; payment-worker and the payment
    // migration run it too (../shared/seed/FACTS.md, "Registry and images").
    package: 'payment',
    ha: true,
    healthPath: '/v1/api/payment/health',
    uses: ['postgres', 'redis', 'kafka'],
    redis: { keys: ['payment:*'] },
    // Publishes payment events; the worker settles them.
    topics: { produces: ['nx.payment.'], consumes: [] },
    // The page names this migration "payment"; it runs the payment package's image, which owns the schema.
    migration: { order: 7, name: 'payment' },
  },
  // A background worker: its port 3000 serves health checks only, so it gets no public route.
  { name: 'payment-worker', tier: 'backend', package: 'payment', ha: false, public: false, uses: ['postgres', 'redis', 'kafka'], redis: { keys: ['payment:*'], categories: ['blocking'] }, topics: { produces: ['nx.payment.'], consumes: ['nx.payment.', 'nx.sale.'] } },
  { name: 'signal', tier: 'backend', ha: true, uses: ['redis', 'kafka'], redis: { keys: ['signal:*'], channels: ['signal:*'], categories: ['pubsub'] }, topics: { produces: ['nx.signal.'], consumes: ['nx.identity.', 'nx.sale.', 'nx.payment.'] } },
  { name: 'client', tier: 'frontend', ha: false },
  { name: 'bo', tier: 'frontend', ha: false },
  { name: 'wiki', tier: 'frontend', ha: false },
  { name: 'sale-renderer', tier: 'frontend', ha: false },
];
