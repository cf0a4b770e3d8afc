// Crypto-shredding against a real PostgreSQL: once a tenant's data keys are destroyed, no
// ciphertext of it decrypts again — not the copies kept aside like a backup, not in another
// process that had the key cached — while other tenants are untouched. The destruction is
// reported for the audit log inside its own transaction: audited, or not done.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Clock, TenantId } from '../core/index.js';
import { isolateTable } from '../postgres/index.js';
import { codeOf, createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { createTenantEncryption, localKeyProvider, type KeyEvent, type KeyProvider, type TenantEncryption } from './index.js';

let t: TestTenantry;
let slugs = 0;
const local = localKeyProvider({ keys: { primary: randomBytes(32) } });
let unwraps = 0;
const counted: KeyProvider = { currentKeyId: 'primary', wrap: (k, c) => local.wrap(k, c), unwrap: (w, c) => { unwraps += 1; return local.unwrap(w, c); } };
const at = new Date(Date.UTC(2026, 11, 24));
const clock: Clock = { now: () => at };
const encryption = createTenantEncryption({ keyProvider: counted, clock });
const ctx = (recordId: string) => ({ purpose: 'notes.body', recordId });
const newTenant = async () => (await t.registry.create({ slug: `shred-${(slugs += 1)}` })).id;
const dec = (tenant: TenantId, ciphertext: string, recordId: string, via: TenantEncryption = encryption) =>
  t.db.withTenant(tenant, (s) => via.decryptText(s, ciphertext, ctx(recordId)));
const destroy = (tenant: TenantId, via: TenantEncryption = encryption) => t.db.transaction(tenant, (tx) => via.destroyTenantKeys(tx), { admit: 'offboarding' });

/** A tenant with notes under key versions 1 and 2, and a copy of them kept aside like a backup. */
async function tenantWithBackup() {
  const tenant = await newTenant();
  const backup: { id: string; body: string }[] = [];
  await t.db.transaction(tenant, async (tx) => {
    for (const version of [1, 2]) {
      if (version === 2) await encryption.rotateDataKey(tx);
      const id = randomUUID();
      const body = await encryption.encrypt(tx, `written under v${version}`, ctx(id));
      await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [id, body]);
      backup.push({ id, body });
    }
  });
  return { tenant, backup };
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  await t.admin.query(`CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id));
    CREATE TABLE key_log (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), versions int[] NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('notes', { admin: t.admin });
  await isolateTable('key_log', { admin: t.admin });
});
afterAll(() => t?.close());

describe('destroyTenantKeys', () => {
  it('makes every ciphertext of the tenant, kept aside like a backup, impossible to decrypt', async () => {
    const { tenant, backup } = await tenantWithBackup();
    for (const { id, body } of backup) expect(await dec(tenant, body, id)).toMatch(/^written under v[12]$/);
    const destroyed = await destroy(tenant);
    expect(destroyed).toEqual({ tenantId: tenant, versions: [1, 2], destroyedAt: at });
    for (const { id, body } of backup) expect(await codeOf(dec(tenant, body, id))).toBe('TENANT_KEY_DESTROYED');
    // Nothing to unwrap is left in the database: the wrapped keys themselves are gone.
    const { rows } = await t.admin.query('SELECT version, master_key_id, wrapped_key, destroyed_at FROM tenantry.tenant_keys WHERE tenant_id = $1 ORDER BY version', [tenant]);
    expect(rows).toEqual([1, 2].map((version) => ({ version, master_key_id: null, wrapped_key: null, destroyed_at: at })));
  });

  it('stops another process that had the key cached, at its next use', async () => {
    const { tenant, backup } = await tenantWithBackup();
    const other = createTenantEncryption({ keyProvider: local });
    const [first] = backup as [{ id: string; body: string }];
    expect(await dec(tenant, first.body, first.id, other)).toBe('written under v1');
    await destroy(tenant);
    expect(await codeOf(dec(tenant, first.body, first.id, other))).toBe('TENANT_KEY_DESTROYED');
  });

  it("leaves other tenants' keys and data alone", async () => {
    const doomed = await tenantWithBackup();
    const kept = await tenantWithBackup();
    await destroy(doomed.tenant);
    for (const { id, body } of kept.backup) expect(await dec(kept.tenant, body, id)).toMatch(/^written under v[12]$/);
  });

  it('refuses new encryptions until a new key is started, which never reuses a destroyed version', async () => {
    const { tenant, backup } = await tenantWithBackup();
    await destroy(tenant);
    expect(await codeOf(t.db.withTenant(tenant, (s) => encryption.encrypt(s, 'more', ctx('x'))))).toBe('TENANT_KEY_DESTROYED');
    expect(await t.db.withTenant(tenant, (s) => encryption.rotateDataKey(s))).toEqual({ version: 3 });
    const sealed = await t.db.withTenant(tenant, (s) => encryption.encrypt(s, 'a new start', ctx('x')));
    expect(await dec(tenant, sealed, 'x')).toBe('a new start');
    for (const { id, body } of backup) expect(await codeOf(dec(tenant, body, id))).toBe('TENANT_KEY_DESTROYED');
  });

  it('runs for an offboarding tenant and reports the destruction to onKeyEvent inside its transaction, then the tenant can be deleted', async () => {
    const events: KeyEvent[] = [];
    const audited = createTenantEncryption({
      keyProvider: local,
      clock,
      onKeyEvent: async (event, scope) => {
        events.push(event);
        if (event.type === 'data-keys.destroyed') await scope.query('INSERT INTO key_log (versions) VALUES ($1)', [event.versions]);
      },
    });
    const { tenant } = await tenantWithBackup();
    await t.registry.offboard(tenant);
    await destroy(tenant, audited);
    expect(events).toEqual([{ type: 'data-keys.destroyed', tenantId: tenant, versions: [1, 2], at }]);
    const logged = (await t.admin.query<{ versions: number[] }>('SELECT versions FROM key_log WHERE tenant_id = $1', [tenant])).rows;
    expect(logged).toEqual([{ versions: [1, 2] }]);
    const { purged } = await t.registry.delete(tenant);
    expect(purged.deleted['tenantry.tenant_keys']).toBe(2);
  });

  it('destroys nothing when the audit hook fails: audited, or not done', async () => {
    const failing = createTenantEncryption({ keyProvider: local, onKeyEvent: () => { throw new Error('audit log down'); } });
    const { tenant, backup } = await tenantWithBackup();
    await expect(destroy(tenant, failing)).rejects.toThrow('audit log down');
    for (const { id, body } of backup) expect(await dec(tenant, body, id)).toMatch(/^written under v[12]$/);
  });

  // Through a db.withTenant scope each statement committed on its own: a failing hook found the
  // keys already destroyed, unaudited, and a retry had nothing left to audit (issue 13).
  it('through a withTenant scope too: a failing hook destroys nothing, and a retry is audited', async () => {
    const failing = createTenantEncryption({ keyProvider: local, onKeyEvent: () => { throw new Error('audit log down'); } });
    const { tenant, backup } = await tenantWithBackup();
    await t.registry.offboard(tenant);
    const viaScope = (via: TenantEncryption) => t.db.withTenant(tenant, (scope) => via.destroyTenantKeys(scope), { admit: 'offboarding' });
    await expect(viaScope(failing)).rejects.toThrow('audit log down');
    for (const { id, body } of backup) expect(await t.db.withTenant(tenant, (s) => encryption.decryptText(s, body, ctx(id)), { admit: 'offboarding' })).toMatch(/^written under v[12]$/);
    const events: KeyEvent[] = [];
    const audited = createTenantEncryption({ keyProvider: local, clock, onKeyEvent: async (event, scope) => {
      await scope.query('INSERT INTO key_log (versions) VALUES ($1)', [(event as { versions: readonly number[] }).versions]);
      events.push(event);
    } });
    expect((await viaScope(audited)).versions).toEqual([1, 2]);
    expect(events).toEqual([{ type: 'data-keys.destroyed', tenantId: tenant, versions: [1, 2], at }]);
    expect((await t.admin.query('SELECT versions FROM key_log WHERE tenant_id = $1', [tenant])).rows).toEqual([{ versions: [1, 2] }]);
  });

  it("forgets the tenant's unwrapped keys in this process", async () => {
    const { tenant, backup } = await tenantWithBackup();
    const [first] = backup as [{ id: string; body: string }];
    await dec(tenant, first.body, first.id);
    const cachedRun = unwraps;
    await dec(tenant, first.body, first.id);
    expect(unwraps).toBe(cachedRun);
    // Destroyed in a transaction that then rolls back: the keys live on, but this process
    // must unwrap them again.
    await errorOf(t.db.transaction(tenant, async (tx) => { await encryption.destroyTenantKeys(tx); throw new Error('roll back'); }));
    expect(await dec(tenant, first.body, first.id)).toBe('written under v1');
    expect(unwraps).toBe(cachedRun + 1);
  });

  it('destroys nothing and reports nothing the second time', async () => {
    const events: KeyEvent[] = [];
    const audited = createTenantEncryption({ keyProvider: local, clock, onKeyEvent: (e) => { events.push(e); } });
    const { tenant } = await tenantWithBackup();
    await destroy(tenant, audited);
    expect(await destroy(tenant, audited)).toEqual({ tenantId: tenant, versions: [], destroyedAt: at });
    expect(events).toHaveLength(1);
  });
});
