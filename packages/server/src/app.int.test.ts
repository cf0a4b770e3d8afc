// The HTTP app in-process: every error leaves as application/problem+json with the status of
// its kind, and /readyz fails, fast, whenever the database cannot serve.
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { coreErrors } from 'tenantry';
import { type SqlPool } from 'tenantry/postgres';
import { pgPool } from 'tenantry/postgres/pg';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { buildApp } from './app.js';
import { createLogger } from './logger.js';

let t: TestTenantry;
let logLines: string[];
const logger = () => createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } });

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
});
afterAll(() => t?.close());

async function listenOn(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function readyz(operator: SqlPool, readinessTimeoutMs?: number) {
  logLines = [];
  const app = buildApp({ operator, logger: logger(), ...(readinessTimeoutMs === undefined ? {} : { readinessTimeoutMs }) });
  try {
    return await app.inject({ url: '/readyz' });
  } finally {
    await app.close();
  }
}

describe('problem+json errors', () => {
  it('answers an unknown route with 404 and ROUTE_NOT_FOUND', async () => {
    logLines = [];
    const app = buildApp({ operator: t.operator, logger: logger() });
    const res = await app.inject({ url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json<{ requestId?: unknown }>();
    expect(body).toMatchObject({ type: 'urn:tenantry:error:ROUTE_NOT_FOUND', title: 'Not Found', status: 404, code: 'ROUTE_NOT_FOUND' });
    expect(typeof body.requestId).toBe('string');
    await app.close();
  });

  it('answers a TenantryError with the status of its kind and its details', async () => {
    logLines = [];
    const app = buildApp({ operator: t.operator, logger: logger() });
    app.get('/suspended', async () => { throw coreErrors.create('TENANT_SUSPENDED', { details: { slug: 'acme' } }); });
    const res = await app.inject({ url: '/suspended' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'TENANT_SUSPENDED', status: 403, details: { slug: 'acme' } });
    await app.close();
  });

  it('answers any other thrown error with 500 INTERNAL, logging the cause and never showing it', async () => {
    logLines = [];
    const app = buildApp({ operator: t.operator, logger: logger() });
    app.get('/boom', async () => { throw new Error('column secret_of_tenant_b is missing'); });
    const res = await app.inject({ url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'INTERNAL', detail: 'An internal error occurred.' });
    expect(res.body).not.toContain('secret_of_tenant_b');
    expect(logLines.join('')).toContain('secret_of_tenant_b');
    expect(logLines.join('')).toContain(res.json<{ requestId: string }>().requestId);
    await app.close();
  });

  it('answers a body that is not JSON with 400 REQUEST_INVALID, not 500', async () => {
    logLines = [];
    const app = buildApp({ operator: t.operator, logger: logger() });
    app.post('/echo', async (request) => request.body);
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ code: string; details: { reason?: unknown } }>();
    expect(body.code).toBe('REQUEST_INVALID');
    expect(typeof body.details.reason).toBe('string');
    await app.close();
  });
});

describe('/readyz', () => {
  it('answers 200 through the operator pool of a migrated database', async () => {
    const res = await readyz(t.operator);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 DATABASE_UNAVAILABLE when nothing listens at the database address', async () => {
    const nobody = createServer();
    const port = await listenOn(nobody);
    await new Promise((resolve) => nobody.close(resolve));
    const url = new URL(t.url);
    url.port = String(port);
    const pool = pgPool({ connectionString: url.toString(), max: 1 });
    try {
      const res = await readyz(pool);
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503, title: 'Service Unavailable' });
      // Retryable: the client is told when to come back (issue 14).
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await pool.end();
    }
  });

  it('answers 503 within its timeout when the database accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    const url = new URL(t.url);
    url.port = String(await listenOn(silent));
    const pool = pgPool({ connectionString: url.toString(), max: 1, connectionTimeoutMillis: 30_000 });
    try {
      const started = Date.now();
      const res = await readyz(pool, 300);
      expect(res.statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await pool.end().catch(() => {});
    }
  });

  it('answers 503 when the database was never migrated', async () => {
    const name = `tenantry_unmigrated_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: inject('adminUrl') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    const url = new URL(inject('adminUrl'));
    url.pathname = `/${name}`;
    const pool = pgPool({ connectionString: url.toString(), max: 1 });
    try {
      expect((await readyz(pool)).statusCode).toBe(503);
    } finally {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    }
  });
});
