// Retention deletes what is older than each tenant's period at the injected clock's "now" — and
// nothing of tenants without a policy or younger than it — recording and auditing each run.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withAuditOperator, queryAuditEvents } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import { codeOf, createTestClock, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { directoryBackupStore, type BackupStore } from './backup-store.js';
import { applyRetention, retentionPolicies, setRetentionPolicy } from './retention.js';
import { createTenantBackups } from './tenant-backups.js';

const DAY = 86_400_000;
const clock = createTestClock(inject('testNow'));
let t: TestTenantry;
let spool: string;
let store: BackupStore;
let serial = 0;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  spool = await mkdtemp(join(tmpdir(), 'retention-test-'));
  store = directoryBackupStore({ dir: join(spool, 'backups'), residency: 'eu' });
});
afterAll(async () => {
  await rm(spool, { recursive: true, force: true });
  await t?.close();
});

const newTenant = async (plan = 'free') => (await t.registry.create({ slug: `r-${(serial += 1)}`, plan })).id;

/** Usage events and activity rows `ages` days old (by the clock now). */
async function history(tenant: TenantId, ages: readonly number[]): Promise<void> {
  for (const age of ages) {
    const at = new Date(clock.now().getTime() - age * DAY);
    await t.admin.query('INSERT INTO tenantry.usage_events (tenant_id, id, meter, quantity, occurred_at, recorded_at) VALUES ($1, $2, $3, 1, $4, $4)', [tenant, randomUUID(), 'api.calls', at]);
    const bucket = new Date(Math.floor(at.getTime() / 300_000) * 300_000);
    await t.admin.query(`INSERT INTO tenantry.tenant_activity (subject_tenant, bucket_start, requests, server_errors, client_errors, duration_ms_sum, latency_counts)
      VALUES ($1, $2, 1, 0, 0, 1, array_fill(0::bigint, ARRAY[12])) ON CONFLICT DO NOTHING`, [tenant, bucket]);
  }
}

async function counts(tenant: TenantId): Promise<{ usage: number; activity: number }> {
  const { rows: [row] } = await t.admin.query<{ usage: number; activity: number }>(
    `SELECT (SELECT count(*)::int FROM tenantry.usage_events WHERE tenant_id = $1) AS usage,
            (SELECT count(*)::int FROM tenantry.tenant_activity WHERE subject_tenant = $1) AS activity`, [tenant]);
  return row as { usage: number; activity: number };
}

describe('retention', () => {
  it('refuses an unknown class or a period out of range', async () => {
    expect(await codeOf(setRetentionPolicy(t.operator, { plan: 'free' }, 'invoices' as never, 30, clock))).toBe('RETENTION_POLICY_INVALID');
    expect(await codeOf(setRetentionPolicy(t.operator, { plan: 'free' }, 'usage_events', 0, clock))).toBe('RETENTION_POLICY_INVALID');
  });

  it('deletes exactly what is older than each tenant\'s period (plan default, tenant override), and audits it', { timeout: 60_000 }, async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ ages: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }), override: fc.option(fc.integer({ min: 1, max: 365 }), { nil: null }), plan: fc.constantFrom('free', 'pro') }), { minLength: 2, maxLength: 5 }),
      async (tenants) => {
        await t.admin.query('DELETE FROM tenantry.retention_policies');
        await setRetentionPolicy(t.operator, { plan: 'free' }, 'usage_events', 30, clock);
        await setRetentionPolicy(t.operator, { plan: 'free' }, 'activity', 30, clock);
        // Plan `pro` has no policy: its tenants keep everything unless overridden.
        const made: Array<{ id: TenantId; ages: number[]; keep: number | null }> = [];
        for (const spec of tenants) {
          const id = await newTenant(spec.plan);
          await history(id, spec.ages);
          if (spec.override !== null) {
            await setRetentionPolicy(t.operator, { tenantId: id }, 'usage_events', spec.override, clock);
            await setRetentionPolicy(t.operator, { tenantId: id }, 'activity', spec.override, clock);
          }
          made.push({ id, ages: spec.ages, keep: spec.override ?? (spec.plan === 'free' ? 30 : null) });
        }
        const result = await applyRetention({ operator: t.operator, clock });
        for (const { id, ages, keep } of made) {
          const kept = keep === null ? ages : ages.filter((age) => age * DAY <= keep * DAY);
          expect((await counts(id)).usage).toBe(kept.length);
          expect((await retentionPolicies(t.operator, id)).map((p) => p.keepDays)).toEqual(keep === null ? [] : [keep, keep]);
          const deleted = ages.length - kept.length;
          const { events } = await withAuditOperator(t.operator, id, (tx) => queryAuditEvents(tx, { action: 'retention.apply' }));
          expect(events.length).toBe(deleted > 0 ? 1 : 0);
          if (keep !== null) expect(result.deleted[id]?.usage_events).toBe(deleted);
        }
        const { rows } = await t.operator.query('SELECT id FROM tenantry.retention_runs WHERE id = $1', [result.id]);
        expect(rows).toHaveLength(1);
      },
    ), { numRuns: 5 });
  });

  it('deletes backups older than the period, by the injected clock', async () => {
    const tenant = await newTenant('pro');
    const backups = createTenantBackups({ app: t.app, db: t.db, operator: t.operator, store, clock, spoolDir: spool });
    const old = await backups.backup(tenant, { actor: 'operator:test' });
    clock.advance(10 * DAY);
    const recent = await backups.backup(tenant, { actor: 'operator:test' });
    await setRetentionPolicy(t.operator, { tenantId: tenant }, 'backups', 7, clock);
    const result = await applyRetention({ operator: t.operator, backups: store, clock });
    expect(result.deleted[tenant]?.backups).toBe(1);
    expect((await store.list(tenant)).map((b) => b.id)).toEqual([recent.id]);
    expect(old.id).not.toBe(recent.id);
  });
});
