// Erasure forgets a deleted tenant after its grace period: no row, key, backup or audit event of
// it is left, a ciphertext kept aside stays unreadable (even with a kept copy of its backup
// imported into another tenant), other tenants are untouched, and a certificate says so.
// Here rather than beside the code: it drives the registry (layer 3) with encryption.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { canonicalJson } from 'tenantry/audit';
import { createTenantRegistry, type TenantRegistry } from 'tenantry/control';
import { createTenantEncryption, localKeyProvider } from 'tenantry/crypto';
import { createTenantBackups, directoryBackupStore, eraseTenant, importTenant, tryGetErasureCertificate, type BackupStore } from 'tenantry/mobility';
import { isolateTable } from 'tenantry/postgres';
import { codeOf, createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';

const DAY = 86_400_000;
const clock = createTestClock(inject('testNow'));
const encryption = createTenantEncryption({ keyProvider: localKeyProvider({ keys: { primary: randomBytes(32) } }), clock });
let t: TestTenantry;
let registry: TenantRegistry;
let spool: string;
let store: BackupStore;
let serial = 0;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  registry = createTenantRegistry({ operator: t.operator, data: t.db, encryption, clock });
  spool = await mkdtemp(join(tmpdir(), 'erasure-test-'));
  store = directoryBackupStore({ dir: join(spool, 'backups'), residency: 'eu' });
  await t.admin.query('CREATE TABLE secrets (tenant_id uuid NOT NULL, id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id))');
  await isolateTable('secrets', { admin: t.admin });
});
afterAll(async () => {
  await rm(spool, { recursive: true, force: true });
  await t?.close();
});

const newTenant = async () => (await registry.create({ slug: `e-${(serial += 1)}` })).id;

async function history(tenant: TenantId, ages: readonly number[]): Promise<void> {
  for (const age of ages) {
    const at = new Date(clock.now().getTime() - age * DAY);
    await t.admin.query('INSERT INTO tenantry.usage_events (tenant_id, id, meter, quantity, occurred_at, recorded_at) VALUES ($1, $2, $3, 1, $4, $4)', [tenant, randomUUID(), 'api.calls', at]);
  }
}

async function counts(tenant: TenantId): Promise<number> {
  const { rows: [row] } = await t.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.usage_events WHERE tenant_id = $1', [tenant]);
  return row?.n ?? -1;
}

describe('erasure', () => {
  it('forgets a deleted tenant after its grace period, with a certificate, and its encrypted data stays unreadable', { timeout: 60_000 }, async () => {
    const tenant = await newTenant();
    const other = await newTenant();
    const id = randomUUID();
    const ctx = { purpose: 'secrets.body', recordId: id };
    // A ciphertext kept aside, like a copy outside the database.
    const kept = await t.db.transaction(tenant, async (tx) => {
      const body = await encryption.encrypt(tx, 'the customer\'s secret', ctx);
      await tx.query('INSERT INTO secrets (id, body) VALUES ($1, $2)', [id, body]);
      return body;
    });
    await history(tenant, [1, 2]);
    await history(other, [1]);
    const backups = createTenantBackups({ app: t.app, db: t.db, operator: t.operator, store, clock, spoolDir: spool });
    const backup = await backups.backup(tenant, { actor: 'operator:test' });
    // A copy of the backup kept outside the store (an operator's download).
    const copy: Buffer[] = [];
    for await (const chunk of (await store.get(tenant, backup.id)).open()) copy.push(chunk as Buffer);
    const otherBefore = await counts(other);

    await registry.offboard(tenant);
    await registry.delete(tenant);
    expect(await codeOf(eraseTenant({ operator: t.operator, tenantId: tenant, backups: [store], actor: 'operator:ann', clock }))).toBe('ERASURE_NOT_DUE');
    expect(await codeOf(eraseTenant({ operator: t.operator, tenantId: other, backups: [store], actor: 'operator:ann', clock }))).toBe('ERASURE_NOT_DUE');
    clock.advance(31 * DAY);
    const { certificate, sha256 } = await eraseTenant({ operator: t.operator, tenantId: tenant, backups: [store], actor: 'operator:ann', clock });

    expect(sha256).toBe(createHash('sha256').update(canonicalJson(certificate)).digest('hex'));
    expect(certificate).toMatchObject({ type: 'tenantry.erasure-certificate/v1', erasedBy: 'operator:ann', keys: { liveRemaining: 0, shreddedVersions: 1 }, auditLog: { verifiedBeforeErasure: true } });
    expect((certificate['backupsDeleted'] as string[]).length).toBe(1);
    expect(await tryGetErasureCertificate(t.operator, tenant)).toEqual({ certificate, sha256 });
    // Nothing of the tenant is left but its tombstone and the platform's records of what happened to it.
    const { rows } = await t.admin.query<{ name: string; column: string }>(`
      SELECT format('%I.%I', c.table_schema, c.table_name) AS name, c.column_name AS column FROM information_schema.columns c
        JOIN information_schema.tables r ON r.table_schema = c.table_schema AND r.table_name = c.table_name AND r.table_type = 'BASE TABLE'
       WHERE c.column_name IN ('tenant_id', 'subject_tenant') AND c.table_schema IN ('public', 'tenantry')
         AND c.table_name NOT IN ('tenant_status_changes', 'operator_actions', 'erasure_certificates')`);
    expect(rows.length).toBeGreaterThan(20);
    for (const { name, column } of rows) {
      const { rows: [left] } = await t.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} WHERE ${column} = $1`, [tenant]);
      expect({ name, n: left?.n }).toEqual({ name, n: 0 });
    }
    expect(await store.list(tenant)).toEqual([]);
    expect(await counts(other)).toEqual(otherBefore);
    // The kept ciphertext: the database holds no key of the tenant any more, and the kept copy
    // of its backup, imported into a new tenant, brings wrapped keys bound to the erased
    // tenant's id: they do not unwrap there.
    const stranger = await newTenant();
    await importTenant({ db: t.db, input: Readable.from([Buffer.concat(copy)]), into: stranger, actor: 'operator:test', clock, spoolDir: spool });
    expect(await t.db.withTenant(stranger, (s) => s.query('SELECT count(*)::int AS n FROM secrets'))).toMatchObject({ rows: [{ n: 1 }] });
    expect(await codeOf(t.db.withTenant(stranger, (s) => encryption.decryptText(s, kept, ctx)))).toBe('DATA_KEY_UNWRAP_FAILED');
    expect(await codeOf(eraseTenant({ operator: t.operator, tenantId: tenant, actor: 'operator:ann', clock }))).toBe('TENANT_ALREADY_ERASED');
  });
});
