// Alert triage against a real PostgreSQL: acknowledge, snooze and resolve an open alert, each
// recorded in operator_actions with the alert's tenant in the same transaction; a snooze ends by
// the injected clock (never the wall clock), and a resolved alert takes no more triage.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock, Tenant } from '../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { createAlertEvents, MAX_SNOOZE_MINUTES, type AlertEvents } from './alert-events.js';

const START = new Date(inject('testNow'));
const MINUTE = 60_000;
let now = START;
const clock: Clock = { now: () => now };
let t: TestTenantry;
let alerts: AlertEvents;
let tenant: Tenant;
const ann = { actor: 'operator:ann', requestId: 'req-ann' };
const bob = { actor: 'operator:bob' };

async function openAlert(rule: string): Promise<string> {
  const id = randomUUID();
  await t.admin.query(`INSERT INTO tenantry.alert_events (id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, count)
    VALUES ($1, $2, $3, 'errorRate', 0.5, 0.2, 'open', $4, $4, 1)`, [id, tenant.id, rule, START.toISOString()]);
  return id;
}
async function actionsFor(alertId: string) {
  const { rows } = await t.admin.query<{ action: string; actor: string; subject_tenant: string; request_id: string | null }>(
    "SELECT action, actor, subject_tenant, request_id FROM tenantry.operator_actions WHERE details->>'alertId' = $1 ORDER BY occurred_at, action", [alertId]);
  return rows;
}
const listed = async (snoozed: 'include' | 'exclude') => (await alerts.list({ status: 'open', snoozed }, ann)).items.map((a) => a.id);

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  tenant = await t.registry.create({ slug: 'triaged' });
  alerts = createAlertEvents({ operator: t.operator, clock });
});
afterAll(() => t?.close());

describe('alert triage', () => {
  it('acknowledges an open alert with who and when; a second acknowledgement keeps the first', async () => {
    const id = await openAlert('ack-me');
    expect(await alerts.acknowledge(id, ann)).toMatchObject({ status: 'open', acknowledgedAt: START, acknowledgedBy: 'operator:ann', snoozed: false });
    now = new Date(START.getTime() + 5 * MINUTE);
    expect(await alerts.acknowledge(id, bob)).toMatchObject({ acknowledgedAt: START, acknowledgedBy: 'operator:ann' });
    expect(await actionsFor(id)).toEqual([
      { action: 'alert.acknowledge', actor: 'operator:ann', subject_tenant: tenant.id, request_id: 'req-ann' },
      { action: 'alert.acknowledge', actor: 'operator:bob', subject_tenant: tenant.id, request_id: null },
    ]);
  });

  it('snoozes an alert until the injected clock passes the end, hiding it only from lists that exclude snoozed ones', async () => {
    now = START;
    const id = await openAlert('snooze-me');
    const snoozed = await alerts.snooze(id, 60, bob);
    expect(snoozed).toMatchObject({ snoozed: true, snoozedBy: 'operator:bob', snoozedUntil: new Date(START.getTime() + 60 * MINUTE) });
    expect(await listed('exclude')).not.toContain(id);
    expect(await listed('include')).toContain(id);
    now = new Date(START.getTime() + 60 * MINUTE - 1);
    expect(await listed('exclude')).not.toContain(id);
    // The end is exclusive: at snoozedUntil it needs attention again.
    now = new Date(START.getTime() + 60 * MINUTE);
    expect(await listed('exclude')).toContain(id);
    expect((await alerts.list({ status: 'open' }, ann)).items.find((a) => a.id === id)).toMatchObject({ snoozed: false });
    expect((await actionsFor(id)).map((a) => a.action)).toEqual(['alert.snooze']);
  });

  it('refuses a snooze of zero, negative, fractional or over 30 days, and changes nothing', async () => {
    const id = await openAlert('bad-snooze');
    for (const minutes of [0, -5, 1.5, MAX_SNOOZE_MINUTES + 1, Number.NaN]) {
      expect(await errorOf(alerts.snooze(id, minutes, ann)), String(minutes)).toMatchObject({ code: 'ALERT_SNOOZE_INVALID' });
    }
    expect(await actionsFor(id)).toEqual([]);
    expect(await alerts.snooze(id, MAX_SNOOZE_MINUTES, ann)).toMatchObject({ snoozed: true });
  });

  it('resolves by hand with who, then refuses more triage of it with ALERT_NOT_OPEN', async () => {
    now = new Date(START.getTime() + 90 * MINUTE);
    const id = await openAlert('resolve-me');
    expect(await alerts.resolve(id, ann)).toMatchObject({ status: 'resolved', resolvedBy: 'operator:ann', resolvedAt: now, snoozed: false });
    for (const attempt of [() => alerts.resolve(id, bob), () => alerts.acknowledge(id, bob), () => alerts.snooze(id, 5, bob)]) {
      expect(await errorOf(attempt())).toMatchObject({ code: 'ALERT_NOT_OPEN', details: { id } });
    }
    // Only the change that happened is recorded.
    expect((await actionsFor(id)).map((a) => a.action)).toEqual(['alert.resolve']);
  });

  it('answers ALERT_NOT_FOUND for an unknown or malformed id, recording nothing', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', "'; DROP TABLE x; --"]) {
      expect(await errorOf(alerts.acknowledge(id, ann)), id).toMatchObject({ code: 'ALERT_NOT_FOUND' });
      expect(await actionsFor(id)).toEqual([]);
    }
  });
});
