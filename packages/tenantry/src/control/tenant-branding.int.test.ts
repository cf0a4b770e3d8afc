// Branding against a real PostgreSQL: PUT replaces, the read is cached and follows changes on
// other instances, the change is audited, and another tenant's branding is never read.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents } from '../audit/index.js';
import type { TenantId } from '../core/index.js';
import { memoryChangeFeed } from '../redis/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { systemActor } from './permissions.js';
import { createTenantBranding } from './tenant-branding.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
const actor = systemActor('user:ada');
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
});
afterAll(() => t?.close());

describe('tenant branding', () => {
  it('starts unset, is replaced by put, followed by every instance, and audited', async () => {
    const feed = memoryChangeFeed();
    const one = createTenantBranding({ db: t.db, feed });
    const two = createTenantBranding({ db: t.db, feed });
    await Promise.all([one.ready(), two.ready()]);
    expect(await two.get(a)).toEqual({ name: null, primaryColor: null, accentColor: null, logoUrl: null });
    await one.put(a, { name: 'Acme', primaryColor: '#ABCDEF', logoUrl: 'https://cdn.acme.com/l.svg' }, actor);
    expect(two.peek(a)).toBeUndefined();
    expect(await two.get(a)).toEqual({ name: 'Acme', primaryColor: '#abcdef', accentColor: null, logoUrl: 'https://cdn.acme.com/l.svg' });
    await one.put(a, { accentColor: '#000' }, actor);
    expect(await two.get(a)).toEqual({ name: null, primaryColor: null, accentColor: '#000000', logoUrl: null });
    expect(await two.get(b)).toEqual({ name: null, primaryColor: null, accentColor: null, logoUrl: null });
    const { events } = await t.db.withTenant(a, (scope) => queryAuditEvents(scope, { limit: 10 }));
    expect(events.filter((e) => e.action === 'branding.update').map((e) => e.details)).toEqual([
      { fields: ['name', 'primaryColor', 'logoUrl'] }, { fields: ['accentColor'] },
    ]);
    await Promise.all([one.close(), two.close()]);
  });

  it('refuses invalid branding before any write', async () => {
    const branding = createTenantBranding({ db: t.db });
    await expect(branding.put(b, { logoUrl: 'http://insecure.example/l.png' }, actor)).rejects.toMatchObject({ code: 'BRANDING_INVALID', details: { field: 'logoUrl' } });
    expect((await branding.get(b)).logoUrl).toBeNull();
  });
});
