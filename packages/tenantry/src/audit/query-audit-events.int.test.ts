// Querying and exporting a chain: filters by actor, action, target and time; keyset pages in
// a stable seq order that neither skip nor repeat while events are appended; and an export that
// streams a page at a time and verifies offline.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import type { SqlConnection } from '../postgres/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { appendAuditEvent } from './append-audit-event.js';
import { auditVerificationKey, type AuditSigningKey } from './audit-checkpoint.js';
import type { AuditEvent } from './audit-event.js';
import { operatorAuditTransaction } from './audit-operator.js';
import { createAuditCheckpoint } from './create-audit-checkpoint.js';
import { exportAuditLog } from './export-audit-log.js';
import { queryAuditEvents, type AuditQuery } from './query-audit-events.js';
import { verifyAuditExport } from './verify-audit-export.js';

let t: TestTenantry;
let tenants: TenantId[] = [];
let tenant: TenantId;
let all: AuditEvent[];
const COUNT = 30;
// Events are a minute apart from testNow (TENANTRY_TEST_NOW).
const START = Date.parse(inject('testNow'));
const MINUTE = 60_000;
const key: AuditSigningKey = { keyId: 'audit-q', algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey };

const query = (q: AuditQuery) => t.db.withTenant(tenant, (scope) => queryAuditEvents(scope, q));
const seqs = (events: readonly AuditEvent[]) => events.map((e) => e.seq);

async function everyPage(q: AuditQuery): Promise<AuditEvent[][]> {
  const pages: AuditEvent[][] = [];
  let cursor: string | undefined;
  do {
    const page = await query({ ...q, ...(cursor ? { cursor } : {}) });
    pages.push([...page.events]);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
  // Inserted directly, active: registry.create() appends lifecycle events of its own.
  tenants = [(await t.admin.query<{ id: string }>(`INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES (gen_random_uuid(), $1, $1, 'active') RETURNING id`, ['tenant-0'])).rows[0]?.id as TenantId, (await t.admin.query<{ id: string }>(`INSERT INTO tenantry.tenants (id, slug, display_name, status) VALUES (gen_random_uuid(), $1, $1, 'active') RETURNING id`, ['tenant-1'])).rows[0]?.id as TenantId];
  tenant = tenants[0] as TenantId;
  let i = 0;
  const clock = { now: () => new Date(START + i * MINUTE) };
  all = [];
  for (i = 0; i < COUNT; i += 1) {
    all.push(
      await t.db.transaction(tenant, (tx) =>
        appendAuditEvent(tx, { actor: `user:${i % 3}`, action: i % 2 === 0 ? 'doc.edit' : 'doc.view', target: `doc:${i % 5}`, details: { i } }, { clock })),
    );
  }
  // The other tenant has events that match every filter: none may show up.
  await t.db.transaction((tenants[1] as TenantId), (tx) => appendAuditEvent(tx, { actor: 'user:0', action: 'doc.edit', target: 'doc:0' }));
});
afterAll(() => t?.close());

describe('queryAuditEvents', () => {
  it('filters by actor, action and target, alone and together', async () => {
    const expectSeqs = (pred: (e: AuditEvent) => boolean) => seqs(all.filter(pred));
    expect(seqs((await query({ actor: 'user:1', limit: 500 })).events)).toEqual(expectSeqs((e) => e.actor === 'user:1'));
    expect(seqs((await query({ action: 'doc.view', limit: 500 })).events)).toEqual(expectSeqs((e) => e.action === 'doc.view'));
    expect(seqs((await query({ target: 'doc:2', limit: 500 })).events)).toEqual(expectSeqs((e) => e.target === 'doc:2'));
    expect(seqs((await query({ actor: 'user:0', action: 'doc.edit', target: 'doc:0', limit: 500 })).events)).toEqual(
      expectSeqs((e) => e.actor === 'user:0' && e.action === 'doc.edit' && e.target === 'doc:0'),
    );
  });

  it('filters by a time range, since inclusive and until exclusive', async () => {
    const page = await query({ since: new Date(START + 5 * MINUTE), until: new Date(START + 9 * MINUTE) });
    expect(seqs(page.events)).toEqual([6, 7, 8, 9]);
    expect(page.events[0]?.time).toBe(new Date(START + 5 * MINUTE).toISOString().replace('Z', '000Z'));
  });

  it('pages oldest-first through every event once, in seq order', async () => {
    const pages = await everyPage({ limit: 7 });
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    expect(seqs(pages.flat())).toEqual(seqs(all));
  });

  it('pages newest-first, and with filters', async () => {
    expect(seqs((await everyPage({ limit: 4, order: 'newest-first' })).flat())).toEqual(seqs(all).reverse());
    expect(seqs((await everyPage({ limit: 2, action: 'doc.edit' })).flat())).toEqual(seqs(all.filter((e) => e.action === 'doc.edit')));
  });

  it('neither skips nor repeats when events are appended between pages', async () => {
    const other = (tenants[1] as TenantId);
    const scoped = (q: AuditQuery) => t.db.withTenant(other, (scope) => queryAuditEvents(scope, q));
    const add = (action: string) => t.db.transaction(other, (tx) => appendAuditEvent(tx, { actor: 'user:9', action }));
    await add('second');
    // Newest first: an OFFSET would now show event 2 again; the keyset cursor goes on below it.
    const newest = await scoped({ limit: 1, order: 'newest-first' });
    await add('third');
    const older = await scoped({ limit: 5, order: 'newest-first', cursor: newest.nextCursor ?? '' });
    expect([...seqs(newest.events), ...seqs(older.events)]).toEqual([2, 1]);
    // Oldest first: the new events come on the later pages.
    const first = await scoped({ limit: 1 });
    await add('fourth');
    const second = await scoped({ limit: 5, cursor: first.nextCursor ?? '' });
    expect([...seqs(first.events), ...seqs(second.events)]).toEqual([1, 2, 3, 4]);
    expect(second.nextCursor).toBeUndefined();
  });

  it.each<[string, AuditQuery, string]>([
    ['an unknown filter', { actr: 'user:1' } as AuditQuery, 'AUDIT_QUERY_INVALID'],
    ['a limit of 0', { limit: 0 }, 'AUDIT_QUERY_INVALID'],
    ['a limit of 501', { limit: 501 }, 'AUDIT_QUERY_INVALID'],
    ['a since that is not a Date', { since: '2025-03-01' as unknown as Date }, 'AUDIT_QUERY_INVALID'],
    ['an unknown order', { order: 'random' as 'newest-first' }, 'AUDIT_QUERY_INVALID'],
    ['a made-up cursor', { cursor: 'bm90IGEgY3Vyc29y' }, 'AUDIT_CURSOR_INVALID'],
  ])('refuses %s', async (_, q, code) => {
    expect(isTenantryError(await errorOf(query(q)), code)).toBe(true);
  });

  it('refuses a cursor given with the other order (AUDIT_CURSOR_INVALID)', async () => {
    const { nextCursor } = await query({ limit: 3 });
    expect(isTenantryError(await errorOf(query({ order: 'newest-first', cursor: nextCursor ?? '' })), 'AUDIT_CURSOR_INVALID')).toBe(true);
  });
});

describe('exportAuditLog', () => {
  it('exports the checkpoints and the chain as NDJSON that verifies offline with the public key', async () => {
    await createAuditCheckpoint({ operator: t.operator, tenantId: tenant, key });
    const lines = await t.db.withTenant(tenant, async (scope) => {
      const out: string[] = [];
      for await (const line of exportAuditLog(scope, { pageSize: 7 })) out.push(line);
      return out;
    });
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    const records = lines.map((l) => JSON.parse(l) as { record: string; seq: number });
    expect(records[0]).toMatchObject({ record: 'checkpoint', seq: COUNT });
    expect(records.slice(1).map((r) => r.seq)).toEqual(seqs(all));
    expect(verifyAuditExport(lines, { tenantId: tenant, keys: [auditVerificationKey(key)] })).toMatchObject({ ok: true, events: COUNT, checkpointSeq: COUNT });
  });

  it('streams: it reads one page of events at a time, as lines are consumed', async () => {
    const connection = await t.operator.connect();
    const sent: string[] = [];
    // The real connection, with the statements it is sent recorded.
    const recording: SqlConnection = {
      get transactionStatus() {
        return connection.transactionStatus;
      },
      query: (text, values) => {
        sent.push(text);
        return connection.query(text, values);
      },
      queryAfter: (preamble, text, values) => connection.queryAfter(preamble, text, values),
      release: (err) => connection.release(err),
    };
    try {
      await connection.query('BEGIN');
      const tx = await operatorAuditTransaction(recording, tenant);
      const pages = () => sent.filter((s) => s.includes('FROM tenantry.audit_events') && s.includes('LIMIT')).length;
      const iterator = exportAuditLog(tx, { pageSize: 10 })[Symbol.asyncIterator]();
      const firstLines = [];
      for (let i = 0; i < 6; i += 1) firstLines.push((await iterator.next()).value);
      expect(firstLines).toHaveLength(6); // a checkpoint and five events
      expect(pages()).toBe(1);
      let rest = 0;
      while (!(await iterator.next()).done) rest += 1;
      expect(rest).toBe(COUNT - 5);
      expect(pages()).toBe(3);
    } finally {
      await connection.query('ROLLBACK');
      connection.release();
    }
  });
});
