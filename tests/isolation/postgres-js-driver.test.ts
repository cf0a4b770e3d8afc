// Property 1 again (crud-interleavings.test.ts), every pool on the second driver, postgres.js:
// random interleavings of many tenants' scopes and transactions on a pool of three never see
// or touch another tenant's rows. The isolation is the database's and the gate's, not pg's.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { postgresJsPool } from 'tenantry/postgres/postgres-js';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { crudInput, runCrudInput } from './crud-property.js';
import { createAppSchema, tenantIds } from './isolation-fixtures.js';

const TENANTS = 12;
let t: TestTenantry;
let tenants: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({
    adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 3,
    pool: (config) => postgresJsPool(config),
  });
  tenants = tenantIds(t);
  await createAppSchema(t);
});
afterAll(() => t?.close());

describe('on the postgres.js driver: concurrent scopes and transactions of many tenants on a pool of three', () => {
  it('show and change each tenant exactly its own rows, and refuse every reach into another tenant', async () => {
    await fc.assert(
      fc.asyncProperty(crudInput(TENANTS), (input) => runCrudInput(t, tenants, input)),
      { numRuns: 5 },
    );
  });
});
