// Feature flags against a real PostgreSQL: the resolution order override → plan → rollout →
// default with its source, audited overrides, plan changes seen after invalidate(), and one
// tenant's overrides out of every other tenant's reach.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { memoryChangeFeed } from '../redis/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createFeatureFlags, MAX_FLAG_OVERRIDES } from './feature-flags.js';
import { rolloutBucket } from './flag-rollout.js';
import { systemActor } from './permissions.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
const actor = systemActor('user:ada');
const PLANS: Record<string, Record<string, boolean>> = { free: { sso: false, exports: true }, pro: { sso: true, exports: true } };
const options = () => ({
  db: t.db,
  flags: { 'new-editor': { rolloutPercent: 50 }, 'dark-mode': { default: true }, sso: { default: false } },
  planFeatures: (plan: string) => PLANS[plan] ?? {},
});
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
});
afterAll(() => t?.close());
// What the registry's plan change does (as the operator role); this service is not told.
const setPlan = (id: TenantId, plan: string) => t.operator.query('UPDATE tenantry.tenants SET plan = $2 WHERE id = $1', [id, plan]);

describe('feature flags', () => {
  it('resolves each flag from the plan, the rollout or the default, and says which', async () => {
    const flags = createFeatureFlags(options());
    const resolved = await flags.load(a);
    expect(resolved.plan).toBe('free');
    expect(resolved.items).toEqual([
      { key: 'dark-mode', enabled: true, source: 'default' },
      { key: 'exports', enabled: true, source: 'plan' },
      { key: 'new-editor', enabled: rolloutBucket('new-editor', a) < 5000, source: 'rollout' },
      { key: 'sso', enabled: false, source: 'plan' },
    ]);
    expect(resolved.get('unknown-flag')).toEqual({ key: 'unknown-flag', enabled: false, source: 'default' });
  });

  it('lets an override win over everything, audits it, and falls back when it is cleared', async () => {
    const flags = createFeatureFlags(options());
    expect(await flags.set(a, 'sso', true, actor)).toEqual({ key: 'sso', enabled: true, source: 'override' });
    expect(await flags.set(a, 'new-editor', false, actor)).toEqual({ key: 'new-editor', enabled: false, source: 'override' });
    expect((await flags.load(a)).get('sso')).toEqual({ key: 'sso', enabled: true, source: 'override' });
    expect(await flags.clear(a, 'sso', actor)).toEqual({ key: 'sso', enabled: false, source: 'plan' });
    expect(await flags.clear(a, 'sso', actor)).toEqual({ key: 'sso', enabled: false, source: 'plan' });
    expect(await flags.clear(a, 'new-editor', actor)).toMatchObject({ source: 'rollout' });
    const { events } = await t.db.withTenant(a, (scope) => queryAuditEvents(scope, { limit: 20 }));
    expect(events.filter((e) => e.action.startsWith('feature_flag.')).map((e) => `${e.action} ${e.target ?? ''}`)).toEqual([
      'feature_flag.set flag:sso', 'feature_flag.set flag:new-editor', 'feature_flag.clear flag:sso', 'feature_flag.clear flag:new-editor',
    ]);
  });

  it('refuses bad keys and more overrides than the limit', async () => {
    const flags = createFeatureFlags(options());
    for (const key of ['', 'Upper', 'with space', 'x'.repeat(65), '1st', 'a:b']) {
      await expect(flags.set(a, key, true, actor)).rejects.toMatchObject({ code: 'FLAG_KEY_INVALID' });
    }
    await t.db.transaction(b, async (tx) => {
      for (let i = 0; i < MAX_FLAG_OVERRIDES; i += 1) {
        await unguardedQuery(tx).query(`INSERT INTO tenantry.feature_flag_overrides (flag_key, enabled, updated_at, updated_by) VALUES ($1, true, now(), 'test')`, [`bulk-${i}`]);
      }
    });
    await expect(flags.set(b, 'one-more', true, actor)).rejects.toMatchObject({ code: 'FLAG_OVERRIDE_LIMIT_REACHED' });
    expect(await flags.set(b, 'bulk-0', false, actor)).toMatchObject({ enabled: false }); // changing one is fine
    await t.db.withTenant(b, (scope) => unguardedQuery(scope).query(`DELETE FROM tenantry.feature_flag_overrides WHERE flag_key LIKE 'bulk-%'`));
  });

  it('sees a plan change once invalidate() is called (the registry changes the plan, not this service)', async () => {
    const feed = memoryChangeFeed();
    const one = createFeatureFlags({ ...options(), feed });
    const two = createFeatureFlags({ ...options(), feed });
    await Promise.all([one.ready(), two.ready()]);
    expect((await two.load(b)).isEnabled('sso')).toBe(false);
    await setPlan(b, 'pro');
    expect((await two.load(b)).isEnabled('sso')).toBe(false); // still cached
    await one.invalidate(b);
    expect((await two.load(b)).get('sso')).toEqual({ key: 'sso', enabled: true, source: 'plan' });
    await setPlan(b, 'free');
    await one.invalidate(b);
    await Promise.all([one.close(), two.close()]);
  });

  it('keeps one tenant\'s overrides out of another\'s reach, even with raw SQL under its context', async () => {
    const flags = createFeatureFlags(options());
    await flags.set(a, 'beta', true, actor);
    expect((await flags.load(b)).get('beta').source).toBe('default');
    await t.db.transaction(b, async (tx) => {
      const sql = unguardedQuery(tx);
      expect((await sql.query(`SELECT * FROM tenantry.feature_flag_overrides WHERE tenant_id = $1`, [a])).rowCount).toBe(0);
      expect((await sql.query(`UPDATE tenantry.feature_flag_overrides SET enabled = false WHERE tenant_id = $1`, [a])).rowCount).toBe(0);
      expect((await sql.query(`DELETE FROM tenantry.feature_flag_overrides WHERE tenant_id = $1`, [a])).rowCount).toBe(0);
      await expect(tx.savepoint(() => sql.query(`INSERT INTO tenantry.feature_flag_overrides (tenant_id, flag_key, enabled, updated_at, updated_by) VALUES ($1, 'beta', false, now(), 'x')`, [a])))
        .rejects.toMatchObject({ kind: 'forbidden' });
    });
    expect((await flags.load(a)).get('beta')).toEqual({ key: 'beta', enabled: true, source: 'override' });
  });
});
