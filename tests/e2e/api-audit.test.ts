// The operator's audit routes through a real listening server: a tenant's events newest first
// with a keyset cursor and a type filter, the chain verification (intact, then tampered), and
// the refusals (tenant credentials, unknown tenant, a cursor the server never issued).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
beforeAll(async () => { api = await startApiServer(0); });
afterAll(() => api?.close());

const op = (body?: unknown) => ({ token: api.operatorToken, ...(body === undefined ? {} : { body }) });

async function tenantWithHistory(): Promise<string> {
  const { body: tenant } = await api.request('POST', '/v1/tenants', op({ slug: `a-${randomUUID().slice(0, 8)}`, owner: { userId: 'ada' } }));
  await api.request('POST', `/v1/tenants/${tenant.id}/suspend`, op());
  await api.request('POST', `/v1/tenants/${tenant.id}/restore`, op());
  return tenant.id as string;
}

describe('GET /v1/tenants/:id/audit-events', () => {
  it('shows an operator the tenant\'s events newest first, paged by cursor, filtered by type', async () => {
    const id = await tenantWithHistory();
    const first = await api.request('GET', `/v1/tenants/${id}/audit-events?limit=2`, op());
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).toMatchObject({ type: 'tenant.restore', actor: expect.stringMatching(/^operator:/), requestId: expect.any(String) });
    expect(first.body.items[1].type).toBe('tenant.suspend');
    expect(first.body.items[0].seq).toBeGreaterThan(first.body.items[1].seq);
    expect(typeof first.body.nextCursor).toBe('string');

    // Every event exactly once across the pages, seq strictly descending to 1.
    const seqs: number[] = first.body.items.map((e: { seq: number }) => e.seq);
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await api.request('GET', `/v1/tenants/${id}/audit-events?limit=2&cursor=${encodeURIComponent(cursor)}`, op());
      seqs.push(...page.body.items.map((e: { seq: number }) => e.seq));
      cursor = page.body.nextCursor;
    }
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs.at(-1)).toBe(1);
    expect(new Set(seqs).size).toBe(seqs.length);

    const suspensions = await api.request('GET', `/v1/tenants/${id}/audit-events?type=tenant.suspend`, op());
    expect(suspensions.body).toMatchObject({ items: [{ type: 'tenant.suspend' }], nextCursor: null });
  });

  it('records each read (and each verification) of a tenant\'s log as an operator action, with the operator and request', async () => {
    const tenantId = (await api.request('POST', '/v1/tenants', op({ slug: `aud-${randomUUID().slice(0, 8)}`, owner: { userId: 'u' } }))).body.id as string;
    await api.request('GET', `/v1/tenants/${tenantId}/audit-events`, op());
    await api.request('GET', `/v1/tenants/${tenantId}/audit-events/verification`, op());
    const { rows } = await api.t.admin.query<{ action: string; actor: string; request_id: string | null }>(
      'SELECT action, actor, request_id FROM tenantry.operator_actions WHERE subject_tenant = $1 ORDER BY occurred_at', [tenantId]);
    expect(rows.map((r) => r.action)).toEqual(['audit.read', 'audit.verify']);
    expect(rows.every((r) => r.actor.startsWith('operator:') && r.request_id !== null)).toBe(true);
  });

  it('keeps a suspended tenant\'s log readable', async () => {
    const id = await tenantWithHistory();
    await api.request('POST', `/v1/tenants/${id}/suspend`, op());
    const page = await api.request('GET', `/v1/tenants/${id}/audit-events?limit=1`, op());
    expect(page.body.items[0].type).toBe('tenant.suspend');
  });

  it('refuses tenant credentials, an unknown tenant and a cursor it never issued', async () => {
    const id = await tenantWithHistory();
    const jwt = await api.jwt('ada', id);
    const key = await api.apiKey(id, ['members:read']);
    for (const call of [{ token: jwt }, { apiKey: key }, {}]) {
      const res = await api.request('GET', `/v1/tenants/${id}/audit-events`, call);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'TOKEN_INVALID' });
      expect((await api.request('GET', `/v1/tenants/${id}/audit-events/verification`, call)).status).toBe(401);
    }
    const unknown = await api.request('GET', `/v1/tenants/${randomUUID()}/audit-events`, op());
    expect(unknown).toMatchObject({ status: 404, contentType: expect.stringContaining('application/problem+json'), body: { code: 'TENANT_NOT_FOUND' } });
    expect((await api.request('GET', `/v1/tenants/${randomUUID()}/audit-events/verification`, op())).status).toBe(404);
    const bad = await api.request('GET', `/v1/tenants/${id}/audit-events?cursor=not-a-cursor`, op());
    expect(bad).toMatchObject({ status: 400, contentType: expect.stringContaining('application/problem+json'), body: { code: 'AUDIT_CURSOR_INVALID' } });
    // A cursor of the other order is refused too, not silently misread.
    const asc = await api.request('GET', `/v1/tenants/${id}/audit-events?limit=1&order=oldest-first`, op());
    const mixed = await api.request('GET', `/v1/tenants/${id}/audit-events?cursor=${encodeURIComponent(asc.body.nextCursor)}`, op());
    expect(mixed.body.code).toBe('AUDIT_CURSOR_INVALID');
  });
});

describe('GET /v1/tenants/:id/audit-events/verification', () => {
  it('reports an intact chain as valid and names the first broken link once an event is edited', async () => {
    const id = await tenantWithHistory();
    const intact = await api.request('GET', `/v1/tenants/${id}/audit-events/verification`, op());
    expect(intact.status).toBe(200);
    expect(intact.body).toEqual({ valid: true, eventsChecked: expect.any(Number), firstBrokenSeq: null, reason: null });
    expect(intact.body.eventsChecked).toBeGreaterThanOrEqual(3);

    // Tampering as someone with owner access would: the append-only trigger switched off around it.
    const connection = await api.t.admin.connect();
    try {
      await connection.query('BEGIN');
      await connection.query('ALTER TABLE tenantry.audit_events DISABLE TRIGGER USER');
      await connection.query(`UPDATE tenantry.audit_events SET actor = 'operator:mallory' WHERE tenant_id = $1 AND seq = 2`, [id]);
      await connection.query('ALTER TABLE tenantry.audit_events ENABLE TRIGGER USER');
      await connection.query('COMMIT');
    } finally {
      connection.release();
    }
    const broken = await api.request('GET', `/v1/tenants/${id}/audit-events/verification`, op());
    expect(broken.body).toMatchObject({ valid: false, eventsChecked: 1, firstBrokenSeq: 2, reason: expect.stringMatching(/^edited: /) });
  });
});

describe('audit routes across tenants (property)', () => {
  it('answers each tenant exactly its own lifecycle history, in order, whatever the interleaving', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 8 }),
      async (steps) => {
        const ids: string[] = [];
        for (let i = 0; i < 3; i += 1) {
          const { body } = await api.request('POST', '/v1/tenants', op({ slug: `p-${randomUUID().slice(0, 10)}`, owner: { userId: 'u' } }));
          ids.push(body.id as string);
        }
        // The model: each step toggles one tenant between suspended and active.
        const expected = ids.map((): string[] => []);
        const suspended = ids.map(() => false);
        for (const i of steps) {
          const action = suspended[i] ? 'restore' : 'suspend';
          expect((await api.request('POST', `/v1/tenants/${ids[i]}/${action}`, op())).status).toBe(200);
          suspended[i] = !suspended[i];
          expected[i]?.push(`tenant.${action}`);
        }
        for (const [i, id] of ids.entries()) {
          const { body } = await api.request('GET', `/v1/tenants/${id}/audit-events?order=oldest-first&limit=500`, op());
          const items = body.items as { type: string; target: string | null }[];
          expect(items.map((e) => e.type).filter((t) => t === 'tenant.suspend' || t === 'tenant.restore')).toEqual(expected[i]);
          // Nothing of another tenant: every tenant.* event targets this one.
          expect(items.filter((e) => e.type.startsWith('tenant.')).every((e) => e.target === `tenant:${id}`)).toBe(true);
          expect((await api.request('GET', `/v1/tenants/${id}/audit-events/verification`, op())).body).toMatchObject({ valid: true, eventsChecked: items.length });
        }
      },
    ), { numRuns: 8 });
  });
});
