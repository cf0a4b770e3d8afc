// appendAuditEvent against a real PostgreSQL: events chain in the caller's transaction (commit
// together, roll back together), concurrent appends for one tenant never fork or leave a gap,
// and what is read back hashes exactly as it was hashed before the insert. Clocks start at
// testNow (TENANTRY_TEST_NOW).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type Clock, type TenantId } from '../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { appendAuditEvent } from './append-audit-event.js';
import { auditEventHash, GENESIS_HASH, type AuditEvent } from './audit-event.js';
import { operatorAuditTransaction, withAuditOperator } from './audit-operator.js';
import { queryAuditEvents } from './query-audit-events.js';
import { verifyAuditChain } from './verify-audit-chain.js';

let t: TestTenantry;

const NOW = Date.parse(inject('testNow'));
const stepClock = (start: number, stepMs = 1000): Clock => {
  let at = start;
  return { now: () => new Date((at += stepMs)) };
};
const chainOf = (tenant: TenantId) => t.db.withTenant(tenant, async (scope) => (await queryAuditEvents(scope, { limit: 500 })).events);
const verify = (tenant: TenantId) => withAuditOperator(t.operator, tenant, (tx) => verifyAuditChain(tx, { keys: [] }));
// Inserted directly, active: registry.create() would already have appended its own lifecycle
// events, and these tests need a chain that starts empty.
const newTenant = async (slug: string) =>
  (await t.admin.query<{ id: string }>(`INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES (gen_random_uuid(), $1, $1, 'active') RETURNING id`, [slug])).rows[0]?.id as TenantId;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0, appPoolSize: 4 });
});
afterAll(() => t?.close());

describe('appendAuditEvent', () => {
  it('numbers a tenant\'s events 1, 2, 3 and links each to the hash of the one before', async () => {
    const tenant = await newTenant('chain');
    const clock = stepClock(NOW);
    const appended: AuditEvent[] = [];
    for (const action of ['member.invite', 'member.join', 'member.remove']) {
      appended.push(await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action, target: 'member:bob' }, { clock })));
    }
    expect(appended.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(appended.map((e) => e.prevHash)).toEqual([GENESIS_HASH, appended[0]?.hash, appended[1]?.hash]);
    for (const event of appended) expect(auditEventHash(event)).toBe(event.hash);
    expect(await chainOf(tenant)).toEqual(appended);
  });

  it('reads back exactly what it hashed: microsecond times and jsonb details that round-trip', async () => {
    const tenant = await newTenant('round-trip');
    const details = {
      float: 0.1, big: 1e21, tiny: 5e-324, max: Number.MAX_VALUE, negativeZero: -0, int: 9007199254740991,
      text: 'ünïcødé 😀 "quoted" \\ \n\t\u0001', ['__proto__']: 'own key', nested: { z: [1, { y: null, x: true }], a: [] },
      '€': 1, '\r': 2, '😀': 3,
    };
    const event = await t.db.transaction(tenant, (tx) =>
      appendAuditEvent(tx, { actor: 'user:ann', action: 'settings.change', requestId: 'req-1', details }, { clock: stepClock(NOW + 123) }));
    // Milliseconds written as microseconds: 1.123 s after testNow.
    expect(event.time).toBe(new Date(NOW + 1123).toISOString().replace('Z', '000Z'));
    const [stored] = await chainOf(tenant);
    expect(stored).toEqual(event);
    expect(stored && auditEventHash(stored)).toBe(event.hash);
    expect((await verify(tenant)).ok).toBe(true);
  });

  it('commits with the change it records and rolls back with it', async () => {
    const tenant = await newTenant('same-tx');
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action: 'kept.one' }));
    const err = await errorOf(
      t.db.transaction(tenant, async (tx) => {
        await appendAuditEvent(tx, { actor: 'user:ann', action: 'rolled.back' });
        throw new Error('the change failed');
      }),
    );
    expect((err as Error).message).toBe('the change failed');
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action: 'kept.two' }));
    const chain = await chainOf(tenant);
    // The rolled-back append took its head move with it: no gap where it was.
    expect(chain.map((e) => [e.seq, e.action])).toEqual([[1, 'kept.one'], [2, 'kept.two']]);
    expect((await verify(tenant)).ok).toBe(true);
  });

  it('appends more than one event in one transaction', async () => {
    const tenant = await newTenant('two-in-one');
    await t.db.transaction(tenant, async (tx) => {
      await appendAuditEvent(tx, { actor: 'system', action: 'import.start' });
      await appendAuditEvent(tx, { actor: 'system', action: 'import.end' });
    });
    expect((await chainOf(tenant)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('runs its own transaction when given a tenant scope', async () => {
    const tenant = await newTenant('scope');
    const event = await t.db.withTenant(tenant, (scope) => appendAuditEvent(scope, { actor: 'user:ann', action: 'login' }));
    expect(event.seq).toBe(1);
    expect(await chainOf(tenant)).toEqual([event]);
  });

  it('keeps 60 concurrent appends for one tenant, across a pool of 4 connections, gap-free and unforked', async () => {
    const tenant = await newTenant('concurrent');
    const other = await newTenant('concurrent-other');
    const appends = Array.from({ length: 60 }, (_, i) =>
      t.db.transaction(i % 5 === 4 ? other : tenant, (tx) => appendAuditEvent(tx, { actor: `user:${i}`, action: 'race.append', details: { i } })),
    );
    const events = await Promise.all(appends);
    const mine = events.filter((e) => e.tenantId === tenant);
    expect(mine.map((e) => e.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    const chain = await chainOf(tenant);
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    expect(new Set(chain.map((e) => e.prevHash)).size).toBe(48);
    expect(await verify(tenant)).toMatchObject({ ok: true, events: 48 });
    expect(await verify(other)).toMatchObject({ ok: true, events: 12 });
  });

  it('refuses an invalid event with AUDIT_EVENT_INVALID before anything is written', async () => {
    const tenant = await newTenant('invalid');
    const err = await errorOf(t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action: 'Not An Action' })));
    expect(isTenantryError(err, 'AUDIT_EVENT_INVALID')).toBe(true);
    expect((err as { details: object }).details).toMatchObject({ field: 'action' });
    expect(await chainOf(tenant)).toEqual([]);
  });
});

describe('appends that race under REPEATABLE READ', () => {
  it('fail with TRANSACTION_CONFLICT (retry), and never fork the chain', async () => {
    const tenant = await newTenant('repeatable-read');
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action: 'first' }));
    const connection = await t.operator.connect();
    try {
      await connection.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const tx = await operatorAuditTransaction(connection, tenant); // its snapshot is taken here
      await t.db.transaction(tenant, (other) => appendAuditEvent(other, { actor: 'user:bob', action: 'second' }));
      const err = await errorOf(appendAuditEvent(tx, { actor: 'operator:ann', action: 'stale' }));
      expect(isTenantryError(err, 'TRANSACTION_CONFLICT')).toBe(true);
    } finally {
      await connection.query('ROLLBACK');
      connection.release();
    }
    expect((await chainOf(tenant)).map((e) => [e.seq, e.action])).toEqual([[1, 'first'], [2, 'second']]);
  });
});

describe('operator audit transactions', () => {
  it('append in a transaction the operator opened, and go or stay with it', async () => {
    const tenant = await newTenant('operator-tx');
    const run = async (outcome: 'COMMIT' | 'ROLLBACK', action: string) => {
      const connection = await t.operator.connect();
      try {
        await connection.query('BEGIN');
        await connection.query('UPDATE tenantry.tenants SET version = version + 1 WHERE id = $1', [tenant]);
        await appendAuditEvent(await operatorAuditTransaction(connection, tenant), { actor: 'operator:ann', action });
        await connection.query(outcome);
      } finally {
        connection.release();
      }
    };
    await run('ROLLBACK', 'tenant.nothing');
    await run('COMMIT', 'tenant.suspend');
    expect((await chainOf(tenant)).map((e) => [e.seq, e.action, e.actor])).toEqual([[1, 'tenant.suspend', 'operator:ann']]);
  });

  it('refuses a connection that is not inside a transaction (the setting would end at once)', async () => {
    const tenant = await newTenant('operator-no-tx');
    const connection = await t.operator.connect();
    try {
      const err = await errorOf(operatorAuditTransaction(connection, tenant));
      expect(isTenantryError(err, 'AUDIT_TRANSACTION_REQUIRED')).toBe(true);
    } finally {
      connection.release();
    }
  });

  it('rolls back and fails when the callback swallowed a failed statement', async () => {
    const tenant = await newTenant('operator-swallowed');
    const err = await errorOf(
      withAuditOperator(t.operator, tenant, async (tx) => {
        await appendAuditEvent(tx, { actor: 'operator:ann', action: 'lost.write' });
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      }),
    );
    expect(isTenantryError(err, 'INTERNAL')).toBe(true);
    expect(await chainOf(tenant)).toEqual([]);
  });

  it('reaches the chain of a suspended tenant, which the app role cannot enter', async () => {
    const tenant = await newTenant('suspended');
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:ann', action: 'before.suspend' }));
    // Directly, so the chain holds only this test's events (registry transitions append their own).
    await t.admin.query(`UPDATE tenantry.tenants SET status = 'suspended' WHERE id = $1`, [tenant]);
    const appended = await withAuditOperator(t.operator, tenant, (tx) => appendAuditEvent(tx, { actor: 'operator:ann', action: 'tenant.suspend' }));
    expect(appended.seq).toBe(2);
    expect(await verify(tenant)).toMatchObject({ ok: true, events: 2 });
  });
});
