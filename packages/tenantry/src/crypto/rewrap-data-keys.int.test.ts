// Master-key rotation against a real PostgreSQL: every tenant's live data keys are re-wrapped
// with the new master key (suspended tenants too), no ciphertext changes, the old master key
// can then go, and a re-run has nothing left to do.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type Clock, type TenantId } from '../core/index.js';
import { isolateTable } from '../postgres/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createTenantEncryption, localKeyProvider, rewrapDataKeys, type KeyEvent, type KeyProvider } from './index.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
let suspended: TenantId;
let shredded: TenantId;
const old = randomBytes(32);
const fresh = randomBytes(32);
const before = localKeyProvider({ keys: { '2025': old } });
const during = localKeyProvider({ keys: { '2025': old, '2026': fresh }, current: '2026' });
const after = localKeyProvider({ keys: { '2026': fresh } });
const at = new Date(Date.UTC(2026, 10, 1));
const clock: Clock = { now: () => at };
const ctx = (recordId: string) => ({ purpose: 'notes.body', recordId });
const keyRows = async () =>
  (await t.admin.query<{ tenant_id: string; version: number; master_key_id: string | null; rewrapped_at: Date | null }>(
    'SELECT tenant_id, version, master_key_id, rewrapped_at FROM tenantry.tenant_keys ORDER BY tenant_id, version',
  )).rows;
const notes = async () => (await t.admin.query<{ tenant_id: string; id: string; body: string }>('SELECT tenant_id, id, body FROM notes ORDER BY tenant_id, id')).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
  suspended = (await t.registry.create({ slug: 'suspended' })).id;
  shredded = (await t.registry.create({ slug: 'shredded' })).id;
  await t.registry.create({ slug: 'keyless' });
  await t.admin.query('CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('notes', { admin: t.admin });
  const encryption = createTenantEncryption({ keyProvider: before });
  for (const tenant of [a, b, suspended, shredded]) {
    await t.db.transaction(tenant, async (tx) => {
      const id = randomUUID();
      await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [id, await encryption.encrypt(tx, `note of ${tenant}`, ctx(id))]);
      await encryption.rotateDataKey(tx);
      const second = randomUUID();
      await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [second, await encryption.encrypt(tx, `second note of ${tenant}`, ctx(second))]);
    });
  }
  await t.db.transaction(shredded, (tx) => encryption.destroyTenantKeys(tx));
  await t.registry.suspend(suspended);
});
afterAll(() => t?.close());

describe('rewrapDataKeys', () => {
  it('leaves every key as it was when the new wrapping would not unwrap', async () => {
    const broken: KeyProvider = { currentKeyId: '2026', wrap: (k, c) => during.wrap(k, c), unwrap: (w, c) => before.unwrap(w, c) };
    const rows = await keyRows();
    const err = await rewrapDataKeys({ operator: t.operator, keyProvider: broken }).then(() => undefined, (e: unknown) => e);
    expect(isTenantryError(err, 'MASTER_KEY_UNKNOWN')).toBe(true);
    expect(await keyRows()).toEqual(rows);
  });

  it('re-wraps every live key of every tenant with the current master key, and touches no data', async () => {
    const data = await notes();
    const events: KeyEvent[] = [];
    const result = await rewrapDataKeys({ operator: t.operator, keyProvider: during, clock, pageSize: 2, onKeyEvent: (e) => { events.push(e); } });
    // Five tenants (two of the fixture, suspended, shredded, keyless); three with two live
    // keys each, the suspended one included.
    expect(result).toEqual({ tenants: 5, rewrapped: 6, alreadyCurrent: 0 });
    const rows = await keyRows();
    for (const row of rows) {
      if (row.tenant_id === shredded) expect(row).toMatchObject({ master_key_id: null, rewrapped_at: null });
      else expect(row).toMatchObject({ master_key_id: '2026', rewrapped_at: at });
    }
    expect(await notes()).toEqual(data);
    expect(events.map((e) => e.type === 'data-keys.rewrapped' && [e.tenantId, e.versions, e.masterKeyId]).sort()).toEqual(
      [a, b, suspended].map((id) => [id, [1, 2], '2026']).sort(),
    );
  });

  it('lets the old master key go: every ciphertext still decrypts with the new one alone', async () => {
    await t.registry.restore(suspended);
    const encryption = createTenantEncryption({ keyProvider: after });
    for (const row of (await notes()).filter((r) => r.tenant_id !== shredded)) {
      const text = await t.db.withTenant(row.tenant_id, (s) => encryption.decryptText(s, row.body, ctx(row.id)));
      expect(text).toMatch(new RegExp(`note of ${row.tenant_id}$`));
    }
  });

  it('has nothing left to do when run again', async () => {
    expect(await rewrapDataKeys({ operator: t.operator, keyProvider: during })).toEqual({ tenants: 5, rewrapped: 0, alreadyCurrent: 6 });
  });
});
