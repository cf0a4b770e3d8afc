// The operator routes of /v1 through a real listening server: onboarding with an owner, cursor
// pagination with a status filter, the lifecycle actions, and the operator token they all need.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
beforeAll(async () => { api = await startApiServer(0); });
afterAll(() => api?.close());

const slug = () => `t-${randomUUID().slice(0, 8)}`;
const op = (body?: unknown) => ({ token: api.operatorToken, ...(body === undefined ? {} : { body }) });

describe('operator authentication', () => {
  it('refuses every operator route without a valid operator token', async () => {
    for (const call of [{}, { token: 'tnt_op_0123456789abcdef01234567_nope' }, { token: await api.jwt('u', randomUUID()) }]) {
      const res = await api.request('GET', '/v1/tenants', call);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'TOKEN_INVALID' });
    }
    expect((await api.request('POST', '/v1/tenants', { body: { slug: slug(), owner: { userId: 'u' } } })).status).toBe(401);
  });
});

describe('POST /v1/tenants', () => {
  it('onboards a tenant whose owner can use the tenant routes at once', async () => {
    const created = await api.request('POST', '/v1/tenants', op({ slug: slug(), displayName: 'Acme', owner: { userId: 'ada' } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'active', displayName: 'Acme' });
    const members = await api.request('GET', '/v1/tenant/members', { token: await api.jwt('ada', created.body.id) });
    expect(members.body.items).toMatchObject([{ userId: 'ada', role: 'owner' }]);
  });

  it('refuses a taken slug with 409 and a missing owner with 400', async () => {
    const taken = slug();
    await api.request('POST', '/v1/tenants', op({ slug: taken, owner: { userId: 'a' } }));
    expect((await api.request('POST', '/v1/tenants', op({ slug: taken, owner: { userId: 'a' } }))).body).toMatchObject({ status: 409, code: 'TENANT_SLUG_TAKEN' });
    expect((await api.request('POST', '/v1/tenants', op({ slug: slug() }))).body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
  });
});

describe('GET /v1/tenants', () => {
  it('pages with nextCursor until the last page and filters by status', async () => {
    for (let i = 0; i < 3; i += 1) await api.request('POST', '/v1/tenants', op({ slug: slug(), owner: { userId: 'u' } }));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.request('GET', `/v1/tenants?limit=2${cursor ? `&cursor=${cursor}` : ''}`, op());
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await api.t.registry.list({ limit: 500 });
    expect(seen).toEqual(all.tenants.map((t) => t.id));
    const suspended = await api.request('GET', '/v1/tenants?status=suspended', op());
    expect(suspended.body.items.every((t: { status: string }) => t.status === 'suspended')).toBe(true);
    expect((await api.request('GET', '/v1/tenants?status=sleeping', op())).body).toMatchObject({ code: 'REQUEST_INVALID' });
  });
});

describe('tenant lifecycle routes', () => {
  it('gets, suspends, restores, offboards and deletes a tenant, recording the operator as actor', async () => {
    const { body: tenant } = await api.request('POST', '/v1/tenants', op({ slug: slug(), owner: { userId: 'u' } }));
    expect((await api.request('GET', `/v1/tenants/${tenant.id}`, op())).body).toMatchObject({ id: tenant.id, status: 'active' });
    const suspended = await api.request('POST', `/v1/tenants/${tenant.id}/suspend`, op());
    expect(suspended.body.status).toBe('suspended');
    // A suspended tenant's members are refused by the resolver.
    expect((await api.request('GET', '/v1/tenant/members', { token: await api.jwt('u', tenant.id) })).body).toMatchObject({ code: 'TENANT_SUSPENDED' });
    expect((await api.request('POST', `/v1/tenants/${tenant.id}/restore`, op())).body.status).toBe('active');
    expect((await api.request('DELETE', `/v1/tenants/${tenant.id}`, op())).body).toMatchObject({ code: 'TENANT_INVALID_TRANSITION' });
    expect((await api.request('POST', `/v1/tenants/${tenant.id}/offboard`, op())).body.status).toBe('offboarding');
    const deleted = await api.request('DELETE', `/v1/tenants/${tenant.id}`, op());
    expect(deleted).toMatchObject({ status: 200, body: { status: 'deleted' } });
    const { rows } = await api.t.admin.query<{ actor: string; request_id: string | null }>(
      `SELECT actor, request_id FROM tenantry.audit_events WHERE tenant_id = $1 AND action LIKE 'tenant.%'`, [tenant.id],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.actor.startsWith('operator:') && r.request_id !== null)).toBe(true);
  });

  it('answers an unknown tenant id with 404 and a malformed one with 400', async () => {
    expect((await api.request('GET', `/v1/tenants/${randomUUID()}`, op())).body).toMatchObject({ status: 404, code: 'TENANT_NOT_FOUND' });
    expect((await api.request('POST', '/v1/tenants/not-a-uuid/suspend', op())).body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
  });
});

describe('GET /v1/tenants filters', () => {
  it('filters by plan, region and search, and refuses an unknown filter', async () => {
    const marker = randomUUID().slice(0, 8);
    const make = (s: string, plan: string, region: string) => api.request('POST', '/v1/tenants', op({ slug: `${s}-${marker}`, displayName: `Co ${s}`, plan, region, owner: { userId: 'u' } }));
    const a = (await make('fa', 'pro', 'eu-west')).body;
    const b = (await make('fb', 'pro', 'us-east')).body;
    await make('fc', 'free', 'eu-west');
    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((t) => t.id);
    expect(ids(await api.request('GET', `/v1/tenants?search=${marker}&plan=pro`, op()))).toEqual([a.id, b.id]);
    expect(ids(await api.request('GET', `/v1/tenants?search=${marker}&plan=pro&region=eu-west&tier=pooled`, op()))).toEqual([a.id]);
    expect(ids(await api.request('GET', `/v1/tenants?search=FB-${marker.toUpperCase()}`, op()))).toEqual([b.id]);
    expect((await api.request('GET', '/v1/tenants?colour=blue', op())).body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    expect((await api.request('GET', '/v1/tenants?tier=silo', op())).body).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
  });
});

describe('PATCH /v1/tenants/:id', () => {
  it('changes the plan, display name and region, audited with the operator and request id', async () => {
    const { body: tenant } = await api.request('POST', '/v1/tenants', op({ slug: slug(), owner: { userId: 'u' } }));
    const res = await api.request('PATCH', `/v1/tenants/${tenant.id}`, op({ plan: 'enterprise', displayName: 'Renamed', region: 'eu-central' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ plan: 'enterprise', displayName: 'Renamed', region: 'eu-central', version: tenant.version + 1 });
    const { rows } = await api.t.admin.query<{ actor: string; request_id: string | null; details: Record<string, unknown> }>(
      `SELECT actor, request_id, details FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'tenant.update'`, [tenant.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.actor).toMatch(/^operator:/);
    expect(rows[0]?.request_id).not.toBeNull();
    expect(rows[0]?.details).toMatchObject({ plan: { from: 'free', to: 'enterprise' } });
  });

  it("switches the tenant's plan-default flags at once when its plan changes", async () => {
    const { body: tenant } = await api.request('POST', '/v1/tenants', op({ slug: slug(), plan: 'free', owner: { userId: 'owner' } }));
    const token = await api.jwt('owner', tenant.id);
    const sso = async () => (await api.request('GET', '/v1/tenant/flags', { token })).body.items.find((f: { key: string }) => f.key === 'sso');
    expect(await sso()).toMatchObject({ enabled: false, source: 'plan' });
    await api.request('PATCH', `/v1/tenants/${tenant.id}`, op({ plan: 'pro' }));
    expect(await sso()).toMatchObject({ enabled: true, source: 'plan' });
  });

  it('refuses an empty body, unknown fields (status, tier), bad values and unknown tenants, changing nothing', async () => {
    const { body: tenant } = await api.request('POST', '/v1/tenants', op({ slug: slug(), owner: { userId: 'u' } }));
    for (const body of [{}, { status: 'deleted' }, { tier: 'database' }, { plan: 'Not A Label' }, { displayName: '' }]) {
      const res = await api.request('PATCH', `/v1/tenants/${tenant.id}`, op(body));
      expect(res.body, JSON.stringify(body)).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    }
    expect((await api.request('PATCH', `/v1/tenants/${tenant.id}`, op({ plan: 'platinum' }))).body).toMatchObject({ status: 400, code: 'QUOTA_PLAN_INVALID' });
    expect((await api.request('PATCH', `/v1/tenants/${randomUUID()}`, op({ plan: 'pro' }))).body).toMatchObject({ status: 404, code: 'TENANT_NOT_FOUND' });
    expect((await api.request('GET', `/v1/tenants/${tenant.id}`, op())).body).toEqual(tenant);
  });
});
