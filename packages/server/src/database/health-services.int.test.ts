// The health services inside a started server: tenant requests are counted, and a clean stop
// writes the counts still buffered (the periodic flush never ran: nothing may be lost).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemActor } from 'tenantry/control';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { resolveConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startServer } from '../main.js';

let t: TestTenantry;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
});
afterAll(() => t?.close());

describe('startServer with health services', () => {
  it('writes every tenant request it served to the activity rollups when it stops', async () => {
    const { app, operator } = inject('rolePasswords');
    const config = resolveConfig({ databaseUrl: t.url, appPassword: app, operatorPassword: operator, port: 0, logLevel: 'silent' });
    const server = await startServer(config, { signals: [], logger: createLogger({ level: 'silent' }) });
    let tenantId: string;
    try {
      const { registry, db, control } = server.database;
      const tenant = await registry.create({ slug: 'served' });
      tenantId = tenant.id;
      const { key } = await db.withTenant(tenant.id, (scope) => control.apiKeys.create(scope, { name: 'k', scopes: ['members:read'] }, systemActor('test')));
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1) statuses.push((await fetch(`${server.url}/v1/tenant/members`, { headers: { 'x-api-key': key } })).status);
      expect(statuses).toEqual(new Array<number>(7).fill(200));
    } finally {
      expect(await server.close()).toBe('clean');
    }
    const { rows } = await t.admin.query<{ requests: string }>('SELECT sum(requests)::text AS requests FROM tenantry.tenant_activity WHERE subject_tenant = $1', [tenantId]);
    expect(rows[0]?.requests).toBe('7');
  });
});
