// Data-key rotation against a real PostgreSQL: new writes take the new version, old versions
// stay readable, and re-encryption (of any stream, or of a table column) moves values to the
// newest version without changing them or touching another tenant.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { isolateTable } from '../postgres/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createTenantEncryption, inspectEnvelope, localKeyProvider } from './index.js';

let t: TestTenantry;
let b: TenantId;
let slugs = 0;
const encryption = createTenantEncryption({ keyProvider: localKeyProvider({ keys: { primary: randomBytes(32) } }) });
const ctx = (recordId: string, purpose = 'notes.body') => ({ purpose, recordId });
const newTenant = async () => (await t.registry.create({ slug: `rot-${(slugs += 1)}` })).id;
const rotate = (tenant: TenantId) => t.db.withTenant(tenant, (s) => encryption.rotateDataKey(s));
const versionsOf = async (tenant: TenantId) => (await t.db.withTenant(tenant, (s) => encryption.listDataKeys(s))).map((k) => k.version);

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  b = (t.tenants[1] as { id: TenantId }).id;
  await t.admin.query('CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, body text, avatar bytea, PRIMARY KEY (tenant_id, id))');
  await isolateTable('notes', { admin: t.admin });
});
afterAll(() => t?.close());

describe('rotateDataKey', () => {
  it('starts version 2 for new writes, and version 1 stays readable', async () => {
    const tenant = await newTenant();
    const old = await t.db.withTenant(tenant, (s) => encryption.encrypt(s, 'written under v1', ctx('1')));
    expect(await rotate(tenant)).toEqual({ version: 2 });
    const fresh = await t.db.withTenant(tenant, (s) => encryption.encrypt(s, 'written under v2', ctx('2')));
    expect([inspectEnvelope(old).keyVersion, inspectEnvelope(fresh).keyVersion]).toEqual([1, 2]);
    const read = await t.db.withTenant(tenant, async (s) => [await encryption.decryptText(s, old, ctx('1')), await encryption.decryptText(s, fresh, ctx('2'))]);
    expect(read).toEqual(['written under v1', 'written under v2']);
    expect(await versionsOf(tenant)).toEqual([1, 2]);
  });

  it('starts version 1 for a tenant without keys', async () => {
    const tenant = await newTenant();
    expect(await rotate(tenant)).toEqual({ version: 1 });
  });

  it('answers every concurrent rotation with a version newer than the one before it', async () => {
    const tenant = await newTenant();
    await rotate(tenant);
    const versions = (await Promise.all([rotate(tenant), rotate(tenant), rotate(tenant)])).map((r) => r.version);
    for (const version of versions) expect(version).toBeGreaterThan(1);
    const stored = await versionsOf(tenant);
    expect(stored).toEqual([...new Set(stored)].sort((x, y) => x - y));
    expect(stored).toEqual(expect.arrayContaining(versions));
  });
});

describe('reencrypt', () => {
  it('moves every old ciphertext to the newest version, in its own encoding, passing other fields through', async () => {
    const tenant = await newTenant();
    const items = await t.db.withTenant(tenant, async (s) => {
      const v1text = await encryption.encrypt(s, 'one', ctx('1'));
      const v1bytes = await encryption.encrypt(s, Buffer.from([1, 2, 3]), ctx('2'), { encoding: 'bytes' });
      await encryption.rotateDataKey(s);
      await encryption.rotateDataKey(s);
      const v3text = await encryption.encrypt(s, 'three', ctx('3'));
      return [
        { id: 1, ciphertext: v1text, context: ctx('1') },
        { id: 2, ciphertext: v1bytes, context: ctx('2') },
        { id: 3, ciphertext: v3text, context: ctx('3') },
      ];
    });
    async function* stream() {
      yield* items;
    }
    const out = await t.db.withTenant(tenant, async (s) => {
      const all = [];
      for await (const item of encryption.reencrypt(s, stream())) all.push(item);
      return all;
    });
    expect(out.map((o) => [o.id, o.reencrypted, o.keyVersion, typeof o.ciphertext])).toEqual([
      [1, true, 3, 'string'],
      [2, true, 3, 'object'],
      [3, false, 3, 'string'],
    ]);
    expect(out[2]?.ciphertext).toBe(items[2]?.ciphertext);
    expect(Buffer.isBuffer(out[1]?.ciphertext)).toBe(true);
    const read = await t.db.withTenant(tenant, async (s) => [
      await encryption.decryptText(s, out[0]?.ciphertext as string, ctx('1')),
      await encryption.decrypt(s, out[1]?.ciphertext as Buffer, ctx('2')),
    ]);
    expect(read).toEqual(['one', Buffer.from([1, 2, 3])]);
  });

  it("refuses an item under the wrong context, and another tenant's items", async () => {
    const tenant = await newTenant();
    const old = await t.db.withTenant(tenant, async (s) => {
      const sealed = await encryption.encrypt(s, 'x', ctx('1'));
      await encryption.rotateDataKey(s);
      return sealed;
    });
    const drain = async (scopeTenant: TenantId, context = ctx('1')) =>
      t.db.withTenant(scopeTenant, async (s) => {
        for await (const item of encryption.reencrypt(s, [{ ciphertext: old, context }])) void item;
      });
    expect(await codeOf(drain(tenant, ctx('2')))).toBe('DECRYPTION_FAILED');
    // B's newest version must be past the item's (current items are passed through unopened).
    await t.db.withTenant(b, async (s) => {
      await encryption.rotateDataKey(s);
      await encryption.rotateDataKey(s);
    });
    expect(await codeOf(drain(b))).toBe('DECRYPTION_FAILED');
    expect(await codeOf(drain(await newTenant()))).toBe('DECRYPTION_FAILED');
  });
});

describe('reencryptColumn', () => {
  it("re-encrypts one tenant's column to the newest version in batches, leaves other tenants' rows alone, and is a no-op the second time", async () => {
    const tenant = await newTenant();
    const ids: string[] = Array.from({ length: 23 }, () => randomUUID());
    await t.db.transaction(tenant, async (tx) => {
      for (const [i, id] of ids.entries()) {
        const body = i % 7 === 0 ? null : await encryption.encrypt(tx, `note ${i}`, ctx(id));
        const avatar = await encryption.encrypt(tx, Buffer.from([i]), { purpose: 'avatar', recordId: id }, { encoding: 'bytes' });
        await tx.query('INSERT INTO notes (id, body, avatar) VALUES ($1, $2, $3)', [id, body, avatar]);
      }
    });
    const otherId = randomUUID();
    await t.db.transaction(b, async (tx) => {
      await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [otherId, await encryption.encrypt(tx, 'b note', ctx(otherId))]);
    });
    const before = (await t.admin.query<{ tenant_id: string; body: string | null }>('SELECT tenant_id, body FROM notes WHERE tenant_id = $1', [b])).rows;
    await rotate(tenant);

    const result = await t.db.withTenant(tenant, (s) => encryption.reencryptColumn(s, { table: 'notes', column: 'body', batchSize: 5 }));
    expect(result).toEqual({ scanned: 19, reencrypted: 19, skipped: 0, keyVersion: 2 });
    const bytea = await t.db.withTenant(tenant, (s) =>
      encryption.reencryptColumn(s, { table: 'public.notes', column: 'avatar', context: (id) => ({ purpose: 'avatar', recordId: id }) }),
    );
    expect(bytea).toEqual({ scanned: 23, reencrypted: 23, skipped: 0, keyVersion: 2 });

    const rows = await t.db.withTenant(tenant, async (s) => (await s.query<{ id: string; body: string | null; avatar: Buffer }>('SELECT id, body, avatar FROM notes')).rows);
    expect(rows).toHaveLength(23);
    for (const row of rows) {
      const i = ids.indexOf(row.id);
      expect(inspectEnvelope(row.avatar).keyVersion).toBe(2);
      if (row.body === null) continue;
      expect(inspectEnvelope(row.body).keyVersion).toBe(2);
      expect(await t.db.withTenant(tenant, (s) => encryption.decryptText(s, row.body as string, ctx(row.id)))).toBe(`note ${i}`);
      expect(await t.db.withTenant(tenant, (s) => encryption.decrypt(s, row.avatar, { purpose: 'avatar', recordId: row.id }))).toEqual(Buffer.from([i]));
    }
    expect((await t.admin.query('SELECT tenant_id, body FROM notes WHERE tenant_id = $1', [b])).rows).toEqual(before);
    expect(await t.db.withTenant(tenant, (s) => encryption.reencryptColumn(s, { table: 'notes', column: 'body', batchSize: 5 }))).toEqual({
      scanned: 19, reencrypted: 0, skipped: 0, keyVersion: 2,
    });
  });

  it('refuses a table or column name that is not a plain identifier', async () => {
    for (const options of [{ table: 'notes; DROP TABLE notes', column: 'body' }, { table: 'notes', column: 'body"' }, { table: 'a.b.c', column: 'body' }]) {
      expect(await codeOf(t.db.withTenant(b, (s) => encryption.reencryptColumn(s, options)))).toBe('CONFIG_INVALID');
    }
  });
});
