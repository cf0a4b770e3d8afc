// Helpers for the tests of Tenantry and of the applications that use it.
export { createTestClock } from './test-clock.js';
export type { TestClock } from './test-clock.js';
export { createTestTenantry } from './test-tenantry.js';
export type { TestTenantry, TestTenantryOptions } from './test-tenantry.js';
export { AsyncLocalStorageContextManager } from './otel-context-manager.js';
export { freePort, hasRedisServer, owned, REDIS_SERVER, startRedis } from './dependency-processes.js';
export type { OwnedProcess } from './dependency-processes.js';
export { conformanceKey, lateStore, storeConformanceCases } from './store-conformance.js';
export type { ConformanceCase, StoreConformanceOptions } from './store-conformance.js';
