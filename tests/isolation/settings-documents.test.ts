// Property: random concurrent changes and cached reads of settings, flag overrides and branding,
// across many tenants on a small pool and two instances sharing a feed, always give each tenant
// exactly its own documents (equal to an in-memory model), and the rows behind them are that
// tenant's.
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { createControlPlane, systemActor, type ControlPlane } from 'tenantry/control';
import { memoryChangeFeed } from 'tenantry/redis';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';

const TENANTS = 12;
const LOCALES = ['en-US', 'fr-FR', 'de-DE', 'ja-JP'] as const;
const FLAGS = ['alpha', 'beta', 'gamma'] as const;
const Settings = Type.Object({ locale: Type.String({ default: 'en-US' }) });
const actor = systemActor('user:prop');

interface Model { locale: string; flags: Map<string, boolean>; name: string | null }

let t: TestTenantry;
let tenants: TenantId[];
let planes: ControlPlane<typeof Settings>[];
const model = new Map<TenantId, Model>();

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: TENANTS, appPoolSize: 2 });
  tenants = t.tenants.map((x) => x.id);
  const feed = memoryChangeFeed();
  planes = [0, 1].map(() => createControlPlane({ db: t.db, operator: t.operator, encryption: 'none', settingsSchema: Settings, changeFeed: feed }));
  await Promise.all(planes.map((p) => p.ready()));
  for (const id of tenants) model.set(id, { locale: 'en-US', flags: new Map(), name: null });
});
afterAll(async () => {
  await Promise.all((planes ?? []).map((p) => p.close()));
  await t?.close();
});

const op = fc.record({
  tenant: fc.integer({ min: 0, max: TENANTS - 1 }),
  instance: fc.integer({ min: 0, max: 1 }),
  kind: fc.constantFrom('locale', 'flag', 'unflag', 'brand', 'read'),
  locale: fc.constantFrom(...LOCALES),
  flag: fc.constantFrom(...FLAGS),
  on: fc.boolean(),
  name: fc.constantFrom('Acme', 'Bravo', 'Cobalt'),
});

describe('settings, flags and branding of many tenants, two instances, a pool of two', () => {
  it('give each tenant exactly its own documents, and show no other tenant\'s rows', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 16 }), async (ops) => {
      // One change per tenant per batch runs concurrently with the others (their order within a
      // tenant is then known, so the model stays exact); reads race everything.
      const seen = new Set<number>();
      await Promise.all(ops.map(async (o) => {
        const id = tenants[o.tenant]!;
        const plane = planes[o.instance]!;
        const m = model.get(id)!;
        if (o.kind === 'read') {
          await Promise.all([plane.settings.get(id), plane.flags.load(id), plane.branding.get(id)]);
          return;
        }
        if (seen.has(o.tenant)) return;
        seen.add(o.tenant);
        if (o.kind === 'locale') { m.locale = o.locale; await plane.settings.update(id, { locale: o.locale }, actor); }
        if (o.kind === 'flag') { m.flags.set(o.flag, o.on); await plane.flags.set(id, o.flag, o.on, actor); }
        if (o.kind === 'unflag') { m.flags.delete(o.flag); await plane.flags.clear(id, o.flag, actor); }
        if (o.kind === 'brand') { m.name = o.name; await plane.branding.put(id, { name: o.name }, actor); }
      }));
      for (const plane of planes) {
        for (const id of tenants) {
          const m = model.get(id)!;
          expect((await plane.settings.get(id)).locale).toBe(m.locale);
          const overrides = (await plane.flags.load(id)).items.filter((f) => f.source === 'override').map((f) => [f.key, f.enabled]);
          expect(new Map(overrides as [string, boolean][])).toEqual(m.flags);
          expect((await plane.branding.get(id)).name).toBe(m.name);
        }
      }
    }), { numRuns: 12 });
    // The rows themselves (read as the admin) belong to the tenants the model says: no write
    // landed in another tenant's row.
    const { rows: flagRows } = await t.admin.query<{ tenant_id: TenantId; flag_key: string; enabled: boolean }>('SELECT tenant_id, flag_key, enabled FROM tenantry.feature_flag_overrides');
    const { rows: brandRows } = await t.admin.query<{ tenant_id: TenantId; name: string | null }>('SELECT tenant_id, name FROM tenantry.tenant_branding');
    const { rows: settingRows } = await t.admin.query<{ tenant_id: TenantId; locale: string | null }>(`SELECT tenant_id, settings->>'locale' AS locale FROM tenantry.tenant_settings`);
    for (const id of tenants) {
      const m = model.get(id)!;
      expect(new Map(flagRows.filter((r) => r.tenant_id === id).map((r) => [r.flag_key, r.enabled]))).toEqual(m.flags);
      expect(brandRows.find((r) => r.tenant_id === id)?.name ?? null).toBe(m.name);
      expect(settingRows.find((r) => r.tenant_id === id)?.locale ?? 'en-US').toBe(m.locale);
    }
  });
});
