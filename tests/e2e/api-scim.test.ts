// SCIM 2.0 through the API, as an identity provider pushes it: a connection's bearer token, users
// and groups with RFC 7644 filters and PATCH, and memberships that follow — a user in a mapped
// group becomes a member; taken out of it, deactivated or deleted, they stop being one and the
// token they hold is refused on the next request. Another tenant's token sees none of it.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- response bodies are JSON of unknown shape, checked with expect(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from 'tenantry';
import { startApiServer, type ApiServer, type Reply } from './support/api-server.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
let api: ApiServer;
let tenantA: TenantId;
let tenantB: TenantId;
let tokenA: string;
let tokenB: string;

/** A SCIM call as a provider makes it: application/scim+json, the connection's bearer token. */
async function scim(method: string, path: string, token: string | undefined, body?: unknown): Promise<Reply> {
  const res = await fetch(`${api.url}/scim/v2${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, body: text === '' ? text : JSON.parse(text) };
}

async function connectionWithToken(tenantId: TenantId): Promise<string> {
  const owner = await api.member(tenantId, 'owner', 'owner');
  const created = await api.request('POST', '/v1/tenant/sso/connections', { token: owner, body: {
    kind: 'oidc', name: 'Acme IdP', settings: { issuer: 'https://idp.acme.example', clientId: 'tenantry', redirectUri: 'https://app.example/v1/sso/callback' },
    roleRules: [{ claim: 'groups', equals: 'Engineering', role: 'admin' }, { claim: 'groups', equals: 'Staff', role: 'viewer' }],
  } });
  expect(created.status).toBe(201);
  const made = await api.request('POST', `/v1/tenant/sso/connections/${created.body.id}/scim-token`, { token: owner });
  expect(made.status).toBe(201);
  expect(made.body.token).toMatch(/^tnt_scim_/);
  return made.body.token as string;
}

/** The member id SCIM provisioned for a subject, or undefined. */
async function memberOf(tenantId: TenantId, subject: string): Promise<{ userId: string; role: string } | undefined> {
  const { rows } = await api.t.admin.query<{ user_id: string; builtin_role: string }>(
    `SELECT m.user_id, m.builtin_role FROM tenantry.sso_identities i JOIN tenantry.members m ON m.tenant_id = i.tenant_id AND m.user_id = i.user_id
      WHERE i.tenant_id = $1 AND i.subject = $2`, [tenantId, subject]);
  return rows[0] ? { userId: rows[0].user_id, role: rows[0].builtin_role } : undefined;
}

beforeAll(async () => {
  api = await startApiServer(2);
  [tenantA, tenantB] = api.t.tenants.map((t) => t.id) as [TenantId, TenantId];
  tokenA = await connectionWithToken(tenantA);
  tokenB = await connectionWithToken(tenantB);
});
afterAll(() => api?.close());

describe('SCIM 2.0 provisioning', () => {
  it('refuses a missing, malformed or unknown token with a SCIM error carrying its code', async () => {
    for (const token of [undefined, 'nope', `tnt_scim_${'A'.repeat(43)}`]) {
      const res = await scim('GET', '/Users', token);
      expect(res.status).toBe(401);
      expect(res.contentType).toMatch(/^application\/scim\+json/);
      expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', code: 'SCIM_TOKEN_INVALID' });
    }
  });

  it('makes a user a member once a mapped group holds them, and removes them when taken out', async () => {
    const user = await scim('POST', '/Users', tokenA, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice@acme.example', externalId: 'idp-alice',
      name: { givenName: 'Alice', familyName: 'Liddell' }, emails: [{ value: 'alice@acme.example', primary: true }], active: true,
    });
    expect(user.status).toBe(201);
    expect(user.contentType).toMatch(/^application\/scim\+json/);
    expect(user.body).toMatchObject({ userName: 'alice@acme.example', active: true, groups: [], meta: { resourceType: 'User' } });
    // No group yet and no default role: stored, but no member.
    expect(await memberOf(tenantA, 'idp-alice')).toBeUndefined();
    const group = await scim('POST', '/Groups', tokenA, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [{ value: user.body.id }] });
    expect(group.status).toBe(201);
    expect(group.body.members).toEqual([{ value: user.body.id, display: 'alice@acme.example' }]);
    const member = await memberOf(tenantA, 'idp-alice');
    expect(member).toMatchObject({ role: 'admin' });
    const session = (await api.identity.tokens.issue({ tenantId: tenantA, userId: member!.userId, role: 'admin' })).token;
    expect((await api.request('GET', '/v1/tenant/members', { token: session })).status).toBe(200);

    const removed = await scim('PATCH', `/Groups/${group.body.id}`, tokenA, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${user.body.id}"]` }] });
    expect(removed.status).toBe(200);
    expect(removed.body.members).toEqual([]);
    expect(await memberOf(tenantA, 'idp-alice')).toBeUndefined();
    // The token they hold is refused on the next request: the membership is gone.
    expect((await api.request('GET', '/v1/tenant/members', { token: session })).body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  it('deprovisions on active: false (Azure sends "False") and on DELETE, and refuses the held token', async () => {
    const user = await scim('POST', '/Users', tokenA, { userName: 'bob@acme.example', externalId: 'idp-bob' });
    const group = await scim('POST', '/Groups', tokenA, { displayName: 'Staff', members: [{ value: user.body.id }] });
    expect(group.status).toBe(201);
    const member = await memberOf(tenantA, 'idp-bob');
    expect(member).toMatchObject({ role: 'viewer' });
    const session = (await api.identity.tokens.issue({ tenantId: tenantA, userId: member!.userId, role: 'viewer' })).token;
    expect((await api.request('GET', '/v1/tenant/members', { token: session })).status).toBe(200);
    const off = await scim('PATCH', `/Users/${user.body.id}`, tokenA, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    expect(off.body).toMatchObject({ active: false });
    expect(await memberOf(tenantA, 'idp-bob')).toBeUndefined();
    expect((await api.request('GET', '/v1/tenant/members', { token: session })).status).toBe(403);
    // Back on: a member again (a new session); then deleted: gone, and so is the user.
    await scim('PATCH', `/Users/${user.body.id}`, tokenA, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    const again = await memberOf(tenantA, 'idp-bob');
    expect(again).toMatchObject({ role: 'viewer' });
    const session2 = (await api.identity.tokens.issue({ tenantId: tenantA, userId: again!.userId, role: 'viewer' })).token;
    expect((await api.request('GET', '/v1/tenant/members', { token: session2 })).status).toBe(200);
    expect((await scim('DELETE', `/Users/${user.body.id}`, tokenA)).status).toBe(204);
    expect(await memberOf(tenantA, 'idp-bob')).toBeUndefined();
    expect((await api.request('GET', '/v1/tenant/members', { token: session2 })).status).toBe(403);
    expect((await scim('GET', `/Users/${user.body.id}`, tokenA)).body).toMatchObject({ status: '404', code: 'SCIM_RESOURCE_NOT_FOUND' });
  });

  it('filters users as RFC 7644 says, and refuses a filter it cannot read', async () => {
    await scim('POST', '/Users', tokenA, { userName: 'carol@acme.example', displayName: 'Carol', active: false });
    await scim('POST', '/Users', tokenA, { userName: 'dave@other.example', displayName: 'Dave' });
    const names = async (filter: string) => ((await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`, tokenA)).body.Resources as { userName: string }[]).map((u) => u.userName).sort();
    expect(await names('userName eq "CAROL@acme.example"')).toEqual(['carol@acme.example']);
    expect(await names('userName ew "@acme.example" and active eq false')).toEqual(['carol@acme.example']);
    expect(await names('displayName pr and not (userName sw "carol")')).toEqual(['dave@other.example']);
    expect(await names('name.givenName eq "Alice" or userName co "dave"')).toEqual(['alice@acme.example', 'dave@other.example']);
    const paged = await scim('GET', '/Users?startIndex=2&count=1', tokenA);
    expect(paged.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], startIndex: 2, itemsPerPage: 1 });
    expect(paged.body.totalResults).toBeGreaterThanOrEqual(3);
    for (const bad of ['userName eq', 'emails[type eq "work"]', 'userName zz "x"', '(userName eq "x"']) {
      const res = await scim('GET', `/Users?filter=${encodeURIComponent(bad)}`, tokenA);
      expect(res.status, bad).toBe(400);
      expect(res.body, bad).toMatchObject({ scimType: 'invalidFilter', code: 'SCIM_FILTER_INVALID' });
    }
  });

  it('refuses a duplicate userName (uniqueness) and a PatchOp without its schema', async () => {
    const dup = await scim('POST', '/Users', tokenA, { userName: 'ALICE@acme.example' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ scimType: 'uniqueness', code: 'SCIM_UNIQUENESS' });
    const [alice] = (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "alice@acme.example"')}`, tokenA)).body.Resources;
    const bad = await scim('PATCH', `/Users/${alice.id}`, tokenA, { Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'SCIM_INVALID', scimType: 'invalidSyntax' });
  });

  it('keeps tenants apart: another tenant\'s token sees none of these users and cannot touch them', async () => {
    const all = (await scim('GET', '/Users', tokenA)).body.Resources as { id: string }[];
    expect(all.length).toBeGreaterThan(0);
    expect((await scim('GET', '/Users', tokenB)).body).toMatchObject({ totalResults: 0, Resources: [] });
    for (const { id } of all) {
      expect((await scim('GET', `/Users/${id}`, tokenB)).status).toBe(404);
      expect((await scim('DELETE', `/Users/${id}`, tokenB)).status).toBe(404);
    }
    expect((await scim('GET', '/Users', tokenA)).body.totalResults).toBe(all.length);
  });

  it('stops the previous token when the admin makes a new one', async () => {
    const owner = await api.jwt('owner', tenantB);
    const [connection] = (await api.request('GET', '/v1/tenant/sso/connections', { token: owner })).body.items;
    const fresh = await api.request('POST', `/v1/tenant/sso/connections/${connection.id}/scim-token`, { token: owner });
    expect((await scim('GET', '/Users', tokenB)).status).toBe(401);
    expect((await scim('GET', '/Users', fresh.body.token)).status).toBe(200);
    tokenB = fresh.body.token;
    expect((await api.request('DELETE', `/v1/tenant/sso/connections/${connection.id}/scim-token`, { token: owner })).status).toBe(204);
    expect((await scim('GET', '/Users', tokenB)).status).toBe(401);
  });
});
