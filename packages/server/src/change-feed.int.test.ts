// The server's change feed as startServer wires it: with REDIS_URL two servers over one database
// serve each other's settings changes within a second; without it the in-process feed; and with
// a Redis that does not answer, writes still succeed and reads go to the database (the cache
// never serves what it cannot hear invalidated).
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { systemActor } from 'tenantry/control';
import { createTestTenantry, redisAnswers, type TestTenantry } from 'tenantry/testing';
import { loadConfig, resolveConfig, type ServerOptions } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type RunningServer } from './main.js';

const logger = createLogger({ level: 'silent' });
let t: TestTenantry;
const config = (options: ServerOptions = {}) => {
  const { app, operator } = inject('rolePasswords');
  return resolveConfig({ databaseUrl: t.url, appPassword: app, operatorPassword: operator, port: 0, logLevel: 'silent', ...options });
};

// The environment's REDIS_URL, read the one way the server reads it.
const redisUrl = loadConfig().redisUrl;
const redisUp = await redisAnswers(redisUrl);
if (!redisUp) console.warn('[tenantry tests] no REDIS_URL, or no Redis answering there: the two-server Redis case skips');

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
});
afterAll(() => t?.close());

async function keyFor(server: RunningServer): Promise<string> {
  const { db, control } = server.database;
  const { key } = await db.withTenant(t.tenants[0]!.id, (scope) => control.apiKeys.create(scope, { name: 'feed', scopes: ['settings:read', 'settings:write'] }, systemActor('test')));
  return key;
}
const call = async (server: RunningServer, key: string, method: string, body?: unknown) => {
  const res = await fetch(`${server.url}/v1/tenant/settings`, {
    method, headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { values: { timezone: string; locale: string } } };
};

describe('the change feed startServer wires', () => {
  it.runIf(redisUp)('lets two servers with REDIS_URL serve each other\'s changes within a second', async () => {
    const one = await startServer(config({ redisUrl: redisUrl as string }), { signals: [], logger });
    const two = await startServer(config({ redisUrl: redisUrl as string }), { signals: [], logger });
    try {
      await Promise.all([one.database.control.ready(), two.database.control.ready()]);
      const key = await keyFor(one);
      expect((await call(two, key, 'GET')).body.values.timezone).toBe('UTC'); // cached on two
      expect((await call(one, key, 'PATCH', { timezone: 'America/Sao_Paulo' })).status).toBe(200);
      await vi.waitFor(async () => expect((await call(two, key, 'GET')).body.values.timezone).toBe('America/Sao_Paulo'), { timeout: 1000, interval: 10 });
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('uses the in-process feed without REDIS_URL, caching for its one instance', async () => {
    const server = await startServer(config(), { signals: [], logger });
    try {
      await server.database.control.ready();
      const key = await keyFor(server);
      await call(server, key, 'PATCH', { locale: 'pt-BR' });
      expect((await call(server, key, 'GET')).body.values.locale).toBe('pt-BR');
      expect(server.database.control.settings.peek(t.tenants[0]!.id)?.locale).toBe('pt-BR');
    } finally {
      expect(await server.close()).toBe('clean');
    }
  });

  it('keeps writing and reads through to the database when Redis does not answer', async () => {
    // Port 1 on localhost: nothing listens, every connection attempt is refused.
    const one = await startServer(config({ redisUrl: 'redis://127.0.0.1:1' }), { signals: [], logger });
    const two = await startServer(config({ redisUrl: 'redis://127.0.0.1:1' }), { signals: [], logger });
    try {
      const key = await keyFor(one);
      expect((await call(two, key, 'GET')).status).toBe(200);
      expect((await call(one, key, 'PATCH', { locale: 'nb-NO' })).status).toBe(200);
      // No feed, so no cache: two's earlier read was not kept, this one comes from the database.
      expect((await call(two, key, 'GET')).body.values.locale).toBe('nb-NO');
      expect(two.database.control.settings.peek(t.tenants[0]!.id)).toBeUndefined();
    } finally {
      expect(await one.close()).toBe('clean');
      expect(await two.close()).toBe('clean');
    }
  });
});
