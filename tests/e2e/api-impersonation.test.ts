// Operators acting inside a tenant through a real listening server: a session needs a reason
// and a bounded duration, its token works on the tenant routes of its tenant only (as an admin,
// recorded as the operator), it is refused once ended, and start and end are in the tenant's
// audit log with the reason.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let tenantA: string;
let tenantB: string;
beforeAll(async () => {
  api = await startApiServer(2);
  tenantA = api.t.tenants[0]!.id;
  tenantB = api.t.tenants[1]!.id;
  await api.member(tenantB, 'owner-b', 'owner');
});
afterAll(() => api?.close());

const op = (body?: unknown) => ({ token: api.operatorToken, ...(body === undefined ? {} : { body }) });
const start = (tenantId: string, body: unknown = { reason: 'TICKET-42: invitations fail', durationMinutes: 15 }) =>
  api.request('POST', `/v1/tenants/${tenantId}/impersonations`, op(body));

describe('starting a session', () => {
  it('needs a reason and a duration of 1–60 minutes, and an existing tenant', async () => {
    for (const body of [{ durationMinutes: 15 }, { reason: '', durationMinutes: 15 }, { reason: 'x', durationMinutes: 0 }, { reason: 'x', durationMinutes: 61 }, { reason: 'x' }]) {
      expect((await start(tenantA, body)).body, JSON.stringify(body)).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    }
    expect((await start(randomUUID())).body).toMatchObject({ status: 404, code: 'TENANT_NOT_FOUND' });
    expect((await api.request('POST', `/v1/tenants/${tenantA}/impersonations`, { token: await api.jwt('u', tenantA), body: { reason: 'r', durationMinutes: 5 } })).status).toBe(401);
  });

  it('gives a token that acts in its tenant as the operator, recorded as such', async () => {
    const started = await start(tenantA);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ tenantId: tenantA, token: expect.stringMatching(/^tnt_imp_/) });
    const token = started.body.token as string;
    const invited = await api.request('POST', '/v1/tenant/invitations', { token, body: { email: `${randomUUID()}@example.com`, role: 'viewer' } });
    expect(invited.status).toBe(201);
    const { rows } = await api.t.admin.query<{ actor: string }>(`SELECT actor FROM tenantry.audit_events WHERE tenant_id = $1 AND action LIKE 'invitation.%'`, [tenantA]);
    expect(rows.map((r) => r.actor)).toContain(`operator:${(await api.control.operators.verifyToken(api.operatorToken))?.operatorId}`);
  });

  it('cannot mint access that would outlive the session: API keys, members, roles, secrets, or invitations beyond its own permissions', async () => {
    const { body } = await start(tenantA);
    const call = (method: string, path: string, payload?: unknown) => api.request(method, path, { token: body.token, ...(payload === undefined ? {} : { body: payload }) });
    const keysBefore = await api.t.db.withTenant(tenantA, (scope) => api.control.apiKeys.list(scope));
    expect((await call('POST', '/v1/tenant/api-keys', { name: 'backdoor', scopes: ['members:read'] })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect((await call('POST', '/v1/tenant/members', { userId: `op-${randomUUID()}`, role: 'viewer' })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect((await call('POST', '/v1/tenant/roles', { name: 'all', permissions: ['members:read'] })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    expect((await call('POST', '/v1/tenant/signing-secrets/rotate')).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
    for (const role of ['member', 'admin', 'owner']) {
      expect((await call('POST', '/v1/tenant/invitations', { email: `${randomUUID()}@example.com`, role })).body, role).toMatchObject({ status: 403, code: 'PERMISSION_ESCALATION' });
    }
    expect(await api.t.db.withTenant(tenantA, (scope) => api.control.apiKeys.list(scope))).toEqual(keysBefore);
    // Reading is what support needs, and it can.
    expect((await call('GET', '/v1/tenant/members')).status).toBe(200);
    expect((await call('GET', '/v1/tenant/api-keys')).status).toBe(200);
  });

  it("never reaches another tenant's objects, and conflicts with another tenant's credential", async () => {
    const { body } = await start(tenantA);
    const memberOfB = await api.request('GET', '/v1/tenant/members/owner-b', { token: body.token });
    expect(memberOfB.status).toBe(404);
    const keyOfB = await api.apiKey(tenantB, ['members:read']);
    const res = await fetch(`${api.url}/v1/tenant/members`, { headers: { authorization: `Bearer ${body.token}`, 'x-api-key': keyOfB } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'TENANT_AMBIGUOUS' });
  });
});

describe('ending a session', () => {
  it('refuses the token once ended, and records start and end with the reason in the tenant audit log', async () => {
    const { body } = await start(tenantA, { reason: 'INC-7: data check', durationMinutes: 5 });
    expect((await api.request('GET', '/v1/tenant/members', { token: body.token })).status).toBe(200);
    expect((await api.request('POST', `/v1/tenants/${tenantB}/impersonations/${body.id}/end`, op())).body).toMatchObject({ status: 404, code: 'IMPERSONATION_NOT_FOUND' });
    expect((await api.request('POST', `/v1/tenants/${tenantA}/impersonations/${body.id}/end`, op())).status).toBe(204);
    expect((await api.request('GET', '/v1/tenant/members', { token: body.token })).body).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    const { rows } = await api.t.admin.query<{ action: string; details: { reason?: string } }>(
      `SELECT action, details FROM tenantry.audit_events WHERE tenant_id = $1 AND target = $2 ORDER BY seq`, [tenantA, `impersonation:${body.id}`]);
    expect(rows.map((r) => r.action)).toEqual(['impersonation.start', 'impersonation.end']);
    expect(rows.every((r) => r.details.reason === 'INC-7: data check')).toBe(true);
    const list = await api.request('GET', `/v1/tenants/${tenantA}/impersonations`, op());
    expect(list.body.items.find((s: { id: string }) => s.id === body.id)).toMatchObject({ status: 'ended', reason: 'INC-7: data check' });
  });

  it('refuses a made-up impersonation token with 401 and never falls through to the JWT strategy', async () => {
    const res = await api.request('GET', '/v1/tenant/members', { token: 'tnt_imp_000000000000000000000000_nope' });
    expect(res.body).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
  });
});
