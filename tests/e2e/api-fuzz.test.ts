// No input is a server fault (issue 13): a NUL byte in a path, a query or a body reached
// PostgreSQL and came back as 500. This sends random requests to every operation of the OpenAPI
// document — strings with control characters and lone surrogates, 1 MB strings, deep nesting,
// wrong types, raw percent-escapes — as an owner and as an operator, and asserts that no answer
// is a 5xx and every error is problem+json.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   the OpenAPI document is JSON of unknown shape. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let ownerToken: string;
interface Operation { method: string; path: string; query: string[]; operator: boolean }
let operations: Operation[];

beforeAll(async () => {
  api = await startApiServer(1);
  const tenantId = api.t.tenants[0]!.id;
  ownerToken = await api.member(tenantId, 'owner', 'owner');
  const { body } = await api.request('GET', '/openapi.json');
  operations = Object.entries(body.paths as Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      operator: !path.startsWith('/v1/tenant/'),
    })));
});
afterAll(() => api?.close());

// Percent-encodes as WTF-8: a lone surrogate becomes its three bytes (which no decoder accepts).
function encode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

const nasty = fc.constantFrom('\u0000', '\u0001', '\n', '\r', '\t', '\u007f', '\ud800', '\udfff', '\ud83d\ude80', '%', '%00', '%ud800', '../', '{', '*', ':', ' ', 'é', 'ß', 'İ', '\u202e');
const text = fc.oneof(
  fc.string({ unit: fc.oneof(fc.constantFrom(...'abcz019-_.@'.split('')), nasty), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constant('00000000-0000-4000-8000-000000000000'),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'a'.repeat(n)),
);
const segment = fc.oneof({ weight: 4, arbitrary: text.map(encode) }, { weight: 1, arbitrary: fc.constantFrom('%ud800', '%ED%A0%80', '%C0%AF', '%', '%zz', '%00') });
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' },
    text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('name', 'role', 'userId', 'email', 'scopes', 'permissions', 'origin', 'domain', 'slug', 'enabled', 'limits', 'events', 'token', 'locale')), tie('value'), { maxKeys: 5 })),
})).value;
const rawBody = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constant(JSON.stringify({ name: 'x'.repeat(1 << 20) })),
  fc.constantFrom('{', '"\\ud800"', '{"name":"a\\u0000b"}', '[]', 'null', '1e999', '{"__proto__":{"admin":true}}'),
);

describe('random requests to every route of the OpenAPI document', () => {
  it('never answer a 5xx, and every error is problem+json', async () => {
    expect(operations.length).toBeGreaterThan(40);
    const request = fc.record({
      op: fc.nat({ max: operations.length - 1 }),
      params: fc.array(segment, { minLength: 4, maxLength: 4 }),
      query: fc.array(fc.tuple(fc.nat(), text.map(encode)), { maxLength: 3 }),
      body: fc.option(rawBody, { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ op: index, params, query, body }) => {
        const op = operations[index]!;
        let n = 0;
        const path = op.path.replace(/\{[^}]+\}/g, () => params[n++] ?? 'x');
        const search = op.query.length === 0 ? '' : `?${query.map(([i, v]) => `${op.query[i % op.query.length]}=${v}`).join('&')}`;
        const token = op.operator ? api.operatorToken : ownerToken;
        const res = await api.request(op.method, path + search, { token, ...(body === undefined || op.method === 'GET' ? {} : { raw: body }) });
        expect(res.status, `${op.method} ${path.slice(0, 200)}${search.slice(0, 200)} → ${JSON.stringify(res.body).slice(0, 300)}`).toBeLessThan(500);
        // SCIM routes answer SCIM's own error document (RFC 7644 §3.12, with the code too); a URL
        // the router cannot even read never reaches them and is problem+json like any other.
        if (res.status >= 400) expect(op.path.startsWith('/scim/') ? ['application/scim+json', 'application/problem+json'] : ['application/problem+json']).toContain(res.contentType);
      }),
      { numRuns: 400 },
    );
  });
});
