// Tampering with a stored chain, done as an attacker with owner access would do it (triggers
// switched off, rows edited in SQL, hashes recomputed where that helps): each kind is detected
// and named, by verifyAuditChain in the database and by verifyAuditExport on the tenant's
// export. Checkpoints refuse to sign a broken chain and are themselves checked.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type Clock, type TenantId } from '../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { appendAuditEvent } from './append-audit-event.js';
import { auditVerificationKey, type AuditCheckpoint, type AuditSigningKey } from './audit-checkpoint.js';
import { auditEventHash, type AuditEvent } from './audit-event.js';
import { withAuditOperator } from './audit-operator.js';
import type { AuditVerification } from './chain-verifier.js';
import { createAuditCheckpoint } from './create-audit-checkpoint.js';
import { exportAuditLog } from './export-audit-log.js';
import { queryAuditEvents } from './query-audit-events.js';
import { verifyAuditChain } from './verify-audit-chain.js';
import { verifyAuditExport } from './verify-audit-export.js';

let t: TestTenantry;
const key: AuditSigningKey = { keyId: 'audit-2025', algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey };
const keys = [auditVerificationKey(key)];
const EVENTS = 10;

const breakOf = (result: AuditVerification) => (result.ok ? undefined : { kind: result.break.kind, seq: result.break.seq, toSeq: result.break.toSeq, evidence: result.break.evidence });

function stepClock(): Clock {
  let at = Date.parse(inject('testNow'));
  return { now: () => new Date((at += 1000)) };
}

/** A tenant with EVENTS events and a checkpoint of its head. */
async function chainedTenant(slug: string): Promise<TenantId> {
  // Inserted directly, active: registry.create() would append lifecycle events of its own.
  const tenant = (await t.admin.query<{ id: string }>(`INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES (gen_random_uuid(), $1, $1, 'active') RETURNING id`, [slug])).rows[0]?.id as TenantId;
  const clock = stepClock();
  for (let i = 1; i <= EVENTS; i += 1) {
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: `user:${i % 3}`, action: 'doc.edit', target: `doc:${i}`, details: { i } }, { clock }));
  }
  await createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key });
  return tenant;
}

const stored = (tenant: TenantId) => withAuditOperator(t.operator, tenant, async (tx) => (await queryAuditEvents(tx, { limit: 500 })).events);

/** Runs SQL as an attacker with owner access: the triggers are switched off around it. */
async function tamper(statements: readonly (readonly [string, readonly unknown[]])[]): Promise<void> {
  const connection = await t.admin.connect();
  try {
    await connection.query('BEGIN');
    for (const table of ['audit_events', 'audit_heads', 'audit_checkpoints']) await connection.query(`ALTER TABLE tenantry.${table} DISABLE TRIGGER USER`);
    for (const [sql, values] of statements) await connection.query(sql, values);
    for (const table of ['audit_events', 'audit_heads', 'audit_checkpoints']) await connection.query(`ALTER TABLE tenantry.${table} ENABLE TRIGGER USER`);
    await connection.query('COMMIT');
  } finally {
    connection.release();
  }
}

/** Rewrites rows so that each is self-consistent again: what someone who knows SHA-256 can do. */
const rehash = (tenant: TenantId, events: readonly AuditEvent[]) =>
  events.map((e) => ['UPDATE tenantry.audit_events SET prev_hash = $3, hash = $4 WHERE tenant_id = $1 AND seq = $2', [tenant, e.seq, e.prevHash, auditEventHash(e)]] as const);

/** The verdict online (operator and tenant) and offline (the tenant's export); they must agree. */
async function verdict(tenant: TenantId, checkpoints: readonly AuditCheckpoint[] = []) {
  const online = await withAuditOperator(t.operator, tenant, (tx) => verifyAuditChain(tx, { keys, checkpoints }));
  const asTenant = await t.db.withTenant(tenant, (scope) => verifyAuditChain(scope, { keys, checkpoints }));
  const lines = await t.db.withTenant(tenant, async (scope) => {
    const out: string[] = [];
    for await (const line of exportAuditLog(scope, { pageSize: 3 })) out.push(line);
    return out;
  });
  const offline = verifyAuditExport([...lines, ...checkpoints.map((c) => `${JSON.stringify({ record: 'checkpoint', ...c })}\n`)], { tenantId: tenant, keys });
  expect(breakOf(asTenant)).toEqual(breakOf(online));
  expect(breakOf(offline)).toEqual(breakOf(online));
  return online;
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
});
afterAll(() => t?.close());

describe('a stored chain', () => {
  it('verifies untouched: every event, up to the signed head', async () => {
    const tenant = await chainedTenant('untouched');
    expect(await verdict(tenant)).toMatchObject({ ok: true, events: EVENTS, checkpointSeq: EVENTS, head: { seq: EVENTS } });
  });

  it('reports an edited event as "edited" at its seq', async () => {
    const tenant = await chainedTenant('edited');
    await tamper([[`UPDATE tenantry.audit_events SET details = '{"i": 99}' WHERE tenant_id = $1 AND seq = 4`, [tenant]]]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'edited', seq: 4, toSeq: 4, evidence: 'chain' });
  });

  it('reports an event edited and re-hashed as "edited" at its seq (the next one still points to the old hash)', async () => {
    const tenant = await chainedTenant('edited-rehashed');
    const event = (await stored(tenant))[3] as AuditEvent;
    await tamper([["UPDATE tenantry.audit_events SET actor = 'user:mallory' WHERE tenant_id = $1 AND seq = 4", [tenant]], ...rehash(tenant, [{ ...event, actor: 'user:mallory' }])]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'edited', seq: 4, toSeq: 4, evidence: 'chain' });
  });

  it('reports a deleted event as "deleted"', async () => {
    const tenant = await chainedTenant('deleted');
    await tamper([['DELETE FROM tenantry.audit_events WHERE tenant_id = $1 AND seq = 4', [tenant]]]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'deleted', seq: 4, toSeq: 4, evidence: 'chain' });
  });

  it('reports deleted events as "deleted" even when the rest were renumbered to close the gap', async () => {
    const tenant = await chainedTenant('deleted-renumbered');
    await tamper([
      ['DELETE FROM tenantry.audit_events WHERE tenant_id = $1 AND seq IN (4, 5)', [tenant]],
      ['UPDATE tenantry.audit_events SET seq = seq - 2 WHERE tenant_id = $1 AND seq > 5', [tenant]],
      ['UPDATE tenantry.audit_heads SET seq = seq - 2 WHERE tenant_id = $1', [tenant]],
    ]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'deleted', seq: 4, toSeq: 5, evidence: 'chain' });
  });

  it('reports two events that swapped places as "reordered"', async () => {
    const tenant = await chainedTenant('reordered');
    await tamper([
      ['UPDATE tenantry.audit_events SET seq = 1000 WHERE tenant_id = $1 AND seq = 4', [tenant]],
      ['UPDATE tenantry.audit_events SET seq = 4 WHERE tenant_id = $1 AND seq = 7', [tenant]],
      ['UPDATE tenantry.audit_events SET seq = 7 WHERE tenant_id = $1 AND seq = 1000', [tenant]],
    ]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'reordered', seq: 4, toSeq: 4, evidence: 'chain' });
  });

  it('reports a forged event slipped into the middle, with a valid hash, as "inserted"', async () => {
    const tenant = await chainedTenant('inserted');
    const before = (await stored(tenant))[3] as AuditEvent; // seq 4: the forged event follows it
    const forged = { ...before, seq: 5, prevHash: before.hash, actor: 'user:mallory', action: 'doc.delete', details: {} };
    await tamper([
      // Make room at seq 5 (two steps: the primary key is checked row by row).
      ['UPDATE tenantry.audit_events SET seq = seq + 1000 WHERE tenant_id = $1 AND seq >= 5', [tenant]],
      ['UPDATE tenantry.audit_events SET seq = seq - 999 WHERE tenant_id = $1 AND seq >= 1000', [tenant]],
      [`INSERT INTO tenantry.audit_events (tenant_id, seq, prev_hash, hash, occurred_at, actor, action, target, request_id, details)
        VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7, $8, $9, '{}')`,
      [tenant, forged.seq, forged.prevHash, auditEventHash(forged), forged.time, forged.actor, forged.action, forged.target, forged.requestId]],
    ]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'inserted', seq: 5, toSeq: 5, evidence: 'chain' });
  });

  it('reports the newest events deleted as "truncated", by the signed checkpoint, even with the head put back', async () => {
    const tenant = await chainedTenant('truncated');
    const seventh = (await stored(tenant))[6] as AuditEvent;
    await tamper([
      ['DELETE FROM tenantry.audit_events WHERE tenant_id = $1 AND seq > 7', [tenant]],
      ['UPDATE tenantry.audit_heads SET seq = 7, hash = $2 WHERE tenant_id = $1', [tenant, seventh.hash]],
    ]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'truncated', seq: 8, toSeq: 10, evidence: 'checkpoint' });
  });

  it('catches a truncation whose checkpoints were deleted too, with a checkpoint the tenant kept from an export', async () => {
    const tenant = await chainedTenant('truncated-kept');
    const kept = await t.db.withTenant(tenant, async (scope) => {
      const lines: string[] = [];
      for await (const line of exportAuditLog(scope)) lines.push(line);
      return lines.map((l) => JSON.parse(l) as { record: string } & AuditCheckpoint).filter((r) => r.record === 'checkpoint').map(({ record: _, ...c }) => c);
    });
    const seventh = (await stored(tenant))[6] as AuditEvent;
    await tamper([
      ['DELETE FROM tenantry.audit_events WHERE tenant_id = $1 AND seq > 7', [tenant]],
      ['DELETE FROM tenantry.audit_checkpoints WHERE tenant_id = $1', [tenant]],
      ['UPDATE tenantry.audit_heads SET seq = 7, hash = $2 WHERE tenant_id = $1', [tenant, seventh.hash]],
    ]);
    expect((await verdict(tenant)).ok).toBe(true); // what the database alone can show: nothing (rule 19)
    expect(breakOf(await verdict(tenant, kept))).toEqual({ kind: 'truncated', seq: 8, toSeq: 10, evidence: 'checkpoint' });
  });

  it('reports a deleted tail past the last checkpoint as "truncated" by the stored head, when the head was left', async () => {
    const tenant = await chainedTenant('truncated-head');
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:1', action: 'after.checkpoint' }));
    await tamper([['DELETE FROM tenantry.audit_events WHERE tenant_id = $1 AND seq = 11', [tenant]]]);
    // Online only: the head is not part of the export (it is unsigned; the next checkpoint is what counts).
    const result = await withAuditOperator(t.operator, tenant, (tx) => verifyAuditChain(tx, { keys }));
    expect(breakOf(result)).toEqual({ kind: 'truncated', seq: 11, toSeq: 11, evidence: 'head' });
  });

  it('reports a consistent rewrite of the history as "rewritten", which only the signed checkpoint shows', async () => {
    const tenant = await chainedTenant('rewritten');
    const events = await stored(tenant);
    const rewritten: AuditEvent[] = [];
    for (const [i, e] of events.entries()) {
      const edited = i === 2 ? { ...e, actor: 'user:mallory' } : e;
      const prevHash = i === 0 ? e.prevHash : (rewritten[i - 1] as AuditEvent).hash;
      rewritten.push({ ...edited, prevHash, hash: auditEventHash({ ...edited, prevHash }) });
    }
    await tamper([
      ["UPDATE tenantry.audit_events SET actor = 'user:mallory' WHERE tenant_id = $1 AND seq = 3", [tenant]],
      ...rehash(tenant, rewritten),
      ['UPDATE tenantry.audit_heads SET hash = $2 WHERE tenant_id = $1', [tenant, (rewritten.at(-1) as AuditEvent).hash]],
    ]);
    expect(breakOf(await verdict(tenant))).toEqual({ kind: 'rewritten', seq: 1, toSeq: 10, evidence: 'checkpoint' });
  });

  it('reports a checkpoint written without the key as "checkpoint-invalid"', async () => {
    const tenant = await chainedTenant('forged-checkpoint');
    const head = (await stored(tenant)).at(-1) as AuditEvent;
    await tamper([[
      `INSERT INTO tenantry.audit_checkpoints (tenant_id, seq, hash, created_at, key_id, algorithm, signature)
       VALUES ($1, 10, $2, now(), 'audit-forged', 'ed25519', $3)`,
      [tenant, head.hash, randomBytes(64).toString('base64url')],
    ]]);
    const forgerKey = { keyId: 'audit-forged', algorithm: 'ed25519' as const, publicKey: generateKeyPairSync('ed25519').publicKey };
    const result = await withAuditOperator(t.operator, tenant, (tx) => verifyAuditChain(tx, { keys: [...keys, forgerKey] }));
    expect(breakOf(result)).toEqual({ kind: 'checkpoint-invalid', seq: 10, toSeq: 10, evidence: 'checkpoint' });
    const unknown = await errorOf(withAuditOperator(t.operator, tenant, (tx) => verifyAuditChain(tx, { keys })));
    expect(isTenantryError(unknown, 'AUDIT_CHECKPOINT_KEY_UNKNOWN')).toBe(true);
  });
});

describe('createAuditCheckpoint', () => {
  it('signs the head, verifies only what was appended since, and writes nothing when nothing was', async () => {
    const tenant = await chainedTenant('checkpoints');
    const first = await createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key });
    expect(first).toMatchObject({ tenantId: tenant, seq: EVENTS, keyId: key.keyId, algorithm: 'ed25519' });
    expect(await createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key })).toEqual(first);
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:1', action: 'more.work' }));
    const second = await createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key });
    expect(second.seq).toBe(EVENTS + 1);
    const { rows } = await t.admin.query<{ seq: string }>('SELECT seq FROM tenantry.audit_checkpoints WHERE tenant_id = $1 ORDER BY seq', [tenant]);
    expect(rows.map((r) => Number(r.seq))).toEqual([EVENTS, EVENTS + 1]);
    expect(await verdict(tenant)).toMatchObject({ ok: true, checkpointSeq: EVENTS + 1 });
  });

  it('refuses to sign a chain broken since the last checkpoint, with AUDIT_CHAIN_BROKEN and its kind', async () => {
    const tenant = await chainedTenant('no-signing-broken');
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:1', action: 'more.work' }));
    await t.db.transaction(tenant, (tx) => appendAuditEvent(tx, { actor: 'user:1', action: 'more.work' }));
    await tamper([["UPDATE tenantry.audit_events SET action = 'nothing.here' WHERE tenant_id = $1 AND seq = 11", [tenant]]]);
    const err = await errorOf(createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key }));
    expect(isTenantryError(err, 'AUDIT_CHAIN_BROKEN')).toBe(true);
    expect((err as { details: object }).details).toEqual({ kind: 'edited', seq: 11, toSeq: 11 });
  });

  it('refuses to build on a signed head that was truncated or rewritten', async () => {
    const truncated = await chainedTenant('no-signing-truncated');
    await tamper([
      ['DELETE FROM tenantry.audit_events WHERE tenant_id = $1 AND seq > 8', [truncated]],
      ['UPDATE tenantry.audit_heads SET seq = 8 WHERE tenant_id = $1', [truncated]],
    ]);
    const err = await errorOf(createAuditCheckpoint({ operator: t.operator, tenantId: truncated, key }));
    expect((err as { details: object }).details).toEqual({ kind: 'truncated', seq: 9, toSeq: 10 });

    const rewritten = await chainedTenant('no-signing-rewritten');
    await tamper([["UPDATE tenantry.audit_events SET hash = repeat('a', 64) WHERE tenant_id = $1 AND seq = 10", [rewritten]]]);
    const err2 = await errorOf(createAuditCheckpoint({ operator: t.operator, tenantId: rewritten, key }));
    expect((err2 as { details: object }).details).toEqual({ kind: 'rewritten', seq: 1, toSeq: 10 });
  });

  it('refuses a latest checkpoint with a bad signature (AUDIT_CHECKPOINT_INVALID) or an unknown key', async () => {
    const tenant = await chainedTenant('bad-anchor');
    await tamper([["UPDATE tenantry.audit_checkpoints SET signature = $2 WHERE tenant_id = $1", [tenant, randomBytes(64).toString('base64url')]]]);
    expect(isTenantryError(await errorOf(createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key })), 'AUDIT_CHECKPOINT_INVALID')).toBe(true);

    const rotated = await chainedTenant('rotated');
    const next: AuditSigningKey = { keyId: 'audit-2026', algorithm: 'hmac-sha256', secret: randomBytes(32) };
    expect(isTenantryError(await errorOf(createAuditCheckpoint({ operator: t.operator, tenantId: rotated, key: next })), 'AUDIT_CHECKPOINT_KEY_UNKNOWN')).toBe(true);
    const resigned = await createAuditCheckpoint({ operator: t.operator, tenantId: rotated, key: next, verificationKeys: keys });
    expect(resigned).toMatchObject({ seq: EVENTS, keyId: 'audit-2026', algorithm: 'hmac-sha256' });
    const result = await withAuditOperator(t.operator, rotated, (tx) => verifyAuditChain(tx, { keys: [...keys, auditVerificationKey(next)] }));
    expect(result.ok).toBe(true);
  });

  it('checkpoints a suspended tenant too (the operator does not pass the status gate)', async () => {
    const tenant = await chainedTenant('suspended');
    // Directly, so the chain holds only this test's events (registry transitions append their own).
    await t.admin.query(`UPDATE tenantry.tenants SET status = 'suspended' WHERE id = $1`, [tenant]);
    await withAuditOperator(t.operator, tenant, (tx) => appendAuditEvent(tx, { actor: 'operator:ann', action: 'tenant.suspend' }));
    const checkpoint = await createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key, clock: stepClock() });
    expect(checkpoint).toMatchObject({ seq: EVENTS + 1, time: new Date(Date.parse(inject('testNow')) + 1000).toISOString().replace('Z', '000Z') });
  });
});
