// tenantry/stores/cypher: the Cypher guard on its own, for any Cypher engine.
export { createCypherGuard, guardCypher, TENANT_PARAMETER, TENANT_PROPERTY } from './cypher-guard.js';
export type { CypherGuardOptions, GuardedCypher } from './cypher-guard.js';
