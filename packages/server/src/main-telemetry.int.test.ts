// startServer with TENANTRY_METRICS=operator over a real port: /metrics is wired to the
// operator tokens, and counts the pools and the tenant database's statements of real requests.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemActor } from 'tenantry/control';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { resolveConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './main.js';

let t: TestTenantry;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
});
afterAll(() => t?.close());

describe('startServer with metrics', () => {
  it('serves /metrics to operators only, with request, database and pool metrics', async () => {
    const { app, operator } = inject('rolePasswords');
    const config = resolveConfig({ databaseUrl: t.url, appPassword: app, operatorPassword: operator, port: 0, logLevel: 'silent', metrics: 'operator', metricsTopTenants: 5 });
    const server = await startServer(config, { signals: [], logger: createLogger({ level: 'silent' }) });
    try {
      const { control, db } = server.database;
      const staff = await control.operators.create({ email: `ops-${randomUUID()}@platform.example`, displayName: 'Ops' });
      const { token } = await control.operators.createToken(staff.id, { name: 'scrape' });
      const tenantId = t.tenants[0]?.id as string;
      const { key } = await db.withTenant(tenantId, (scope) => control.apiKeys.create(scope, { name: 'k', scopes: ['members:read'] }, systemActor('test')));
      for (let i = 0; i < 12; i++) expect((await fetch(`${server.url}/v1/tenant/members`, { headers: { 'x-api-key': key } })).status).toBe(200);

      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(new RegExp(`tenantry_http_requests_total\\{tenant="${tenantId}",method="GET",route="/v1/tenant/members",status="200"\\} \\d+`));
      expect(text).toMatch(new RegExp(`tenantry_db_statement_duration_seconds_count\\{tenant="${tenantId}"\\} \\d+`));
      expect(text).toMatch(/tenantry_db_pool_connections\{pool="app",state="total"\} [1-9]/);
      expect(text).toMatch(/tenantry_db_pool_waiting\{pool="operator"\} 0/);
      expect(text).toContain('process_cpu_user_seconds_total');
    } finally {
      await server.close();
    }
  });
});
