// Property 1: random interleavings of reads and writes of many tenants on a small pool never
// see or touch another tenant's rows; each tenant's rows always equal its in-memory model.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { crudInput, runCrudInput } from './crud-property.js';
import { createAppSchema, tenantIds } from './isolation-fixtures.js';

const TENANTS = 24;
let t: TestTenantry;
let tenants: TenantId[];

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 3 });
  tenants = tenantIds(t);
  await createAppSchema(t);
});
afterAll(() => t?.close());

describe('concurrent scopes and transactions of many tenants on a pool of three', () => {
  it('show and change each tenant exactly its own rows, and refuse every reach into another tenant', async () => {
    await fc.assert(
      fc.asyncProperty(crudInput(TENANTS), (input) => runCrudInput(t, tenants, input)),
      { numRuns: 15 },
    );
  });
});
