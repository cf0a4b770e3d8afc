// Helpers for the tests of Tenantry and of the applications that use it.
export { createTestClock } from './test-clock.js';
export type { TestClock } from './test-clock.js';
export { codeOf, codeOfError, errorOf, expectCode, rejection } from './expect-code.js';
export type { FailingWork } from './expect-code.js';
export { createTestTenantry } from './test-tenantry.js';
export type { TestPoolFactory, TestTenantry, TestTenantryOptions } from './test-tenantry.js';
export { AsyncLocalStorageContextManager } from './otel-context-manager.js';
export { freePort, hasRedisServer, owned, REDIS_SERVER, redisAnswers, startRedis } from './dependency-processes.js';
export type { OwnedProcess } from './dependency-processes.js';
export { conformanceKey, lateStore, storeConformanceCases } from './store-conformance.js';
export type { ConformanceCase, StoreConformanceOptions } from './store-conformance.js';
export { createTestPlacement, testMigration } from './test-placement.js';
export type { TestPlacement, TestPlacementOptions } from './test-placement.js';
export { migratePglite } from './pglite-tenantry.js';
export type { PgliteDatabase, PgliteTenantry } from './pglite-tenantry.js';
export { sameVectorValue, vectorSearchCases, vectorValues } from './vector-conformance.js';
export type { VectorSearchStore } from './vector-conformance.js';
