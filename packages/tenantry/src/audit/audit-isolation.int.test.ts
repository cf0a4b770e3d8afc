// The audit tables are tenant data and append-only: a tenant reads and appends only its own
// chain; nobody updates, deletes or truncates events or checkpoints while the triggers stand
// (not even a superuser); offboarding keeps the log, and only a deleted tenant's log is erased.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { codeOfError, createTestClock, createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { appendAuditEvent } from './append-audit-event.js';
import { GENESIS_HASH } from './audit-event.js';
import { createAuditCheckpoint } from './create-audit-checkpoint.js';
import { withAuditOperator } from './audit-operator.js';
import { eraseAuditLog } from './erase-audit-log.js';
import { exportAuditLog } from './export-audit-log.js';
import { queryAuditEvents } from './query-audit-events.js';

// Events, checkpoints and the registry's lifecycle events are stamped at testNow (TENANTRY_TEST_NOW).
const clock = createTestClock(inject('testNow'));

let t: TestTenantry;
let a: TenantId;
let b: TenantId;
const TABLES = ['tenantry.audit_events', 'tenantry.audit_heads', 'tenantry.audit_checkpoints'];


/** Raw SQL as a role, with `tenant` set for one transaction, rolled back after: what a bug or an attacker with that role could send. */
async function asRole<T>(pool: SqlPool, tenant: TenantId | undefined, sql: string, values: unknown[] = []): Promise<T[]> {
  const connection = await pool.connect();
  try {
    await connection.query('BEGIN');
    if (tenant) await connection.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
    return (await connection.query<T>(sql, values)).rows;
  } finally {
    await connection.query('ROLLBACK').catch(() => undefined);
    connection.release();
  }
}

const append = (tenant: TenantId, action: string, target?: string) =>
  t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action, ...(target ? { target } : {}) }, { clock }));

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, clock });
  // Inserted directly, active: registry.create() appends lifecycle events, and these tests
  // count events from an empty chain.
  a = (await t.admin.query<{ id: string }>(`INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES (gen_random_uuid(), $1, $1, 'active') RETURNING id`, ['tenant-a'])).rows[0]?.id as TenantId;
  b = (await t.admin.query<{ id: string }>(`INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES (gen_random_uuid(), $1, $1, 'active') RETURNING id`, ['tenant-b'])).rows[0]?.id as TenantId;
  await append(a, 'a.one', 'doc:a');
  await append(a, 'a.two', 'doc:a');
  await append(b, 'b.secret', 'doc:b');
  // A checkpoint row, so that UPDATE and DELETE of checkpoints reach a row (and its trigger).
  await createAuditCheckpoint({ operator: t.operator, tenantId: a, key: { keyId: 'k1', algorithm: 'hmac-sha256', secret: randomBytes(32) }, clock });
});
afterAll(() => t?.close());

describe('row-level isolation of the audit tables', () => {
  it('enables and forces row-level security on each, with the one FOR ALL policy, USING = WITH CHECK', async () => {
    const { rows: tables } = await t.admin.query<{ name: string; enabled: boolean; forced: boolean }>(
      `SELECT oid::regclass::text AS name, relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE oid = ANY($1::regclass[])`,
      [TABLES],
    );
    expect(tables.map((r) => [r.name, r.enabled, r.forced]).sort()).toEqual(TABLES.map((name) => [name, true, true]).sort());
    const { rows: policies } = await t.admin.query<{ name: string; cmd: string; permissive: boolean; using: string; check: string }>(
      `SELECT polrelid::regclass::text AS name, polcmd::text AS cmd, polpermissive AS permissive,
              pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
         FROM pg_policy WHERE polrelid = ANY($1::regclass[])`,
      [TABLES],
    );
    expect(policies.map((p) => p.name).sort()).toEqual([...TABLES].sort());
    for (const p of policies) {
      expect(p, p.name).toMatchObject({ cmd: '*', permissive: true, check: p.using });
      expect(p.using, p.name).toMatch(/^\(tenant_id = \( SELECT \(NULLIF\(current_setting\('app\.tenant_id'::text, true\), ''::text\)\)::uuid/);
    }
  });

  it('shows a tenant only its own events, through every read path', async () => {
    const page = await t.db.withTenant(a, (scope) => queryAuditEvents(scope, {}));
    expect(page.events.map((e) => e.action)).toEqual(['a.one', 'a.two']);
    expect((await t.db.withTenant(a, (scope) => queryAuditEvents(scope, { target: 'doc:b' }))).events).toEqual([]);
    const lines = await t.db.withTenant(a, async (scope) => {
      const out: string[] = [];
      for await (const line of exportAuditLog(scope)) out.push(line);
      return out;
    });
    expect(lines.join('')).not.toContain(b);
    expect(lines.map((l) => (JSON.parse(l) as { record: string }).record)).toEqual(['checkpoint', 'event', 'event']);
  });

  it('lets the app role, acting as A, neither read nor append to B\'s chain', async () => {
    expect(await asRole(t.app, a, 'SELECT * FROM tenantry.audit_events WHERE tenant_id = $1', [b])).toEqual([]);
    expect(await asRole(t.app, a, 'SELECT * FROM tenantry.audit_heads WHERE tenant_id = $1', [b])).toEqual([]);
    const forged = await errorOf(
      asRole(t.app, a, `INSERT INTO tenantry.audit_events (tenant_id, seq, prev_hash, hash, occurred_at, actor, action)
                        VALUES ($1, 2, $2, $2, now(), 'x', 'x')`, [b, GENESIS_HASH]),
    );
    expect(codeOfError(forged)).toBe('42501');
    const moved = await errorOf(asRole(t.app, a, 'INSERT INTO tenantry.audit_heads (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO UPDATE SET seq = 0', [b]));
    expect(codeOfError(moved)).toBe('42501');
  });

  it('sees nothing and writes nothing with no tenant in force', async () => {
    expect(await asRole(t.app, undefined, 'SELECT * FROM tenantry.audit_events')).toEqual([]);
    expect(await asRole(t.operator, undefined, 'SELECT * FROM tenantry.audit_events')).toEqual([]);
  });

  it('keeps every tenant\'s head separate: B\'s appends do not move A\'s seq', async () => {
    const next = await append(b, 'b.again');
    expect(next.seq).toBe(2);
    expect((await append(a, 'a.three')).seq).toBe(3);
  });
});

describe('append-only', () => {
  it.each([
    ['UPDATE its events', "UPDATE tenantry.audit_events SET actor = 'mallory'"],
    ['DELETE its events', 'DELETE FROM tenantry.audit_events'],
    ['TRUNCATE the events', 'TRUNCATE tenantry.audit_events'],
    ['write a checkpoint', `INSERT INTO tenantry.audit_checkpoints (seq, hash, created_at, key_id, algorithm, signature) VALUES (0, '${GENESIS_HASH}', now(), 'k', 'ed25519', 'AA')`],
    ['delete a checkpoint', 'DELETE FROM tenantry.audit_checkpoints'],
    ['delete its head', 'DELETE FROM tenantry.audit_heads'],
  ])('refuses the app role to %s (no privilege)', async (_, sql) => {
    expect(codeOfError(await errorOf(asRole(t.app, a, sql)))).toBe('42501');
  });

  it.each([
    ['UPDATE an event', "UPDATE tenantry.audit_events SET actor = 'mallory' WHERE tenant_id = $1", true],
    ['DELETE an event', 'DELETE FROM tenantry.audit_events WHERE tenant_id = $1', true],
    ['DELETE a checkpoint', 'DELETE FROM tenantry.audit_checkpoints WHERE tenant_id = $1', true],
    ['TRUNCATE the events', 'TRUNCATE tenantry.audit_events', false],
    ['UPDATE a checkpoint', 'UPDATE tenantry.audit_checkpoints SET seq = 0 WHERE tenant_id = $1', true],
    ['TRUNCATE the checkpoints', 'TRUNCATE tenantry.audit_checkpoints', false],
    ['DELETE a head', 'DELETE FROM tenantry.audit_heads WHERE tenant_id = $1', true],
  ])('refuses even a superuser to %s while the triggers stand', async (_, sql, withTenant) => {
    const err = await errorOf(asRole(t.admin, a, sql, withTenant ? [a] : []));
    expect(codeOfError(err)).toBe('TA405');
  });

  it('refuses an event that does not extend the head, whoever inserts it (the chain cannot fork)', async () => {
    const [head] = await asRole<{ seq: string; hash: string }>(t.admin, a, 'SELECT seq, hash FROM tenantry.audit_heads WHERE tenant_id = $1', [a]);
    const insert = (seq: number, prev: string) =>
      errorOf(asRole(t.operator, a, `INSERT INTO tenantry.audit_events (tenant_id, seq, prev_hash, hash, occurred_at, actor, action)
                                     VALUES ($1, $2, $3, $4, now(), 'x', 'x')`, [a, seq, prev, 'f'.repeat(64)]));
    const seq = Number(head?.seq);
    expect(codeOfError(await insert(seq, GENESIS_HASH))).toBe('TA409'); // a second event with the head's seq
    expect(codeOfError(await insert(seq + 1, GENESIS_HASH))).toBe('TA409'); // the right seq, the wrong predecessor
    expect(await insert(seq + 1, head?.hash ?? '')).toBeUndefined(); // the right one goes in (and asRole rolls it back)
  });

  it('refuses the operator to delete a live tenant\'s events, even claiming to erase them', async () => {
    const err = await errorOf(
      withAuditOperator(t.operator, a, async (tx) => {
        await tx.query("SELECT set_config('tenantry.audit_erase', $1, true)", [a]);
        await tx.query('DELETE FROM tenantry.audit_events WHERE tenant_id = $1', [a]);
      }),
    );
    expect(isTenantryError(err) && err.details.sqlstate).toBe('TA405');
  });
});

describe('offboarding', () => {
  it('keeps the audit log through the purge, and erases it only once the tenant is deleted', async () => {
    const gone = (await t.registry.create({ slug: 'leaving' })).id;
    await append(gone, 'data.created');
    await append(gone, 'data.changed');
    expect(isTenantryError(await errorOf(eraseAuditLog({ operator: t.operator, tenantId: gone })), 'AUDIT_TENANT_NOT_DELETED')).toBe(true);

    await t.registry.offboard(gone);
    const kept = await withAuditOperator(t.operator, gone, async (tx) => (await queryAuditEvents(tx)).events.length);
    await t.registry.delete(gone);
    const { rows } = await t.admin.query<{ n: string }>('SELECT count(*) AS n FROM tenantry.audit_events WHERE tenant_id = $1', [gone]);
    // create, activate, the two appends, offboard — then delete adds its own event.
    expect([kept, Number(rows[0]?.n)]).toEqual([5, 6]);
    const { rows: registered } = await t.admin.query(`SELECT 1 FROM tenantry.isolated_tables WHERE schema_name = 'tenantry' AND table_name LIKE 'audit%'`);
    expect(registered).toEqual([]);

    expect(await eraseAuditLog({ operator: t.operator, tenantId: gone })).toEqual({ events: 6, checkpoints: 0 });
    const { rows: after } = await t.admin.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM tenantry.audit_events WHERE tenant_id = $1) + (SELECT count(*) FROM tenantry.audit_heads WHERE tenant_id = $1) AS n',
      [gone],
    );
    expect(Number(after[0]?.n)).toBe(0);
    // Another tenant's chain is untouched.
    expect((await t.db.withTenant(a, (scope) => queryAuditEvents(scope))).events.length).toBe(3);
  });
});
