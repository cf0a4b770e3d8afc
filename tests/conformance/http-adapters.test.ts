// One suite for every HTTP adapter (Fastify, Express, Hono): the same small app, behind the
// same resolver (header, subdomain, JWT) over a real registry, listening on a real port. Each
// adapter must answer every case with the same status, content type and bytes, run handlers
// inside the tenant context across timers and body parsing, and keep concurrent requests apart.
//
// Requests go through node:http, not fetch: most cases need their own Host header, and fetch
// treats Host as a forbidden header (Node's fetch silently sends the real one instead).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { coreErrors, currentTenant, TenantryError, type Tenant } from 'tenantry';
import { expressProblemHandler, tenantryExpress } from 'tenantry/adapters/express';
import { fastifyProblemHandler, tenantryFastify } from 'tenantry/adapters/fastify';
import { honoProblemHandler, tenantryHono } from 'tenantry/adapters/hono';
import { httpErrors, type Problem } from 'tenantry/http';
import {
  createJwtVerifier, createTenantResolver, headerStrategy, jwtClaimStrategy, resolveErrors, subdomainStrategy,
  type TenantRequest, type TenantResolver,
} from 'tenantry/resolve';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';

// ---- The app, built once per framework ------------------------------------------------------

const SECRET = 'conformance-secret-of-at-least-32-bytes';
const LEAKY_MESSAGE = 'relation "tenant_b_secrets" does not exist (at /srv/app/orders.ts:42)';
const JSON_TYPE = 'application/json; charset=utf-8';

interface AppConfig {
  readonly resolver: TenantResolver;
  /** Called by each app just before its body parser starts reading (see `Call.bodyLater`). */
  readonly beforeBody: (gate: string | string[] | undefined) => void;
  readonly skip: (request: TenantRequest) => boolean;
  readonly onProblem: (problem: Problem) => void;
}
interface RunningApp {
  readonly port: number;
  close(): Promise<void>;
}

const identity = () => {
  const context = currentTenant();
  return { tenantId: context?.tenantId ?? null, slug: context?.slug ?? null, resolvedBy: context?.resolvedBy ?? null };
};
// The timer and the immediate are what is tested (the context must survive them), not a wait.
async function whoami() {
  await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
  return identity();
}
const forbidden = () =>
  new TenantryError('CONFORMANCE_FORBIDDEN', { kind: 'forbidden', message: 'Only owners may do that.', fix: 'Ask an owner.' }, { details: { permission: 'tenant:delete' } });
const requestIdOf = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

async function startFastify(config: AppConfig): Promise<RunningApp> {
  const app = Fastify();
  const requestId = (req: { headers: http.IncomingHttpHeaders }) => requestIdOf(req.headers['x-request-id']);
  app.setErrorHandler(fastifyProblemHandler({ requestId, onProblem: config.onProblem }));
  await app.register(tenantryFastify, { resolver: config.resolver, skip: config.skip, requestId, onProblem: config.onProblem });
  app.addHook('preParsing', (req, _reply, payload, done) => {
    config.beforeBody(req.headers['x-gate']);
    done(null, payload);
  });
  const json = (reply: { header(k: string, v: string): { send(body: string): unknown } }, body: unknown) => reply.header('content-type', JSON_TYPE).send(JSON.stringify(body));
  app.get('/health', (_req, reply) => json(reply, { status: 'ok', ...identity() }));
  app.get('/whoami', async (_req, reply) => json(reply, await whoami()));
  app.get('/boom', async () => { throw new Error(LEAKY_MESSAGE); });
  app.get('/forbidden', async () => { throw forbidden(); });
  app.post('/echo', async (req, reply) => json(reply, { ...(await whoami()), body: req.body }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

async function startExpress(config: AppConfig): Promise<RunningApp> {
  const app = express();
  const requestId = (req: express.Request) => requestIdOf(req.headers['x-request-id']);
  app.use(tenantryExpress({ resolver: config.resolver, skip: config.skip, requestId, onProblem: config.onProblem }));
  const json = (res: express.Response, body: unknown) => res.set('content-type', JSON_TYPE).send(JSON.stringify(body));
  app.get('/health', (_req, res) => json(res, { status: 'ok', ...identity() }));
  app.get('/whoami', async (_req, res) => json(res, await whoami()));
  app.get('/boom', async () => { throw new Error(LEAKY_MESSAGE); });
  app.get('/forbidden', async () => { throw forbidden(); });
  // The body parser after the tenant middleware: it reads the body from socket events, inside
  // a request that is already in its tenant context.
  app.post('/echo', (req, _res, next) => (config.beforeBody(req.headers['x-gate']), next()), express.json(), async (req, res) => json(res, { ...(await whoami()), body: req.body as unknown }));
  app.use(expressProblemHandler({ requestId, onProblem: config.onProblem }));
  const server = await new Promise<http.Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err) => (err ? reject(err) : resolve(s)));
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function startHono(config: AppConfig): Promise<RunningApp> {
  const app = new Hono();
  const requestId = (c: { req: { header(name: string): string | undefined } }) => c.req.header('x-request-id');
  app.onError(honoProblemHandler({ requestId, onProblem: config.onProblem }));
  app.use(tenantryHono({ resolver: config.resolver, skip: config.skip, requestId, onProblem: config.onProblem }));
  const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': JSON_TYPE } });
  app.get('/health', () => json({ status: 'ok', ...identity() }));
  app.get('/whoami', async () => json(await whoami()));
  app.get('/boom', async () => { throw new Error(LEAKY_MESSAGE); });
  app.get('/forbidden', async () => { throw forbidden(); });
  app.post('/echo', async (c, next) => (config.beforeBody(c.req.header('x-gate')), await next()), validator('json', (value) => value as unknown), async (c) => json({ ...(await whoami()), body: c.req.valid('json') }));
  const server = await new Promise<http.Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as http.Server));
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const ADAPTERS = { fastify: startFastify, express: startExpress, hono: startHono } as const;
type AdapterName = keyof typeof ADAPTERS;
const NAMES = Object.keys(ADAPTERS) as AdapterName[];

// ---- Calling it -----------------------------------------------------------------------------

interface Call {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly host?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * Send the body only once the app's body parser is waiting for it: it then arrives in packets
   * of its own, read from socket events that run in the connection's async context, not the
   * request's (plain Node loses an AsyncLocalStorage store there); the framework must carry it.
   */
  readonly bodyLater?: boolean;
}
interface Reply {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const gates = new Map<string, () => void>();
let gateCount = 0;
const openGate = (gate: string | string[] | undefined) => {
  if (typeof gate === 'string') gates.get(gate)?.();
};

function call(port: number, c: Call): Promise<Reply> {
  const body = c.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(c.body)) };
  const gate = c.bodyLater ? `gate-${(gateCount += 1)}` : undefined;
  const reached = gate === undefined ? undefined : new Promise<void>((resolve) => gates.set(gate, resolve));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent, host: '127.0.0.1', port, path: c.path, method: c.method ?? 'GET',
        headers: { host: c.host ?? 'localhost', ...c.headers, ...body, ...(gate === undefined ? {} : { 'x-gate': gate }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (reached === undefined) return void req.end(c.body);
    req.flushHeaders();
    reached.then(() => req.end(c.body), reject);
  });
}

// ---- Fixtures ---------------------------------------------------------------------------------

let t: TestTenantry;
let tenants: readonly Tenant[];
let dormant: Tenant;
const apps = {} as Record<AdapterName, RunningApp>;
const problems = {} as Record<AdapterName, Problem[]>;
const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://id.test/').setAudience('tenantry').setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 3 });
  tenants = t.tenants;
  dormant = await t.registry.create({ slug: 'dormant' });
  await t.registry.suspend(dormant.id);
  tokens.tenant0 = await token({ tenant_id: tenants[0]?.id });
  tokens.tenant1 = await token({ tenant_id: 'tenant-1' });
  const resolver = createTenantResolver({
    strategies: [
      headerStrategy(),
      subdomainStrategy({ baseDomains: ['example.com'] }),
      jwtClaimStrategy({ verifier: createJwtVerifier({ algorithms: ['HS256'], secret: SECRET, issuer: 'https://id.test/', audience: 'tenantry' }) }),
    ],
    tenants: t.registry,
  });
  for (const name of NAMES) {
    problems[name] = [];
    apps[name] = await ADAPTERS[name]({ resolver, beforeBody: openGate, skip: (req) => req.path === '/health', onProblem: (p) => problems[name].push(p) });
  }
});
afterAll(async () => {
  agent.destroy();
  await Promise.all(NAMES.map((name) => apps[name]?.close()));
  await t?.close();
});

const tenant = (i: number): Tenant => tenants[i] as Tenant;
const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };
/** The exact problem body, keys in the order every adapter must send them. */
const problemBody = (code: string, status: number, detail: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: `urn:tenantry:error:${code}`, title: TITLES[status], status, detail, code, ...extra });

// ---- The cases: each adapter must give exactly these answers --------------------------------

interface Case {
  readonly name: string;
  readonly call: () => Call;
  readonly status: number;
  readonly contentType: string;
  readonly text: () => string;
}

const CASES: readonly Case[] = [
  {
    name: 'runs the handler inside the tenant named by the header, across a timer and an immediate',
    call: () => ({ path: '/whoami', headers: { 'x-tenant': 'tenant-0' } }),
    status: 200, contentType: JSON_TYPE,
    text: () => JSON.stringify({ tenantId: tenant(0).id, slug: 'tenant-0', resolvedBy: 'header' }),
  },
  {
    name: 'resolves the tenant from its subdomain',
    call: () => ({ path: '/whoami', host: 'tenant-1.example.com:8080' }),
    status: 200, contentType: JSON_TYPE,
    text: () => JSON.stringify({ tenantId: tenant(1).id, slug: 'tenant-1', resolvedBy: 'subdomain' }),
  },
  {
    name: 'accepts a token whose tenant claim agrees with the host',
    call: () => ({ path: '/whoami', host: 'tenant-0.example.com', headers: { authorization: `Bearer ${tokens.tenant0}` } }),
    status: 200, contentType: JSON_TYPE,
    text: () => JSON.stringify({ tenantId: tenant(0).id, slug: 'tenant-0', resolvedBy: 'subdomain' }),
  },
  {
    name: 'keeps the tenant context through reading a JSON body',
    call: () => ({ method: 'POST', path: '/echo', headers: { 'x-tenant': 'tenant-2' }, body: '{"order":7}' }),
    status: 200, contentType: JSON_TYPE,
    text: () => JSON.stringify({ tenantId: tenant(2).id, slug: 'tenant-2', resolvedBy: 'header', body: { order: 7 } }),
  },
  {
    name: 'keeps the tenant context through reading a JSON body that arrives after the headers',
    call: () => ({ method: 'POST', path: '/echo', headers: { 'x-tenant': 'tenant-1' }, body: '{"order":8}', bodyLater: true }),
    status: 200, contentType: JSON_TYPE,
    text: () => JSON.stringify({ tenantId: tenant(1).id, slug: 'tenant-1', resolvedBy: 'header', body: { order: 8 } }),
  },
  {
    name: 'lets a skipped route through with no tenant, even when the request names an unknown one',
    call: () => ({ path: '/health', headers: { 'x-tenant': 'nobody' } }),
    status: 200, contentType: JSON_TYPE,
    text: () => JSON.stringify({ status: 'ok', tenantId: null, slug: null, resolvedBy: null }),
  },
  {
    name: 'answers an unknown tenant with 404 TENANT_NOT_FOUND',
    call: () => ({ path: '/whoami', headers: { 'x-tenant': 'nobody' } }),
    status: 404, contentType: 'application/problem+json',
    text: () => problemBody('TENANT_NOT_FOUND', 404, coreErrors.specs.TENANT_NOT_FOUND.message),
  },
  {
    name: 'answers a suspended tenant with 403 TENANT_SUSPENDED',
    call: () => ({ path: '/whoami', host: 'dormant.example.com' }),
    status: 403, contentType: 'application/problem+json',
    text: () => problemBody('TENANT_SUSPENDED', 403, coreErrors.specs.TENANT_SUSPENDED.message),
  },
  {
    name: 'answers a request that names no tenant with 400 TENANT_UNRESOLVED',
    call: () => ({ path: '/whoami' }),
    status: 400, contentType: 'application/problem+json',
    text: () => problemBody('TENANT_UNRESOLVED', 400, resolveErrors.specs.TENANT_UNRESOLVED.message),
  },
  {
    name: 'answers a header and a subdomain that name different tenants with 400 TENANT_AMBIGUOUS',
    call: () => ({ path: '/whoami', host: 'tenant-0.example.com', headers: { 'x-tenant': 'tenant-1' } }),
    status: 400, contentType: 'application/problem+json',
    text: () => problemBody('TENANT_AMBIGUOUS', 400, resolveErrors.specs.TENANT_AMBIGUOUS.message, { details: { sources: ['header', 'subdomain'] } }),
  },
  {
    name: "answers a token whose tenant claim disagrees with the host with 400 TENANT_AMBIGUOUS",
    call: () => ({ path: '/whoami', host: 'tenant-0.example.com', headers: { authorization: `Bearer ${tokens.tenant1}` } }),
    status: 400, contentType: 'application/problem+json',
    text: () => problemBody('TENANT_AMBIGUOUS', 400, resolveErrors.specs.TENANT_AMBIGUOUS.message, { details: { sources: ['subdomain', 'jwt'] } }),
  },
  {
    name: 'answers an invalid token with 401 TOKEN_INVALID instead of falling back to the host',
    call: () => ({ path: '/whoami', host: 'tenant-0.example.com', headers: { authorization: 'Bearer not.a.token' } }),
    status: 401, contentType: 'application/problem+json',
    text: () => problemBody('TOKEN_INVALID', 401, resolveErrors.specs.TOKEN_INVALID.message),
  },
  {
    name: 'answers a malformed Host header with 400 HOST_INVALID',
    call: () => ({ path: '/whoami', host: 'tenant_0.example.com' }),
    status: 400, contentType: 'application/problem+json',
    text: () => problemBody('HOST_INVALID', 400, resolveErrors.specs.HOST_INVALID.message),
  },
  {
    name: 'answers a thrown plain Error with 500 INTERNAL and nothing of its message',
    call: () => ({ path: '/boom', headers: { 'x-tenant': 'tenant-0' } }),
    status: 500, contentType: 'application/problem+json',
    text: () => problemBody('INTERNAL', 500, coreErrors.specs.INTERNAL.message),
  },
  {
    name: "answers a thrown TenantryError with its kind's status, its code and its details",
    call: () => ({ path: '/forbidden', headers: { 'x-tenant': 'tenant-0' } }),
    status: 403, contentType: 'application/problem+json',
    text: () => problemBody('CONFORMANCE_FORBIDDEN', 403, 'Only owners may do that.', { details: { permission: 'tenant:delete' } }),
  },
  {
    name: 'answers a body that is not JSON with 400 REQUEST_INVALID',
    call: () => ({ method: 'POST', path: '/echo', headers: { 'x-tenant': 'tenant-0' }, body: '{"order":' }),
    status: 400, contentType: 'application/problem+json',
    text: () => problemBody('REQUEST_INVALID', 400, httpErrors.specs.REQUEST_INVALID.message),
  },
  {
    name: "quotes the caller's request id in a refusal",
    call: () => ({ path: '/whoami', headers: { 'x-tenant': 'nobody', 'x-request-id': 'req-42' } }),
    status: 404, contentType: 'application/problem+json',
    text: () => problemBody('TENANT_NOT_FOUND', 404, coreErrors.specs.TENANT_NOT_FOUND.message, { requestId: 'req-42' }),
  },
];

describe.each(NAMES)('the %s adapter', (name) => {
  it.each(CASES)('$name', async (c) => {
    const reply = await call(apps[name].port, c.call());
    expect(reply).toEqual({ status: c.status, contentType: c.contentType, text: c.text() });
  });

  it('hands the cause of a 500 to onProblem for the log, and shows it nowhere in the response', async () => {
    problems[name].length = 0;
    const reply = await call(apps[name].port, { path: '/boom', headers: { 'x-tenant': 'tenant-0' } });
    expect(reply.text).not.toContain('tenant_b_secrets');
    expect(reply.text).not.toContain('orders.ts');
    expect(problems[name]).toHaveLength(1);
    expect(problems[name][0]?.cause).toMatchObject({ message: LEAKY_MESSAGE });
    expect(problems[name][0]?.log).toBe('error');
  });

  it('keeps 50 concurrent requests for three tenants apart: each answer names its own tenant', async () => {
    const asked = Array.from({ length: 50 }, (_, i) => tenant(i % 3));
    const replies = await Promise.all(
      asked.map((x, i) => call(apps[name].port, i % 2 === 0 ? { path: '/whoami', headers: { 'x-tenant': x.slug } } : { path: '/whoami', host: `${x.slug}.example.com` })),
    );
    expect(replies.map((r) => (JSON.parse(r.text) as { tenantId: string }).tenantId)).toEqual(asked.map((x) => x.id));
  });
});

describe('every adapter', () => {
  it('answers each case with the same status, content type and bytes', async () => {
    for (const c of CASES) {
      const replies = await Promise.all(NAMES.map((name) => call(apps[name].port, c.call())));
      expect(Object.fromEntries(NAMES.map((n, i) => [n, replies[i]])), c.name).toEqual(Object.fromEntries(NAMES.map((n) => [n, replies[0]])));
    }
  });
});
