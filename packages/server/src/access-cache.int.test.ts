// Two servers sharing one database and one Redis, each caching tenants and principals (the
// tenant record, a member's role, a verified API key): a change made through one — a member
// removed, a key revoked, the tenant suspended — takes effect on the other within a second,
// although the other had the old answer cached; a key's expiry takes effect by the clock alone.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemActor } from 'tenantry/control';
import { createTestClock, createTestTenantry, redisAnswers, type TestTenantry } from 'tenantry/testing';
import { loadConfig, resolveConfig } from './config.js';
import { createLogger } from './logger.js';
import { startServer, type RunningServer } from './main.js';

const logger = createLogger({ level: 'silent' });
const SECRET = `access-cache-secret-${randomUUID()}`;
const clock = createTestClock('2030-01-01T00:00:00Z');

const redisUrl = loadConfig().redisUrl;
const redisUp = await redisAnswers(redisUrl);
if (!redisUp) console.warn('[tenantry tests] no REDIS_URL, or no Redis answering there: the two-server access cache cases skip');

let t: TestTenantry;
let one: RunningServer;
let two: RunningServer;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 3 });
  if (!redisUp) return;
  const { app, operator } = inject('rolePasswords');
  const config = resolveConfig({
    databaseUrl: t.url, appPassword: app, operatorPassword: operator, port: 0, logLevel: 'silent', redisUrl: redisUrl as string,
    jwtIssuer: 'access-cache', jwtAudience: 'access-cache', jwtSecret: SECRET,
  });
  [one, two] = await Promise.all([startServer(config, { signals: [], logger, clock }), startServer(config, { signals: [], logger, clock })]);
  await Promise.all([one, two].flatMap(({ database }) => [database.control.ready(), database.registry.ready(), database.billing.ready()]));
}, 60_000);
afterAll(async () => {
  await one?.close();
  await two?.close();
  await t?.close();
});

const jwt = (userId: string, tenantId: string) => new SignJWT({ tenant_id: tenantId }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId)
  .setIssuer('access-cache').setAudience('access-cache').setIssuedAt(clock.now()).setExpirationTime(new Date(clock.now().getTime() + 3_600_000))
  .sign(new TextEncoder().encode(SECRET));

async function get(server: RunningServer, headers: Record<string, string>, write?: { path: string; body: unknown }): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${server.url}${write?.path ?? '/v1/tenant/members'}`, write
    ? { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(write.body) }
    : { headers });
  const body = (await res.json()) as { code?: string };
  return { status: res.status, ...(body.code === undefined ? {} : { code: body.code }) };
}

/** Polls `server` until the answer's status is `status`, for at most one second; the last answer. */
async function within1s(server: RunningServer, headers: Record<string, string>, status: number, write?: { path: string; body: unknown }): Promise<{ status: number; code?: string; afterMs: number }> {
  const started = Date.now();
  let last = await get(server, headers, write);
  while (last.status !== status && Date.now() - started <= 1000) {
    await new Promise((r) => setTimeout(r, 10));
    last = await get(server, headers, write);
  }
  return { ...last, afterMs: Date.now() - started };
}

/** Asks `server` `times` times: the answers must all be 200 (they are served from its cache after the first). */
async function warm(server: RunningServer, headers: Record<string, string>, times = 3): Promise<void> {
  for (let i = 0; i < times; i += 1) expect((await get(server, headers)).status).toBe(200);
}

const addMember = (tenantId: string, userId: string) => one.database.db.withTenant(t.tenants.find((x) => x.id === tenantId)!.id, (scope) =>
  one.database.control.members.add(scope, { userId, role: 'admin' }, systemActor('test')));

describe.runIf(redisUp)('two servers sharing Redis, each caching tenants and principals', () => {
  it('serves a member from its cache until a change is announced (the cache is real, the feed is what ends it)', async () => {
    const tenant = t.tenants[0]!.id;
    await addMember(tenant, 'cached');
    const headers = { authorization: `Bearer ${await jwt('cached', tenant)}` };
    await warm(two, headers);
    // Behind the library's back: nothing announced, so the other server still has the member.
    await t.admin.query('DELETE FROM tenantry.members WHERE tenant_id = $1 AND user_id = $2', [tenant, 'cached']);
    expect((await get(two, headers)).status).toBe(200);
    await one.database.control.access.changed(tenant);
    expect(await within1s(two, headers, 403)).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  it('refuses a removed member on the other server within a second', async () => {
    const tenant = t.tenants[0]!.id;
    await addMember(tenant, 'leaving');
    const headers = { authorization: `Bearer ${await jwt('leaving', tenant)}` };
    await warm(two, headers);
    await one.database.db.withTenant(tenant, (scope) => one.database.control.members.remove(scope, 'leaving', systemActor('test')));
    const seen = await within1s(two, headers, 403);
    expect(seen).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
  });

  it('refuses a revoked API key on the other server within a second', async () => {
    const tenant = t.tenants[1]!.id;
    const { key, apiKey } = await one.database.db.withTenant(tenant, (scope) => one.database.control.apiKeys.create(scope, { name: 'revoked', scopes: ['members:read'] }, systemActor('test')));
    const headers = { 'x-api-key': key };
    await warm(two, headers);
    await one.database.db.withTenant(tenant, (scope) => one.database.control.apiKeys.revoke(scope, apiKey.id, systemActor('test')));
    const seen = await within1s(two, headers, 401);
    expect(seen).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });
  });

  it('refuses a suspended tenant on the other server within a second, and serves it again once restored', async () => {
    const tenant = t.tenants[2]!.id;
    await addMember(tenant, 'member-c');
    const { key } = await one.database.db.withTenant(tenant, (scope) => one.database.control.apiKeys.create(scope, { name: 'suspended', scopes: ['members:read'] }, systemActor('test')));
    const byJwt = { authorization: `Bearer ${await jwt('member-c', tenant)}` };
    const byKey = { 'x-api-key': key };
    await warm(two, byJwt);
    await warm(two, byKey);
    await one.database.registry.suspend(tenant);
    expect(await within1s(two, byJwt, 403)).toMatchObject({ status: 403, code: 'TENANT_SUSPENDED' });
    expect(await get(two, byKey)).toMatchObject({ status: 403, code: 'TENANT_SUSPENDED' });
    await one.database.registry.restore(tenant);
    expect((await within1s(two, byKey, 200)).status).toBe(200);
  });

  it('refuses an expired API key by the clock, with nothing announced', async () => {
    const tenant = t.tenants[1]!.id;
    const expiresAt = new Date(clock.now().getTime() + 60_000);
    const { key } = await one.database.db.withTenant(tenant, (scope) => one.database.control.apiKeys.create(scope, { name: 'expiring', scopes: ['members:read'], expiresAt }, systemActor('test')));
    const headers = { 'x-api-key': key };
    await warm(two, headers);
    clock.advance(60_000);
    expect(await get(two, headers)).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });
    expect(await get(one, headers)).toMatchObject({ status: 401, code: 'API_KEY_INVALID' });
  });

  it('serves the billing entitlement from its cache, and refuses writes of a tenant degraded to read-only on the other server within a second', async () => {
    const tenant = t.tenants[0]!.id;
    const { billing } = one.database;
    await addMember(tenant, 'payer');
    const by = { actor: 'operator:test' };
    const started = await billing.subscriptions.start(tenant, { plan: 'pro' }, by);
    const write = { path: '/v1/tenant/branding', body: { name: 'Payer' } };
    let headers = { authorization: `Bearer ${await jwt('payer', tenant)}` };
    for (let i = 0; i < 3; i += 1) expect((await get(two, headers, write)).status).toBe(200);
    // Behind the library's back: nothing announced, so the other server still lets it write
    // (the entitlement came from its cache, not from a read per request).
    await t.admin.query("UPDATE tenantry.subscriptions SET entitlement = 'read_only' WHERE tenant = $1", [tenant]);
    expect((await get(two, headers, write)).status).toBe(200);
    await t.admin.query("UPDATE tenantry.subscriptions SET entitlement = 'full' WHERE tenant = $1", [tenant]);

    // The real way: the period closes, the payment fails, the grace period runs out.
    clock.set(started.currentPeriod.end);
    const invoice = await billing.invoices.closePeriod(tenant);
    await billing.subscriptions.paymentFailed(tenant, by);
    clock.advance(14 * 86_400_000);
    headers = { authorization: `Bearer ${await jwt('payer', tenant)}` }; // signed on the moved clock
    expect((await get(two, headers, write)).status).toBe(200);
    expect((await billing.subscriptions.settle(tenant)).entitlement).toBe('read_only');
    expect(await within1s(two, headers, 403, write)).toMatchObject({ status: 403, code: 'BILLING_READ_ONLY' });
    expect((await get(two, headers)).status).toBe(200); // reads go on

    await billing.invoices.markPaid(tenant, invoice!.id, by);
    expect((await within1s(two, headers, 200, write)).status).toBe(200);
  });
});
