// Tenant settings against a real PostgreSQL: defaults, validation naming the field, audited
// writes under the tenant's own isolation, a schema that changed under stored values, the cache
// following changes, and tenants kept apart (fast-check, many tenants, a small pool).
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { memoryChangeFeed } from '../redis/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { systemActor } from './permissions.js';
import { createTenantSettings } from './tenant-settings.js';

const Schema = Type.Object({
  timezone: Type.String({ minLength: 1, maxLength: 64, default: 'UTC' }),
  seats: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  notifications: Type.Object({ email: Type.Boolean({ default: true }), digest: Type.Union([Type.Literal('daily'), Type.Literal('weekly')], { default: 'weekly' }) }, { default: {} }),
  nickname: Type.Optional(Type.String({ maxLength: 20 })),
}, { additionalProperties: false });

let t: TestTenantry;
let ids: TenantId[];
const actor = systemActor('user:ada');
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 10, appPoolSize: 2 });
  ids = t.tenants.map((x) => x.id);
});
afterAll(() => t?.close());

describe('tenant settings', () => {
  it('gives a tenant that chose nothing the defaults', async () => {
    const settings = createTenantSettings({ db: t.db, schema: Schema });
    expect(await settings.get(ids[0]!)).toEqual({ timezone: 'UTC', seats: 5, notifications: { email: true, digest: 'weekly' } });
  });

  it('stores a patch, keeps the other choices, and records who changed which fields', async () => {
    const settings = createTenantSettings({ db: t.db, schema: Schema });
    await settings.update(ids[1]!, { timezone: 'Europe/Paris' }, actor);
    const values = await settings.update(ids[1]!, { seats: 12, notifications: { email: false, digest: 'daily' } }, actor);
    expect(values).toEqual({ timezone: 'Europe/Paris', seats: 12, notifications: { email: false, digest: 'daily' } });
    expect(await settings.get(ids[1]!)).toEqual(values);
    expect(Object.isFrozen(values) && Object.isFrozen(values.notifications)).toBe(true);
    const { events } = await t.db.withTenant(ids[1]!, (scope) => queryAuditEvents(scope, { limit: 10 }));
    expect(events.filter((e) => e.action.startsWith('settings.')).map((e) => [e.actor, e.action, e.details])).toEqual([
      ['user:ada', 'settings.update', { fields: ['timezone'] }],
      ['user:ada', 'settings.update', { fields: ['seats', 'notifications'] }],
    ]);
    // Only the choices are stored: a default the application changes later still reaches this tenant.
    const { rows } = await t.admin.query<{ settings: unknown }>('SELECT settings FROM tenantry.tenant_settings WHERE tenant_id = $1', [ids[1]]);
    expect(rows[0]?.settings).toEqual({ timezone: 'Europe/Paris', seats: 12, notifications: { email: false, digest: 'daily' } });
  });

  it.each([
    [{ seats: 0 }, 'seats'],
    [{ seats: 'many' }, 'seats'],
    [{ notifications: { email: true, digest: 'hourly' } }, 'notifications.digest'],
    [{ notifications: { email: 'yes' } }, 'notifications.email'],
    [{ nickname: 'x'.repeat(21) }, 'nickname'],
    [{ colour: 'red' }, 'colour'],
  ])('refuses %j with SETTINGS_INVALID naming %s, and changes nothing', async (patch, field) => {
    const settings = createTenantSettings({ db: t.db, schema: Schema });
    const before = await settings.get(ids[2]!);
    await expect(settings.update(ids[2]!, patch as never, actor)).rejects.toMatchObject({ code: 'SETTINGS_INVALID', details: { field } });
    expect(await settings.get(ids[2]!)).toEqual(before);
  });

  it('refuses a patch that is not an object', async () => {
    const settings = createTenantSettings({ db: t.db, schema: Schema });
    await expect(settings.update(ids[2]!, [] as never, actor)).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
  });

  it('puts reset settings back to their defaults', async () => {
    const settings = createTenantSettings({ db: t.db, schema: Schema });
    await settings.update(ids[3]!, { seats: 9, timezone: 'Asia/Tokyo' }, actor);
    expect(await settings.reset(ids[3]!, ['seats'], actor)).toMatchObject({ seats: 5, timezone: 'Asia/Tokyo' });
  });

  it('falls back to the default for a stored value the schema no longer accepts', async () => {
    const old = createTenantSettings({ db: t.db, schema: Schema });
    await old.update(ids[4]!, { seats: 800, timezone: 'America/Lima' }, actor);
    const Narrower = Type.Object({ timezone: Type.String({ default: 'UTC' }), seats: Type.Integer({ maximum: 100, default: 5 }) });
    const now = createTenantSettings({ db: t.db, schema: Narrower });
    expect(await now.get(ids[4]!)).toEqual({ timezone: 'America/Lima', seats: 5 });
    // …and does not block a patch of another setting; the stale choice is dropped on that write.
    expect(await now.update(ids[4]!, { timezone: 'America/Bogota' }, actor)).toEqual({ timezone: 'America/Bogota', seats: 5 });
  });

  it('refuses at creation a schema whose defaults are not valid settings', () => {
    let error: unknown;
    try {
      createTenantSettings({ db: t.db, schema: Type.Object({ plan: Type.String() }) });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { path: 'schema.plan' } });
  });

  it('serves cached reads until a change, which every instance sees', async () => {
    const feed = memoryChangeFeed();
    const one = createTenantSettings({ db: t.db, schema: Schema, feed });
    const two = createTenantSettings({ db: t.db, schema: Schema, feed });
    await Promise.all([one.ready(), two.ready()]);
    const id = ids[5]!;
    await one.get(id);
    await two.get(id);
    expect(two.peek(id)?.seats).toBe(5);
    await one.update(id, { seats: 42 }, actor);
    expect(two.peek(id)).toBeUndefined();
    expect((await two.get(id)).seats).toBe(42);
    // A write behind the library's back is not seen until invalidate() says so.
    await t.admin.query(`UPDATE tenantry.tenant_settings SET settings = settings || '{"seats": 7}' WHERE tenant_id = $1`, [id]);
    expect((await two.get(id)).seats).toBe(42);
    await one.invalidate(id);
    expect((await two.get(id)).seats).toBe(7);
    await Promise.all([one.close(), two.close()]);
  });

  it('is purged with the tenant\'s other data when the tenant is deleted, with flags and branding', async () => {
    const doomed = await t.registry.create({ slug: 'doomed-settings' });
    const settings = createTenantSettings({ db: t.db, schema: Schema });
    await settings.update(doomed.id, { seats: 3 }, actor);
    await t.db.transaction(doomed.id, async (tx) => {
      const sql = unguardedQuery(tx);
      await sql.query(`INSERT INTO tenantry.feature_flag_overrides (flag_key, enabled, updated_at, updated_by) VALUES ('x', true, now(), 'test')`);
      await sql.query(`INSERT INTO tenantry.tenant_branding (name, updated_at, updated_by) VALUES ('Doomed', now(), 'test')`);
    });
    await t.registry.offboard(doomed.id);
    const { purged } = await t.registry.delete(doomed.id);
    expect(purged.deleted).toMatchObject({ 'tenantry.tenant_settings': 1, 'tenantry.feature_flag_overrides': 1, 'tenantry.tenant_branding': 1 });
  });

  it('keeps every tenant to its own settings (fast-check, 10 tenants, a pool of 2)', async () => {
    const settings = createTenantSettings({ db: t.db, schema: Schema, feed: memoryChangeFeed() });
    await settings.ready();
    for (const id of ids) await settings.reset(id, ['seats', 'timezone', 'notifications', 'nickname'], actor);
    const model = new Map<TenantId, number>(ids.map((id) => [id, 5]));
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ tenant: fc.integer({ min: 0, max: ids.length - 1 }), seats: fc.integer({ min: 1, max: 1000 }), read: fc.boolean() }), { minLength: 1, maxLength: 12 }),
      async (steps) => {
        await Promise.all(steps.map(async ({ tenant, seats, read }) => {
          const id = ids[tenant]!;
          // Reads race the writes: a read that loaded before a write must not stay cached after it.
          if (read) await settings.get(id);
          else await settings.update(id, { seats }, actor);
        }));
        // Concurrent writes to one tenant: the last committed one wins; read the truth back.
        for (const id of ids) {
          const { rows } = await t.admin.query<{ seats: number | null }>(`SELECT (settings->>'seats')::int AS seats FROM tenantry.tenant_settings WHERE tenant_id = $1`, [id]);
          model.set(id, rows[0]?.seats ?? 5);
        }
        for (const id of ids) expect((await settings.get(id)).seats).toBe(model.get(id));
        // Under each tenant's own context, exactly one row is visible: its own.
        for (const id of ids) {
          const { rows } = await t.db.withTenant(id, (scope) => unguardedQuery(scope).query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.tenant_settings'));
          expect(rows[0]?.n).toBe(1);
        }
      },
    ), { numRuns: 15 });
    await settings.close();
  });
});
