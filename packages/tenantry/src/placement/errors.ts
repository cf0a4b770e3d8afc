// Error codes of placement: the directory of PostgreSQL targets, tiers, residency, per-target
// pools and the application's migrations across tenants.
import { defineErrors } from '../core/index.js';

export const placementErrors = defineErrors('placement', {
  TARGET_INVALID: {
    kind: 'invalid',
    message: 'A placement target field is invalid.',
    fix: 'See `details.field` and `details.reason`; a target URL names host, port and database without a password.',
  },
  TARGET_NOT_FOUND: {
    kind: 'not_found',
    message: 'No placement target has that name.',
    fix: 'List the targets (`tenantry targets list`) and use one of their names.',
  },
  TARGET_EXISTS: {
    kind: 'conflict',
    message: 'A placement target with that name already exists.',
    fix: 'Choose another name; a target is never renamed.',
  },
  TIER_UNAVAILABLE: {
    kind: 'conflict',
    message: 'No open target can take a tenant of this tier.',
    fix: 'Add a target (`tenantry targets add`) or re-open one; the schema tier lives on the home target, which must be open.',
  },
  RESIDENCY_VIOLATION: {
    kind: 'conflict',
    message: 'The tenant is pinned to a region that no open target of its tier is in.',
    fix: 'Register an open target in the tenant\'s region (`details.region`), or create the tenant without `residency: "pinned"`.',
  },
  PLACEMENT_CONNECTIONS_EXHAUSTED: {
    kind: 'unavailable',
    message: 'Every connection the placement pools may open is in use.',
    fix: 'Retry shortly; raise `maxConnections` if it persists (docs/tiers.md).',
  },
  TENANT_MIGRATIONS_FAILED: {
    kind: 'internal',
    message: 'The application\'s migrations failed for some tenants.',
    fix: 'See `details.failed` (tenant ids and the error of each), fix the migration or the data, and run `tenantry migrate` again: it resumes.',
  },
});
