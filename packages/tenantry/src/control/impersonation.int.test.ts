// Impersonation against a real PostgreSQL: a reason is required, sessions are time-boxed by the
// clock, recorded with operator and reason, handed to the audit hook before they count, and end
// when ended, expired, or their operator is disabled.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createImpersonation, createOperators, type ControlAuditEvent, type Impersonation, type Operator, type Operators } from './index.js';

let t: TestTenantry;
let a: Tenant;
let operators: Operators;
let impersonation: Impersonation;
let ada: Operator;
let serial = 0;
// Time starts at testNow (TENANTRY_TEST_NOW) and moves only when a test moves it.
let now = new Date(inject('testNow'));
const clock = { now: () => new Date(now) };
const MINUTE = 60_000;
const events: ControlAuditEvent[] = [];
const sessionCount = async () => (await t.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.impersonation_sessions')).rows[0]?.n;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, clock });
  [a] = t.tenants as [Tenant];
  operators = createOperators({ operator: t.operator, clock });
  impersonation = createImpersonation({ operator: t.operator, clock, maxDurationMs: 30 * MINUTE, onAuditEvent: (e) => void events.push(e) });
  ada = await operators.create({ email: 'ada@platform.example', displayName: 'Ada' });
});
afterAll(() => t?.close());

const start = (input: Partial<{ operatorId: string; tenantId: string; reason: string; durationMs: number }> = {}) =>
  impersonation.startImpersonation({ operatorId: ada.id, tenantId: a.id, reason: `TICKET-${(serial += 1)}: export fails`, durationMs: 10 * MINUTE, ...input });

describe('starting', () => {
  it('records operator, tenant, reason and times, tells the audit hook, and the token finds the session', async () => {
    events.length = 0;
    const { session, token } = await start({ reason: '  TICKET-1: look at the failing export  ' });
    expect(token).toMatch(/^tnt_imp_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(session).toMatchObject({ operatorId: ada.id, tenantId: a.id, reason: 'TICKET-1: look at the failing export', status: 'active', startedAt: now });
    expect(session.expiresAt).toEqual(new Date(now.getTime() + 10 * MINUTE));
    const { rows: [row] } = await t.admin.query('SELECT operator_id, target_tenant, reason FROM tenantry.impersonation_sessions WHERE id = $1', [session.id]);
    expect(row).toEqual({ operator_id: ada.id, target_tenant: a.id, reason: 'TICKET-1: look at the failing export' });
    expect(events).toEqual([{
      tenantId: a.id, actor: `operator:${ada.id}`, action: 'impersonation.start', target: `impersonation:${session.id}`,
      details: { operatorId: ada.id, reason: session.reason, expiresAt: session.expiresAt.toISOString() },
    }]);
    expect(await impersonation.activeImpersonation(token)).toEqual(session);
  });

  it.each([['an empty reason', ''], ['a blank reason', '   '], ['an overlong reason', 'x'.repeat(1001)]])('refuses %s and records nothing', async (_, reason) => {
    const before = await sessionCount();
    expect(await codeOf(start({ reason }))).toBe('IMPERSONATION_REASON_REQUIRED');
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a duration beyond the maximum, or not a positive whole number of milliseconds', async () => {
    for (const durationMs of [30 * MINUTE + 1, 0, -5, 1.5, Number.NaN]) {
      expect(await codeOf(start({ durationMs })), String(durationMs)).toBe('IMPERSONATION_DURATION_INVALID');
    }
    expect((await start({ durationMs: 30 * MINUTE })).session.status).toBe('active');
  });

  it('refuses an unknown operator, a disabled one, and a tenant that does not exist or was deleted', async () => {
    expect(await codeOf(start({ operatorId: '00000000-0000-4000-8000-000000000000' }))).toBe('OPERATOR_NOT_FOUND');
    expect(await codeOf(start({ tenantId: '00000000-0000-4000-8000-000000000000' }))).toBe('TENANT_NOT_FOUND');
    const gone = await t.registry.create({ slug: 'gone-tenant' });
    await t.registry.offboard(gone.id);
    await t.registry.delete(gone.id);
    expect(await codeOf(start({ tenantId: gone.id }))).toBe('TENANT_NOT_FOUND');
    const bob = await operators.create({ email: 'bob@platform.example', displayName: 'Bob' });
    await operators.disable(bob.id);
    expect(await codeOf(start({ operatorId: bob.id }))).toBe('OPERATOR_DISABLED');
  });

  it('does not happen when the audit hook fails', async () => {
    const failing = createImpersonation({ operator: t.operator, clock, onAuditEvent: () => Promise.reject(new Error('audit log down')) });
    const before = await sessionCount();
    await expect(failing.startImpersonation({ operatorId: ada.id, tenantId: a.id, reason: 'x', durationMs: MINUTE })).rejects.toThrow();
    expect(await sessionCount()).toBe(before);
  });
});

describe('a running session', () => {
  it('expires by the clock', async () => {
    const { session, token } = await start({ durationMs: 5 * MINUTE });
    const begun = now;
    try {
      now = new Date(begun.getTime() + 5 * MINUTE - 1);
      expect(await impersonation.activeImpersonation(token)).toBeDefined();
      now = new Date(begun.getTime() + 5 * MINUTE);
      expect(await impersonation.activeImpersonation(token)).toBeUndefined();
      expect((await impersonation.listImpersonations({ tenantId: a.id })).find((s) => s.id === session.id)?.status).toBe('expired');
    } finally {
      now = begun;
    }
  });

  it('ends when ended, once: the token stops working and the end is recorded and audited', async () => {
    const { session, token } = await start();
    events.length = 0;
    const ended = await impersonation.endImpersonation(session.id);
    expect(ended).toMatchObject({ status: 'ended', endedAt: now, endedBy: `operator:${ada.id}` });
    expect(await impersonation.activeImpersonation(token)).toBeUndefined();
    expect(events.map((e) => [e.action, e.target])).toEqual([['impersonation.end', `impersonation:${session.id}`]]);
    expect(await impersonation.endImpersonation(session.id)).toEqual(ended);
    expect(events).toHaveLength(1);
    expect(await codeOf(impersonation.endImpersonation('00000000-0000-4000-8000-000000000000'))).toBe('IMPERSONATION_NOT_FOUND');
  });

  it('stops working while its operator is disabled, and refuses an altered token', async () => {
    const cy = await operators.create({ email: 'cy@platform.example', displayName: 'Cy' });
    const { token } = await start({ operatorId: cy.id });
    expect(await impersonation.activeImpersonation(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    await operators.disable(cy.id);
    expect(await impersonation.activeImpersonation(token)).toBeUndefined();
    await operators.enable(cy.id);
    expect((await impersonation.activeImpersonation(token))?.operatorId).toBe(cy.id);
  });

  it('is listed with its reason for the tenant and the operator', async () => {
    const { session } = await start({ reason: 'listed reason' });
    expect((await impersonation.listImpersonations({ tenantId: a.id })).find((s) => s.id === session.id)?.reason).toBe('listed reason');
    expect((await impersonation.listImpersonations({ operatorId: ada.id })).map((s) => s.id)).toContain(session.id);
    expect(await impersonation.listImpersonations({ operatorId: 'nope' })).toEqual([]);
  });
});
