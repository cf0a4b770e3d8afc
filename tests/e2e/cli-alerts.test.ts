// `tenantry alerts list|ack|snooze|resolve` (issue 22) through the CLI's own entry point
// (runCli, what bin.ts calls) in this process, against a real database and on a test clock:
// every change is recorded as an operator action of `cli:<user>`, a snooze ends by the clock,
// and a bad duration is a usage error (exit 2) that changes nothing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestClock, createTestTenantry, type TestClock, type TestTenantry } from 'tenantry/testing';
import { parseSnoozeDuration } from '../../packages/server/src/cli/alerts.js';
import { runCli } from '../../packages/server/src/cli/program.js';

let t: TestTenantry;
let env: Record<string, string>;
let clock: TestClock;
let alertId: string;

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  clock = createTestClock(inject('testNow'));
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0, clock });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator, LOG_LEVEL: 'warn' };
  const tenant = await t.registry.create({ slug: 'noisy-co' });
  alertId = randomUUID();
  await t.admin.query(`INSERT INTO tenantry.alert_events (id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, count)
    VALUES ($1, $2, 'high-errors', 'errorRate', 0.5, 0.2, 'open', $3, $3, 3)`, [alertId, tenant.id, clock.now().toISOString()]);
});
afterAll(() => t?.close());

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'tenantry', 'alerts', ...args], { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env, clock });
  return { code, stdout, stderr };
}

describe('tenantry alerts', () => {
  it('lists open alerts naming the tenant by slug', async () => {
    const { code, stdout } = await cli('list', '--status', 'open');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^RULE\s+TENANT\s+VALUE/);
    expect(stdout).toMatch(new RegExp(`^high-errors\\s+noisy-co\\s+0.5\\s+0.2\\s+open\\s+.*${alertId}$`, 'm'));
  });

  it('acknowledges, snoozes until the clock passes the end, and resolves, each recorded as cli:<user>', async () => {
    expect((await cli('ack', alertId)).stdout).toMatch(/^high-errors: acknowledged by cli:/);
    const snoozed = JSON.parse((await cli('snooze', alertId, '--for', '2h', '--json')).stdout) as { snoozed: boolean; snoozedUntil: string };
    expect(snoozed).toMatchObject({ snoozed: true, snoozedUntil: new Date(clock.now().getTime() + 2 * 3_600_000).toISOString() });
    expect((await cli('list', '--hide-snoozed')).stdout).toBe('no alerts\n');
    clock.advance(2 * 3_600_000);
    expect((await cli('list', '--hide-snoozed')).stdout).toContain(alertId);
    expect((await cli('resolve', alertId)).stdout).toMatch(/^high-errors: resolved by cli:/);
    const again = await cli('ack', alertId, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'ALERT_NOT_OPEN' }, exitCode: 1 });
    const { rows } = await t.admin.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM tenantry.operator_actions WHERE details->>'alertId' = $1 ORDER BY occurred_at, action", [alertId]);
    expect(rows.map((r) => r.action)).toEqual(['alert.acknowledge', 'alert.snooze', 'alert.resolve']);
    expect(rows.every((r) => r.actor.startsWith('cli:'))).toBe(true);
  });

  it('refuses a bad duration as a usage error (exit 2) and an unknown alert with ALERT_NOT_FOUND (exit 1)', async () => {
    for (const bad of ['0m', '31d', 'soon', '-5', '1.5h']) expect(() => parseSnoozeDuration(bad), bad).toThrow(/90m, 2h or 3d/);
    expect([parseSnoozeDuration('90'), parseSnoozeDuration('90m'), parseSnoozeDuration('2h'), parseSnoozeDuration('30d')]).toEqual([90, 90, 120, 43_200]);
    expect((await cli('snooze', randomUUID(), '--for', 'soon')).code).toBe(2);
    const missing = await cli('ack', randomUUID());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ALERT_NOT_FOUND');
  });
});
