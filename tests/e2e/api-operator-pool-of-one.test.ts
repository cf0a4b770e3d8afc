// Bug (issue 14): starting or ending an impersonation held one operator connection while its audit
// write waited for a second from the same pool; four at once froze every operator route.
// Every operator route runs here over an operator pool of ONE connection, alone and concurrently:
// a code path that waits for a second connection hangs, and the request deadline fails the test.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTenantry } from 'tenantry/testing';
import { startApiServer, type ApiServer, type Reply } from './support/api-server.js';

// Far above any answer over a free pool (milliseconds); a request waiting for a second connection
// from a pool of one never answers at all.
const DEADLINE_MS = 15_000;

let api: ApiServer;
let tenantA: string;
let tenantB: string;
beforeAll(async () => {
  const t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, operatorPoolSize: 1 });
  api = await startApiServer(2, { t, health: true });
  tenantA = t.tenants[0]!.id;
  tenantB = t.tenants[1]!.id;
});
afterAll(async () => {
  await api?.close();
  await api?.t.close();
});

/** Calls as the operator; a request that does not answer by the deadline fails naming its route. */
async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  try {
    return await api.request(method, path, { token: api.operatorToken, deadlineMs: DEADLINE_MS, ...(body === undefined ? {} : { body }) });
  } catch (err) {
    throw new Error(`${method} ${path} did not answer within ${DEADLINE_MS} ms over an operator pool of one`, { cause: err });
  }
}

const month = '2026-01';
/** Ids one route creates for the next ones. */
const made: { operator?: string; token?: string } = {};

/** Every operator route, in an order where each finds what it needs; `operationId` → the call. */
const routes: readonly [string, () => Promise<Reply>][] = [
  ['createTenant', () => call('POST', '/v1/tenants', { slug: `pool-one-${randomUUID().slice(0, 8)}`, owner: { userId: 'owner-1' } })],
  ['listTenants', () => call('GET', '/v1/tenants')],
  ['getTenant', () => call('GET', `/v1/tenants/${tenantA}`)],
  ['updateTenant', () => call('PATCH', `/v1/tenants/${tenantA}`, { displayName: 'Pool of one' })],
  ['suspendTenant', () => call('POST', `/v1/tenants/${tenantB}/suspend`)],
  ['restoreTenant', () => call('POST', `/v1/tenants/${tenantB}/restore`)],
  ['offboardTenant', () => call('POST', `/v1/tenants/${tenantB}/offboard`)],
  ['deleteTenant', () => call('DELETE', `/v1/tenants/${tenantB}`)],
  ['startImpersonation', () => call('POST', `/v1/tenants/${tenantA}/impersonations`, { reason: 'TICKET-1: pool of one', durationMinutes: 5 })],
  ['listImpersonations', () => call('GET', `/v1/tenants/${tenantA}/impersonations`)],
  ['endImpersonation', async () => {
    const started = await call('POST', `/v1/tenants/${tenantA}/impersonations`, { reason: 'TICKET-2: end it', durationMinutes: 5 });
    return call('POST', `/v1/tenants/${tenantA}/impersonations/${started.body.id as string}/end`);
  }],
  ['listPlans', () => call('GET', '/v1/plans')],
  ['setQuotaOverrides', () => call('PUT', `/v1/tenants/${tenantA}/quota-overrides`, { limits: { seats: 50 } })],
  ['exportBilling', () => call('GET', `/v1/billing/export?period=${month}`)],
  ['listAuditEvents', () => call('GET', `/v1/tenants/${tenantA}/audit-events`)],
  ['verifyAuditEvents', () => call('GET', `/v1/tenants/${tenantA}/audit-events/verification`)],
  ['analyticsDistribution', () => call('GET', '/v1/analytics/distribution')],
  ['analyticsGrowth', () => call('GET', '/v1/analytics/growth')],
  ['analyticsActive', () => call('GET', '/v1/analytics/active')],
  ['analyticsTop', () => call('GET', '/v1/analytics/top?by=usage')],
  ['analyticsUsageByHour', () => call('GET', '/v1/analytics/usage-by-hour')],
  ['listTenantHealth', () => call('GET', '/v1/health/tenants')],
  ['getTenantHealth', () => call('GET', `/v1/tenants/${tenantA}/health`)],
  ['listAlerts', () => call('GET', '/v1/alerts')],
  ['startSubscription', () => call('POST', `/v1/tenants/${tenantA}/subscription`, { plan: 'free' })],
  ['getSubscription', () => call('GET', `/v1/tenants/${tenantA}/subscription`)],
  ['changeSubscriptionPlan', () => call('POST', `/v1/tenants/${tenantA}/subscription/plan`, { plan: 'pro' })],
  ['cancelSubscription', () => call('POST', `/v1/tenants/${tenantA}/subscription/cancel`, { mode: 'period_end' })],
  ['listInvoices', () => call('GET', `/v1/tenants/${tenantA}/invoices`)],
  ['getInvoice', () => call('GET', `/v1/tenants/${tenantA}/invoices/${randomUUID()}`)],
  ['getInvoiceHtml', () => call('GET', `/v1/tenants/${tenantA}/invoices/${randomUUID()}/html`)],
  ['getInvoicePdf', () => call('GET', `/v1/tenants/${tenantA}/invoices/${randomUUID()}/pdf`)],
  ['payInvoice', () => call('POST', `/v1/tenants/${tenantA}/invoices/${randomUUID()}/pay`)],
  ['voidInvoice', () => call('POST', `/v1/tenants/${tenantA}/invoices/${randomUUID()}/void`)],
  ['createCreditNote', () => call('POST', `/v1/tenants/${tenantA}/invoices/${randomUUID()}/credit-notes`, { amountMinor: 100, reason: 'pool of one' })],
  ['listOperators', () => call('GET', '/v1/operators')],
  ['createOperator', async () => {
    const created = await call('POST', '/v1/operators', { email: `pool-${randomUUID()}@platform.example`, displayName: 'Pool' });
    made.operator = created.body.operator.id as string;
    made.token = created.body.info.id as string;
    return created;
  }],
  ['listOperatorTokens', () => call('GET', `/v1/operators/${made.operator}/tokens`)],
  ['createOperatorToken', () => call('POST', `/v1/operators/${made.operator}/tokens`, { name: 'second' })],
  ['rotateOperatorToken', async () => {
    const rotated = await call('POST', `/v1/operators/${made.operator}/tokens/${made.token}/rotate`);
    made.token = rotated.body.info.id as string;
    return rotated;
  }],
  ['revokeOperatorToken', () => call('POST', `/v1/operators/${made.operator}/tokens/${made.token}/revoke`)],
  ['disableOperator', () => call('POST', `/v1/operators/${made.operator}/disable`)],
  ['enableOperator', () => call('POST', `/v1/operators/${made.operator}/enable`)],
];

describe('an operator pool of one connection', () => {
  it('lists every operator route of the API here', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; security?: { operatorToken?: unknown }[] }>> };
    const operatorRoutes = Object.values(doc.paths).flatMap((ops) => Object.values(ops))
      .filter((op) => op.security?.some((s) => 'operatorToken' in s)).map((op) => op.operationId);
    expect(routes.map(([id]) => id).sort()).toEqual(operatorRoutes.sort());
  });

  it.each(routes)('answers %s without a server fault', async (_id, run) => {
    const res = await run();
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
  });

  it('starts and ends eight impersonations at once, and serves an unrelated tenant meanwhile', async () => {
    const starts = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      call('POST', `/v1/tenants/${tenantA}/impersonations`, { reason: `TICKET-${i}: concurrent`, durationMinutes: 5 })));
    expect(starts.map((r) => r.status)).toEqual(Array(8).fill(201));
    const [ends, other] = await Promise.all([
      Promise.all(starts.map((r) => call('POST', `/v1/tenants/${tenantA}/impersonations/${r.body.id as string}/end`))),
      call('GET', `/v1/tenants/${tenantA}`),
    ]);
    expect(ends.map((r) => r.status)).toEqual(Array(8).fill(204));
    expect(other.status).toBe(200);
  });

  it('accepts an impersonation token on a tenant route', async () => {
    const { body } = await call('POST', `/v1/tenants/${tenantA}/impersonations`, { reason: 'TICKET-9: tenant route', durationMinutes: 5 });
    const res = await api.request('GET', '/v1/tenant/members', { token: body.token as string, deadlineMs: DEADLINE_MS });
    expect(res.status).toBe(200);
  });
});
