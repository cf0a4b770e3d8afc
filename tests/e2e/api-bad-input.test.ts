// Bad input gets a clear 4xx problem, never a 500 (issues 13 and 14): a NUL byte in a path, a
// query or a body reached PostgreSQL and came back as 500 DATABASE_ERROR; a body over the limit
// was 400 REQUEST_INVALID instead of 413; problems came with two content types; URLs the router
// could not read answered Fastify's own application/json.
/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer, type Call, type Reply } from './support/api-server.js';

let api: ApiServer;
let tenantId: string;
let viewer: Call;
let owner: Call;
let op: Call;

beforeAll(async () => {
  api = await startApiServer(1);
  tenantId = api.t.tenants[0]!.id;
  viewer = { token: await api.member(tenantId, 'viewer', 'viewer') };
  owner = { token: await api.member(tenantId, 'owner', 'owner') };
  op = { token: api.operatorToken };
});
afterAll(() => api?.close());

function problem(res: Reply, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.contentType).toBe('application/problem+json');
  expect(res.body).toMatchObject({ status, code });
}

describe('strings PostgreSQL cannot store', () => {
  it('refuses a NUL byte in a path parameter (any viewer could cause a 500)', async () => {
    const res = await api.request('GET', '/v1/tenant/members/a%00b', viewer);
    problem(res, 400, 'REQUEST_TEXT_INVALID');
    expect(res.body.details).toEqual({ location: 'params', path: 'userId' });
  });

  it('refuses a NUL byte in a body value and in an operator query', async () => {
    const body = await api.request('PATCH', '/v1/tenant/settings', { ...owner, body: { locale: 'a\u0000b' } });
    problem(body, 400, 'REQUEST_TEXT_INVALID');
    expect(body.body.details).toEqual({ location: 'body', path: 'locale' });
    problem(await api.request('GET', '/v1/tenants?search=a%00b', op), 400, 'REQUEST_TEXT_INVALID');
  });

  it('refuses lone surrogates in a body, as JSON escapes', async () => {
    problem(await api.request('PUT', '/v1/tenant/branding', { ...owner, raw: '{"name":"x\\ud800y"}' }), 400, 'REQUEST_TEXT_INVALID');
    problem(await api.request('PUT', '/v1/tenant/branding', { ...owner, raw: '{"name":"\\udc00"}' }), 400, 'REQUEST_TEXT_INVALID');
    // A well-formed pair is text like any other.
    expect((await api.request('PUT', '/v1/tenant/branding', { ...owner, raw: '{"name":"Acme \\ud83d\\ude80"}' })).status).toBe(200);
  });

  it('refuses a token whose tenant claim no slug can be (NUL, surrogate, 5000 characters) as an invalid token, not a 500', async () => {
    for (const tenant of ['a\u0000b', '\ud800', 'x'.repeat(5000)]) {
      problem(await api.request('GET', '/v1/tenant/members', { token: await api.jwt('viewer', tenant) }), 401, 'TOKEN_INVALID');
    }
  });

  it('refuses a token subject with a NUL as an invalid token, not a 500', async () => {
    problem(await api.request('GET', '/v1/tenant/members', { token: await api.jwt('a\u0000b', tenantId) }), 401, 'TOKEN_INVALID');
  });
});

describe('sizes and URLs', () => {
  it('answers a body over the limit with 413 and its own code', async () => {
    const res = await api.request('PUT', '/v1/tenant/branding', { ...owner, raw: JSON.stringify({ name: 'x'.repeat(70 * 1024) }) });
    problem(res, 413, 'REQUEST_BODY_TOO_LARGE');
    expect(res.body.details).toEqual({ limitBytes: 64 * 1024 });
  });

  it('answers a URL the router cannot decode with problem+json', async () => {
    problem(await api.request('POST', '/v1/tenants/%ud800/suspend', op), 400, 'URL_INVALID');
    problem(await api.request('GET', '/v1/tenant/members/%ED%A0%80', viewer), 400, 'URL_INVALID');
  });

  it('answers a path parameter longer than any id with problem+json', async () => {
    problem(await api.request('POST', `/v1/tenants/${'a'.repeat(3000)}/suspend`, op), 400, 'URL_PARAMETER_TOO_LONG');
  });
});

describe('one problem content type', () => {
  it('is exactly application/problem+json from the resolver, the server and the router', async () => {
    const answers = await Promise.all([
      api.request('GET', '/v1/tenant/members'),
      api.request('GET', '/v1/no-such-route', op),
      api.request('POST', '/v1/tenant/roles', { ...owner, body: { name: 1 } }),
      api.request('GET', `/v1/tenants/${tenantId}/audit-events?cursor=x`, op),
    ]);
    expect(answers.map((a) => a.contentType)).toEqual(answers.map(() => 'application/problem+json'));
  });
});
