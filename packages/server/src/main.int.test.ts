// startServer on a real port: the probes over HTTP, /readyz once the database is gone, and a
// shutdown (by close() or by signal) that leaves nothing listening and no pool open, and one
// injected clock for everything it wires.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError } from 'tenantry';
import { systemActor } from 'tenantry/control';
import { periodOf } from 'tenantry/quota';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { resolveConfig, type ServerOptions } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './main.js';

let t: TestTenantry;
const logger = createLogger({ level: 'silent' });
const config = (options: ServerOptions = {}) => {
  const { app, operator } = inject('rolePasswords');
  return resolveConfig({ databaseUrl: t.url, appPassword: app, operatorPassword: operator, port: 0, logLevel: 'silent', ...options });
};

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
});
afterAll(() => t?.close());

describe('startServer', () => {
  it('serves /healthz and /readyz over HTTP on the port it reports', async () => {
    const server = await startServer(config(), { signals: [], logger });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const health = await fetch(`${server.url}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      const ready = await fetch(`${server.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);
    } finally {
      await server.close();
    }
  });

  it('answers /readyz with 503 problem+json once its database pools are ended, while /healthz stays 200', async () => {
    const server = await startServer(config(), { signals: [], logger });
    try {
      await server.database.close();
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await ready.json()).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503 });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('checks Redis in /readyz when REDIS_URL is set: 503 READINESS_CHECK_FAILED naming it when it does not answer', async () => {
    // A port nobody listens on: the server starts anyway (Redis is reconnected in the background).
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const server = await startServer(config({ redisUrl: `redis://127.0.0.1:${port}` }), { signals: [], logger });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ code: 'READINESS_CHECK_FAILED', details: { check: 'redis' } });
    } finally {
      await server.close();
    }
  });

  it('stops listening and ends its pools on close(), and settles `closed` as clean', async () => {
    const server = await startServer(config(), { signals: [], logger });
    expect(await server.close()).toBe('clean');
    expect(await server.closed).toBe('clean');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await expect(server.database.operator.query('SELECT 1')).rejects.toThrow();
  });

  it('shuts down gracefully when one of its signals arrives', async () => {
    const server = await startServer(config(), { signals: ['SIGUSR2'], logger });
    process.kill(process.pid, 'SIGUSR2');
    expect(await server.closed).toBe('clean');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(process.listeners('SIGUSR2')).toHaveLength(0);
  });

  it('runs every service it wires on the clock it is given: tenants, keys, usage periods, operator actions', async () => {
    const clock = createTestClock(inject('testNow'));
    const server = await startServer(config(), { signals: [], logger, clock });
    try {
      const { control } = server.database;
      const staff = await control.operators.create({ email: 'clock@platform.example', displayName: 'Clock' });
      const { token } = await control.operators.createToken(staff.id, { name: 'test' });
      const operator = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const created = await fetch(`${server.url}/v1/tenants`, { method: 'POST', headers: operator, body: JSON.stringify({ slug: 'on-the-clock', owner: { userId: 'ann' } }) });
      const tenant = await created.json() as { id: string; createdAt: string };
      expect([created.status, tenant.createdAt]).toEqual([201, clock.now().toISOString()]);
      // A key that expires 30 minutes later by the test clock; 31 minutes on, it is refused.
      const { key } = await server.database.db.transaction(tenant.id, (scope) =>
        control.apiKeys.create(scope, { name: 'k', scopes: ['usage:read'], expiresAt: new Date(clock.now().getTime() + 30 * 60_000) }, systemActor('test')));
      const usage = await fetch(`${server.url}/v1/tenant/usage`, { headers: { 'x-api-key': key } });
      const period = periodOf(clock.now());
      expect((await usage.json() as { period: unknown }).period).toEqual({ start: period.start.toISOString(), end: period.end.toISOString() });
      clock.advance(31 * 60_000);
      expect((await fetch(`${server.url}/v1/tenant/usage`, { headers: { 'x-api-key': key } })).status).toBe(401);
      expect((await fetch(`${server.url}/v1/billing/export?period=${period.name}`, { headers: operator })).status).toBe(200);
      const { rows } = await t.admin.query<{ occurred_at: Date }>(`SELECT occurred_at FROM tenantry.operator_actions WHERE action = 'billing.export'`);
      expect(rows.map((r) => r.occurred_at)).toEqual([clock.now()]);
    } finally {
      await server.close();
    }
  });

  it('reports a port already in use as CONFIG_INVALID naming PORT', async () => {
    const first = await startServer(config(), { signals: [], logger });
    try {
      const err = await startServer(config({ port: first.port }), { signals: [], logger }).then(() => undefined, (e: unknown) => e);
      expect(isTenantryError(err, 'CONFIG_INVALID')).toBe(true);
      expect((err as { details: unknown }).details).toMatchObject({ path: 'PORT' });
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.close();
    }
  });
});
