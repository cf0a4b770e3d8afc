// encrypt and decrypt against a real PostgreSQL: a tenant's values round-trip, its data key is
// created once and stored only wrapped, and a ciphertext decrypts nowhere but in its own
// tenant, column and row — tenant A cannot even load tenant B's key.
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type Clock, type TenantId } from '../core/index.js';
import { createTenantDatabase, isolateTable } from '../postgres/index.js';
import { pgPool } from '../postgres/pg.js';
import { codeOf, createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { createTenantEncryption, inspectEnvelope, localKeyProvider, type EncryptionScope, type KeyEvent, type KeyProvider } from './index.js';

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
let slugs = 0;
const master = randomBytes(32);
const local = localKeyProvider({ keys: { primary: master } });
const unwrapsFor: TenantId[] = [];
let wraps = 0;
// The real provider, counted: how often a data key was wrapped, and for whom one was unwrapped.
const counted: KeyProvider = {
  currentKeyId: local.currentKeyId,
  wrap: (key, ctx) => { wraps += 1; return local.wrap(key, ctx); },
  unwrap: (wrapped, ctx) => { unwrapsFor.push(ctx.tenantId); return local.unwrap(wrapped, ctx); },
};
let nowMs = Date.UTC(2026, 5, 1);
const clock: Clock = { now: () => new Date(nowMs) };
const encryption = createTenantEncryption({ keyProvider: counted, clock, cache: { maxEntries: 100, ttlMs: 60_000 } });
const ctx = (recordId: string, purpose = 'notes.body') => ({ purpose, recordId });

const newTenant = async () => (await t.registry.create({ slug: `enc-${(slugs += 1)}` })).id;
const enc = (tenant: TenantId, plaintext: string, context = ctx('1')) => t.db.withTenant(tenant, (s) => encryption.encrypt(s, plaintext, context));
const dec = (tenant: TenantId, ciphertext: string | Uint8Array, context = ctx('1'), via = encryption) =>
  t.db.withTenant(tenant, (s) => via.decryptText(s, ciphertext, context));

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants.map((x) => x.id) as [TenantId, TenantId];
  await t.admin.query(`CREATE TABLE notes (tenant_id uuid NOT NULL, id uuid NOT NULL, body text, avatar bytea, PRIMARY KEY (tenant_id, id));
    CREATE TABLE key_log (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), event text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('notes', { admin: t.admin });
  await isolateTable('key_log', { admin: t.admin });
});
afterAll(() => t?.close());

describe('encrypt and decrypt', () => {
  it('round-trips text through a text column and bytes through a bytea column', async () => {
    const id = randomUUID();
    const avatar = randomBytes(100);
    await t.db.transaction(a, async (tx) => {
      const body = await encryption.encrypt(tx, 'dear diary', ctx(id));
      const picture = await encryption.encrypt(tx, avatar, ctx(id, 'notes.avatar'), { encoding: 'bytes' });
      expect(typeof body).toBe('string');
      expect(Buffer.isBuffer(picture)).toBe(true);
      await tx.query('INSERT INTO notes (id, body, avatar) VALUES ($1, $2, $3)', [id, body, picture]);
    });
    const read = await t.db.withTenant(a, async (s) => {
      const { rows: [row] } = await s.query<{ body: string; avatar: Buffer }>('SELECT body, avatar FROM notes WHERE id = $1', [id]);
      const r = row as { body: string; avatar: Buffer };
      return { body: await encryption.decryptText(s, r.body, ctx(id)), avatar: await encryption.decrypt(s, r.avatar, ctx(id, 'notes.avatar')) };
    });
    expect(read).toEqual({ body: 'dear diary', avatar });
    const stored = (await t.admin.query<{ body: string }>('SELECT body FROM notes WHERE id = $1', [id])).rows[0]?.body as string;
    expect(stored).not.toContain('diary');
    expect(inspectEnvelope(stored)).toEqual({ formatVersion: 1, keyVersion: 1, encoding: 'text' });
  });

  it('round-trips random values under random contexts', async () => {
    const value = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.uint8Array({ maxLength: 80 }));
    const field = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(value, field, field, async (plaintext, purpose, recordId) => {
        const back = await t.db.withTenant(a, async (s) => {
          const sealed = await encryption.encrypt(s, plaintext, { purpose, recordId });
          return typeof plaintext === 'string' ? encryption.decryptText(s, sealed, { purpose, recordId }) : encryption.decrypt(s, sealed, { purpose, recordId });
        });
        expect(back).toEqual(typeof plaintext === 'string' ? plaintext : Buffer.from(plaintext));
      }),
      { numRuns: 40 },
    );
  });

  it('gives equal plaintexts different ciphertexts (a fresh nonce per message)', async () => {
    const sealed = await Promise.all(Array.from({ length: 20 }, () => enc(a, 'same')));
    expect(new Set(sealed).size).toBe(20);
    expect(new Set(sealed.map((s) => Buffer.from(s, 'base64url').subarray(5, 17).toString('hex'))).size).toBe(20);
  });

  it('refuses a value that is no envelope before reading any key', async () => {
    expect(await codeOf(dec(a, 'not encrypted at all'))).toBe('ENVELOPE_FORMAT_INVALID');
  });
});

describe('the data key', () => {
  it("creates a tenant's version 1 on its first encryption, once, however many encrypt at the same time", async () => {
    const tenant = await newTenant();
    const wrapsBefore = wraps;
    const sealed = await Promise.all(Array.from({ length: 8 }, (_, i) => enc(tenant, `v${i}`)));
    const keys = await t.db.withTenant(tenant, (s) => encryption.listDataKeys(s));
    expect(keys).toEqual([{ version: 1, masterKeyId: 'primary', createdAt: new Date(nowMs) }]);
    expect(wraps - wrapsBefore).toBeGreaterThanOrEqual(1);
    expect(await Promise.all(sealed.map((s) => dec(tenant, s)))).toEqual(Array.from({ length: 8 }, (_, i) => `v${i}`));
  });

  it('stores the data key only wrapped, under the master key id, never in the clear', async () => {
    const tenant = await newTenant();
    await enc(tenant, 'x');
    const { rows: [row] } = await t.admin.query<{ master_key_id: string; wrapped_key: Buffer }>('SELECT master_key_id, wrapped_key FROM tenantry.tenant_keys WHERE tenant_id = $1', [tenant]);
    expect(row?.master_key_id).toBe('primary');
    const dataKey = Buffer.from(await local.unwrap({ masterKeyId: 'primary', wrappedKey: row?.wrapped_key as Buffer }, { tenantId: tenant, keyVersion: 1 }));
    expect(dataKey).toHaveLength(32);
    const { rows: [found] } = await t.admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM tenantry.tenant_keys WHERE position($1::bytea IN wrapped_key) > 0 OR position($2::bytea IN wrapped_key) > 0`,
      [dataKey, master],
    );
    expect(found?.n).toBe('0');
  });

  it('never reuses a key whose creation was rolled back, though it was cached', async () => {
    const tenant = await newTenant();
    let kept = '';
    await errorOf(
      t.db.transaction(tenant, async (tx) => {
        kept = await encryption.encrypt(tx, 'from a transaction that rolls back', ctx('1'));
        throw new Error('roll back');
      }),
    );
    expect(await t.db.withTenant(tenant, (s) => encryption.listDataKeys(s))).toEqual([]);
    // Another process creates version 1 again, with another key; this process still has the
    // first one cached under the same tenant and version.
    const other = createTenantEncryption({ keyProvider: local });
    const theirs = await t.db.withTenant(tenant, (s) => other.encrypt(s, 'theirs', ctx('1')));
    const ours = await enc(tenant, 'ours');
    expect(await dec(tenant, theirs)).toBe('theirs');
    expect(await dec(tenant, ours, ctx('1'), other)).toBe('ours');
    expect(await codeOf(dec(tenant, kept))).toBe('DECRYPTION_FAILED');
  });

  it('unwraps a key once per process and time to live, not once per message', async () => {
    const tenant = await newTenant();
    const sealed = await enc(tenant, 'hello');
    const before = unwrapsFor.length;
    for (let i = 0; i < 10; i += 1) expect(await dec(tenant, sealed)).toBe('hello');
    expect(unwrapsFor.length - before).toBe(0); // created in this process: already cached
    nowMs += 60_000;
    for (let i = 0; i < 10; i += 1) expect(await dec(tenant, sealed)).toBe('hello');
    expect(unwrapsFor.slice(before)).toEqual([tenant]);
  });

  it('reports each key it creates to onKeyEvent, inside the transaction that creates it', async () => {
    const events: KeyEvent[] = [];
    const audited = createTenantEncryption({
      keyProvider: local,
      clock,
      onKeyEvent: async (event, scope) => {
        events.push(event);
        await scope.query('INSERT INTO key_log (event) VALUES ($1)', [event.type]);
      },
    });
    const tenant = await newTenant();
    await errorOf(t.db.transaction(tenant, async (tx) => { await audited.encrypt(tx, 'x', ctx('1')); throw new Error('roll back'); }));
    await t.db.transaction(tenant, (tx) => audited.encrypt(tx, 'x', ctx('1')));
    expect(events).toEqual([
      { type: 'data-key.created', tenantId: tenant, version: 1, masterKeyId: 'primary', at: new Date(nowMs) },
      { type: 'data-key.created', tenantId: tenant, version: 1, masterKeyId: 'primary', at: new Date(nowMs) },
    ]);
    const logged = await t.db.withTenant(tenant, async (s) => (await s.query<{ event: string }>('SELECT event FROM key_log')).rows);
    expect(logged).toEqual([{ event: 'data-key.created' }]);
  });

  it('creates no key when the audit hook fails', async () => {
    const failing = createTenantEncryption({ keyProvider: local, onKeyEvent: () => { throw new Error('audit log down'); } });
    const tenant = await newTenant();
    await expect(t.db.transaction(tenant, (tx) => failing.encrypt(tx, 'x', ctx('1')))).rejects.toThrow('audit log down');
    expect(await t.db.withTenant(tenant, (s) => encryption.listDataKeys(s))).toEqual([]);
  });

  // Through a db.withTenant scope, version 1 was committed before the hook ran: it threw, and
  // the key stayed, unaudited, to be used by the next encryption (issue 13).
  it('creates no key through a withTenant scope either when the hook fails, at first use or at rotation', async () => {
    const failing = createTenantEncryption({ keyProvider: local, onKeyEvent: () => { throw new Error('audit log down'); } });
    const tenant = await newTenant();
    await expect(t.db.withTenant(tenant, (s) => failing.encrypt(s, 'x', ctx('1')))).rejects.toThrow('audit log down');
    expect(await t.db.withTenant(tenant, (s) => encryption.listDataKeys(s))).toEqual([]);
    const events: string[] = [];
    const audited = createTenantEncryption({ keyProvider: local, clock, onKeyEvent: async (event, scope) => {
      await scope.query('INSERT INTO key_log (event) VALUES ($1)', [event.type]);
      events.push(event.type);
    } });
    await t.db.withTenant(tenant, (s) => audited.encrypt(s, 'x', ctx('1')));
    await expect(t.db.withTenant(tenant, (s) => failing.rotateDataKey(s))).rejects.toThrow('audit log down');
    expect((await t.db.withTenant(tenant, (s) => encryption.listDataKeys(s))).map((k) => k.version)).toEqual([1]);
    expect(events).toEqual(['data-key.created']);
    const logged = await t.db.withTenant(tenant, async (s) => (await s.query<{ event: string }>('SELECT event FROM key_log')).rows);
    expect(logged).toEqual([{ event: 'data-key.created' }]);
  });
});

describe('between tenants, rows and columns', () => {
  it("fails to decrypt a ciphertext moved to another tenant, with or without keys of the same version", async () => {
    const sealed = await enc(a, 'a secret');
    await enc(b, 'b has a version 1 too');
    expect(await codeOf(dec(b, sealed))).toBe('DECRYPTION_FAILED');
    expect(await codeOf(dec(await newTenant(), sealed))).toBe('DECRYPTION_FAILED');
    expect(await dec(a, sealed)).toBe('a secret');
  });

  it('fails to decrypt a ciphertext moved to another row or another column', async () => {
    const sealed = await enc(a, 'row one', ctx('1'));
    expect(await codeOf(dec(a, sealed, ctx('2')))).toBe('DECRYPTION_FAILED');
    expect(await codeOf(dec(a, sealed, ctx('1', 'notes.title')))).toBe('DECRYPTION_FAILED');
  });

  it("never lets tenant A load tenant B's key, even while B's key is cached in the process", async () => {
    const sealedB = await enc(b, 'b only');
    expect(await dec(b, sealedB)).toBe('b only'); // B's key is now cached
    const unwrapsBefore = unwrapsFor.length;
    const seenByA = await t.db.withTenant(a, async (scope) => {
      // A scope object that claims B's id but sends through A's connection is not a scope.
      const forged = { tenantId: b, query: scope.query.bind(scope) } as EncryptionScope;
      return {
        keys: await encryption.listDataKeys(scope),
        forged: await codeOf(encryption.decryptText(forged, sealedB, ctx('1'))),
        direct: await codeOf(encryption.decryptText(scope, sealedB, ctx('1'))),
      };
    });
    expect(seenByA.keys.map((k) => k.version)).toEqual([1]);
    expect(seenByA.forged).toBe('ENCRYPTION_SCOPE_INVALID');
    expect(seenByA.direct).toBe('DECRYPTION_FAILED');
    expect(unwrapsFor.slice(unwrapsBefore)).not.toContain(b);
  });

  it('refuses a pool, or anything that is not a tenant scope, as the scope', async () => {
    const pool = Object.create(t.app, { tenantId: { value: a } }) as EncryptionScope;
    expect(await codeOf(encryption.encrypt(pool, 'x', ctx('1')))).toBe('ENCRYPTION_SCOPE_INVALID');
  });

  it("gives a suspended tenant's scope no key, even one cached in the process", async () => {
    const tenant = await newTenant();
    const sealed = await enc(tenant, 'cached');
    await t.registry.suspend(tenant);
    // A fresh pool: a refused tenant gate can break the connection it ran on.
    const pool = pgPool({ connectionString: t.appUrl, max: 1 });
    try {
      const db = createTenantDatabase({ pool });
      expect(await codeOf(db.withTenant(tenant, (s) => encryption.decryptText(s, sealed, ctx('1'))))).toBe('TENANT_SUSPENDED');
    } finally {
      await pool.end();
      await t.registry.restore(tenant);
    }
    expect(await dec(tenant, sealed)).toBe('cached');
  });
});

describe('errors', () => {
  it('never carry the plaintext or key material', async () => {
    const plaintext = `very secret ${randomUUID()}`;
    const sealed = await enc(a, plaintext);
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[40] = (flipped[40] as number) ^ 1;
    const errors = [
      await errorOf(dec(a, sealed, ctx('2'))),
      await errorOf(dec(b, sealed)),
      await errorOf(dec(a, flipped.toString('base64url'))),
      await errorOf(dec(a, sealed.slice(0, 20))),
      await errorOf(t.db.withTenant(a, (s) => encryption.encrypt(s, `${plaintext}\uD800`, ctx('1')))),
    ];
    const { rows: [row] } = await t.admin.query<{ wrapped_key: Buffer }>('SELECT wrapped_key FROM tenantry.tenant_keys WHERE tenant_id = $1 AND version = 1', [a]);
    const dataKey = Buffer.from(await local.unwrap({ masterKeyId: 'primary', wrappedKey: row?.wrapped_key as Buffer }, { tenantId: a, keyVersion: 1 }));
    for (const err of errors) {
      expect(isTenantryError(err)).toBe(true);
      const shown = JSON.stringify({ message: (err as Error).message, details: (err as { details: unknown }).details });
      for (const secret of [plaintext, 'very secret', dataKey.toString('hex'), dataKey.toString('base64'), master.toString('base64'), master.toString('hex')]) {
        expect(shown).not.toContain(secret);
      }
    }
  });
});
