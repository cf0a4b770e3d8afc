// Bug (issue 14): no deadline on database work — with the database frozen, requests holding a
// connection waited as long as the freeze. Each route class now has a client-side deadline: past
// it, a 503 DATABASE_TIMEOUT with Retry-After, and the server serves the next request normally.
// The database is held up by a lock another connection holds (the shared server is never frozen).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlConnection } from 'tenantry/postgres';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let tenantA: string;
let memberToken: string;
beforeAll(async () => {
  api = await startApiServer(1, { deadlines: { tenant: 300, operator: 300, export: 300 } });
  tenantA = api.t.tenants[0]!.id;
  memberToken = await api.member(tenantA, 'owner-a', 'owner');
});
afterAll(() => api?.close());

/** Runs `fn` while another connection holds `table` locked, so statements touching it wait. */
async function whileLocked<T>(table: string, fn: () => Promise<T>): Promise<T> {
  const holder: SqlConnection = await api.t.admin.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    return await fn();
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
}

describe('request deadlines', () => {
  it('answers a tenant route held up by a lock with 503 DATABASE_TIMEOUT and Retry-After, then serves it again', async () => {
    const res = await whileLocked('tenantry.members', () => fetch(`${api.url}/v1/tenant/members`, { headers: { authorization: `Bearer ${memberToken}` } }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ code: 'DATABASE_TIMEOUT', details: { deadlineMs: 300 } });
    expect((await api.request('GET', '/v1/tenant/members', { token: memberToken })).status).toBe(200);
  });

  it('answers an operator route held up by a lock with 503 DATABASE_TIMEOUT, then serves it again', async () => {
    const res = await whileLocked('tenantry.tenants', () => api.request('GET', '/v1/tenants', { token: api.operatorToken }));
    expect(res.body).toMatchObject({ status: 503, code: 'DATABASE_TIMEOUT' });
    expect((await api.request('GET', `/v1/tenants/${tenantA}`, { token: api.operatorToken })).status).toBe(200);
  });
});
