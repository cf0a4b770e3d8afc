// GET /v1/tenants/:id/summary (issue 22, the read-only tenant view): owners, seats against the
// seat limit and this month's usage against the limits, for an active, a suspended and a deleted
// tenant alike, without impersonation — each tenant's own figures only (three tenants with
// different members and usage, read while the others exist), each read recorded.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
const op = () => ({ token: api.operatorToken });
const made: { id: string; members: number; calls: number }[] = [];

async function tenantWith(members: number, calls: number, plan: string): Promise<string> {
  const { body } = await api.request('POST', '/v1/tenants', { ...op(), body: { slug: `sum-${randomUUID().slice(0, 8)}`, plan, owner: { userId: 'founder' } } });
  const id = body.id as string;
  for (let i = 1; i < members; i += 1) await api.member(id, `member-${i}`, i === 1 ? 'owner' : 'viewer');
  if (calls > 0) await api.t.db.withTenant(id, (scope) => api.quotas.recordUsage(scope, [{ id: randomUUID(), meter: 'apiCalls', quantity: calls }]));
  made.push({ id, members, calls });
  return id;
}
const summary = (id: string) => api.request('GET', `/v1/tenants/${id}/summary`, op());

beforeAll(async () => {
  api = await startApiServer(0);
  await tenantWith(3, 1200, 'free');
  await tenantWith(1, 0, 'pro');
  await tenantWith(2, 77, 'free');
});
afterAll(() => api?.close());

describe('GET /v1/tenants/:id/summary', () => {
  it("gives each tenant's owners, seats and usage against its plan's limits, and no other tenant's", async () => {
    for (const { id, members, calls } of made) {
      const { status, body } = await summary(id);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.seats.used).toBe(members);
      expect(body.owners).toEqual(members >= 2 ? ['founder', 'member-1'] : ['founder']);
      expect(body.usage.meters.find((m: { meter: string }) => m.meter === 'apiCalls')).toMatchObject({ used: calls, unit: 'requests' });
    }
    const free = (await summary(made[0]!.id)).body;
    expect(free).toMatchObject({ seats: { limit: 5 }, usage: { plan: 'free' } });
    expect(free.usage.meters.find((m: { meter: string }) => m.meter === 'apiCalls')).toMatchObject({ limit: 100_000, softLimit: 80_000 });
    expect((await summary(made[1]!.id)).body).toMatchObject({ seats: { used: 1, limit: 50 }, usage: { plan: 'pro' } });
  });

  it('reads a suspended tenant (its own transactions are refused) and a deleted one (no members left)', async () => {
    const { id, members, calls } = made[0]!;
    expect((await api.request('POST', `/v1/tenants/${id}/suspend`, { ...op(), body: { reason: 'over quota' } })).status).toBe(200);
    expect((await summary(id)).body).toMatchObject({ seats: { used: members }, owners: ['founder', 'member-1'] });
    expect((await summary(id)).body.usage.meters.find((m: { meter: string }) => m.meter === 'apiCalls').used).toBe(calls);
    await api.request('POST', `/v1/tenants/${id}/offboard`, op());
    await api.request('DELETE', `/v1/tenants/${id}`, op());
    expect((await summary(id)).body).toMatchObject({ seats: { used: 0 }, owners: [] });
  });

  it('answers 404 for an unknown tenant, recording nothing, and records every read of a known one', async () => {
    const reads = async () => (await api.t.admin.query<{ subject_tenant: string; actor: string }>("SELECT subject_tenant, actor FROM tenantry.operator_actions WHERE action = 'tenant.summary'")).rows;
    const before = (await reads()).length;
    expect((await summary(randomUUID())).body).toMatchObject({ status: 404, code: 'TENANT_NOT_FOUND' });
    expect((await reads()).length).toBe(before);
    const ofPro = (rows: { subject_tenant: string }[]) => rows.filter((r) => r.subject_tenant === made[1]!.id).length;
    const proBefore = ofPro(await reads());
    await summary(made[1]!.id);
    const after = await reads();
    expect([after.length, ofPro(after)]).toEqual([before + 1, proBefore + 1]);
    expect(after.every((r) => r.actor.startsWith('operator:'))).toBe(true);
  });
});
