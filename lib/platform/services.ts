import { ServiceSpec } from './types';

/**
 * The service catalogue of the BANA platform (operations page, "Services"). Adding a service is one entry.
 * Migration order follows the page's "Thứ tự Migration"; `uses` declares the stores each service reaches.
 */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'identity', tier: 'backend', ha: true, uses: ['postgres', 'redis', 'kafka'], migration: { order: 1 } },
  { name: 'commerce', tier: 'backend', ha: false, uses: ['postgres', 'redis', 'kafka', 'typesense'], migration: { order: 2 } },
  { name: 'sale', tier: 'backend', ha: true, uses: ['postgres', 'redis', 'kafka', 'typesense'], migration: { order: 3 } },
  { name: 'finance', tier: 'backend', ha: false, uses: ['postgres', 'kafka'], migration: { order: 4 } },
  { name: 'inventory', tier: 'backend', ha: false, uses: ['postgres', 'redis', 'kafka'], migration: { order: 5 } },
  { name: 'ledger', tier: 'backend', ha: false, uses: ['postgres', 'kafka'] },
  { name: 'pricing', tier: 'backend', ha: false, uses: ['postgres', 'redis'], migration: { order: 6 } },
  {
    name: 'payment-api',
    tier: 'backend',
    // The monorepo builds one image, nx-payment, from packages/payment/; payment-worker and the payment
    // migration run it too (../shared/seed/FACTS.md, "Registry and images").
    package: 'payment',
    ha: true,
    healthPath: '/v1/api/payment/health',
    uses: ['postgres', 'redis', 'kafka'],
    // The page names this migration "payment"; it runs the payment package's image, which owns the schema.
    migration: { order: 7, name: 'payment' },
  },
  // A background worker: its port 3000 serves health checks only, so it gets no public route.
  { name: 'payment-worker', tier: 'backend', package: 'payment', ha: false, public: false, uses: ['postgres', 'redis', 'kafka'] },
  { name: 'signal', tier: 'backend', ha: true, uses: ['redis', 'kafka'] },
  { name: 'client', tier: 'frontend', ha: false },
  { name: 'bo', tier: 'frontend', ha: false },
  { name: 'wiki', tier: 'frontend', ha: false },
  { name: 'sale-renderer', tier: 'frontend', ha: false },
];
