// Settings, feature flags and branding through a real listening server: the contract's shapes,
// SETTINGS_INVALID naming the field, overrides and their sources, and tenant A's credentials
// never reading or changing tenant B's. Then two servers, each with its own Redis connections:
// a change through one is served by the other within a second.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { TenantId } from 'tenantry';
import { redisChangeFeed } from 'tenantry/redis';
import { createTestClock, createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { redisConnection, redisUrl as foundRedis, uniqueChannelPrefix } from '../support/redis.js';
import { startApiServer, type ApiServer, type Call } from './support/api-server.js';

const PLANS: Record<string, Record<string, boolean>> = { free: { exports: true, sso: false } };
let api: ApiServer;
let a: TenantId;
let b: TenantId;
let adminA: Call;
let adminB: Call;
let viewerA: Call;

beforeAll(async () => {
  api = await startApiServer(2, { control: { planFeatures: (plan) => PLANS[plan] ?? {}, flags: { 'new-editor': { rolloutPercent: 100 } } } });
  [a, b] = api.t.tenants.map((x) => x.id) as [TenantId, TenantId];
  adminA = { token: await api.member(a, 'alice', 'admin') };
  adminB = { token: await api.member(b, 'bob', 'admin') };
  viewerA = { token: await api.member(a, 'vera', 'viewer') };
});
afterAll(() => api?.close());

describe('/v1/tenant/settings', () => {
  it('serves the defaults, then the tenant\'s choices over them', async () => {
    expect(await api.request('GET', '/v1/tenant/settings', viewerA)).toMatchObject({ status: 200, body: { values: { timezone: 'UTC', locale: 'en-US', custom: {} } } });
    const patched = await api.request('PATCH', '/v1/tenant/settings', { ...adminA, body: { timezone: 'Europe/Paris', custom: { theme: 'dark', seats: 12 } } });
    expect(patched).toMatchObject({ status: 200, body: { values: { timezone: 'Europe/Paris', locale: 'en-US', custom: { theme: 'dark', seats: 12 } } } });
    expect((await api.request('GET', '/v1/tenant/settings', viewerA)).body).toEqual(patched.body);
  });

  it.each([
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ locale: 'not a locale!' }, 'locale'],
    [{ custom: { '1bad': true } }, 'custom.1bad'],
    [{ colour: 'red' }, 'colour'],
  ])('answers 400 SETTINGS_INVALID for %j, naming %s', async (body, field) => {
    const res = await api.request('PATCH', '/v1/tenant/settings', { ...adminA, body });
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'SETTINGS_INVALID', details: { field } });
  });
});

describe('/v1/tenant/flags', () => {
  it('lists flags with their source, overrides one, and deletes the override', async () => {
    const listed = await api.request('GET', '/v1/tenant/flags', viewerA);
    expect(listed).toMatchObject({ status: 200, body: { items: [
      { key: 'exports', enabled: true, source: 'plan' },
      { key: 'new-editor', enabled: true, source: 'rollout' },
      { key: 'sso', enabled: false, source: 'plan' },
    ] } });
    expect(await api.request('PUT', '/v1/tenant/flags/sso', { ...adminA, body: { enabled: true } })).toMatchObject({ status: 200, body: { key: 'sso', enabled: true, source: 'override' } });
    expect((await api.request('GET', '/v1/tenant/flags', viewerA)).body.items).toContainEqual({ key: 'sso', enabled: true, source: 'override' });
    expect((await api.request('DELETE', '/v1/tenant/flags/sso', adminA)).status).toBe(204);
    expect((await api.request('GET', '/v1/tenant/flags', viewerA)).body.items).toContainEqual({ key: 'sso', enabled: false, source: 'plan' });
  });

  it('answers 400 FLAG_KEY_INVALID for a malformed key', async () => {
    expect(await api.request('PUT', '/v1/tenant/flags/Not%20A%20Key', { ...adminA, body: { enabled: true } })).toMatchObject({ status: 400, body: { code: 'FLAG_KEY_INVALID' } });
  });
});

describe('/v1/tenant/branding', () => {
  it('replaces the branding and reads it back normalized', async () => {
    expect(await api.request('GET', '/v1/tenant/branding', viewerA)).toMatchObject({ status: 200, body: { name: null, primaryColor: null, accentColor: null, logoUrl: null } });
    const put = await api.request('PUT', '/v1/tenant/branding', { ...adminA, body: { name: 'Acme', primaryColor: '#0A66C2', logoUrl: 'https://cdn.acme.example/logo.svg' } });
    expect(put).toMatchObject({ status: 200, body: { name: 'Acme', primaryColor: '#0a66c2', accentColor: null, logoUrl: 'https://cdn.acme.example/logo.svg' } });
    expect((await api.request('GET', '/v1/tenant/branding', viewerA)).body).toEqual(put.body);
  });

  it.each([
    [{ primaryColor: 'blue' }, 'primaryColor'],
    [{ logoUrl: 'http://cdn.acme.example/logo.svg' }, 'logoUrl'],
    [{ logoUrl: 'javascript:alert(1)' }, 'logoUrl'],
  ])('answers 400 BRANDING_INVALID for %j', async (body, field) => {
    expect(await api.request('PUT', '/v1/tenant/branding', { ...adminA, body })).toMatchObject({ status: 400, body: { code: 'BRANDING_INVALID', details: { field } } });
  });
});

describe('tenant A\'s credentials and tenant B', () => {
  it('never read or change B\'s settings, flags or branding', async () => {
    // B's own admin sets B's values.
    await api.request('PATCH', '/v1/tenant/settings', { ...adminB, body: { locale: 'de-DE' } });
    await api.request('PUT', '/v1/tenant/flags/b-only', { ...adminB, body: { enabled: true } });
    await api.request('PUT', '/v1/tenant/branding', { ...adminB, body: { name: 'Bravo' } });
    // A's admin writes: only A changes.
    await api.request('PATCH', '/v1/tenant/settings', { ...adminA, body: { locale: 'fr-FR' } });
    await api.request('PUT', '/v1/tenant/flags/a-only', { ...adminA, body: { enabled: true } });
    const readA = await api.request('GET', '/v1/tenant/settings', adminA);
    const readB = await api.request('GET', '/v1/tenant/settings', adminB);
    expect([readA.body.values.locale, readB.body.values.locale]).toEqual(['fr-FR', 'de-DE']);
    const flagsA = (await api.request('GET', '/v1/tenant/flags', adminA)).body.items.map((f: { key: string }) => f.key);
    const flagsB = (await api.request('GET', '/v1/tenant/flags', adminB)).body.items.map((f: { key: string }) => f.key);
    expect(flagsA).toContain('a-only');
    expect(flagsA).not.toContain('b-only');
    expect(flagsB).toContain('b-only');
    expect(flagsB).not.toContain('a-only');
    expect((await api.request('GET', '/v1/tenant/branding', adminA)).body.name).toBe('Acme');
    expect((await api.request('GET', '/v1/tenant/branding', adminB)).body.name).toBe('Bravo');
  });

  it('refuses a token of A\'s user that names tenant B, and an API key of A keeps to A', async () => {
    const crossToken = await api.jwt('alice', b);
    for (const [method, path, body] of [['GET', '/v1/tenant/settings'], ['PATCH', '/v1/tenant/settings', { locale: 'ja-JP' }], ['PUT', '/v1/tenant/branding', { name: 'Hijack' }], ['DELETE', '/v1/tenant/flags/b-only']] as const) {
      const res = await api.request(method, path, { token: crossToken, ...(body === undefined ? {} : { body }) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    const keyA = await api.apiKey(a, ['settings:read', 'settings:write']);
    expect((await api.request('GET', '/v1/tenant/settings', { apiKey: keyA })).body.values.locale).toBe('fr-FR');
    await api.request('PATCH', '/v1/tenant/settings', { apiKey: keyA, body: { locale: 'it-IT' } });
    expect((await api.request('GET', '/v1/tenant/settings', adminB)).body.values.locale).toBe('de-DE');
    expect((await api.request('GET', '/v1/tenant/branding', adminB)).body.name).toBe('Bravo');
    expect((await api.request('GET', '/v1/tenant/flags', adminB)).body.items).toContainEqual({ key: 'b-only', enabled: true, source: 'override' });
  });
});

// The Redis global-setup found answering ('' when none: the Redis variants skip).
const redisUrl = foundRedis === '' ? undefined : foundRedis;

describe.runIf(redisUrl !== undefined)('two servers, each with its own Redis connections', () => {
  let t: TestTenantry;
  let one: ApiServer;
  let two: ApiServer;
  const connections: Redis[] = [];

  beforeAll(async () => {
    // One clock for the database's registry and both servers, as one deployment has.
    const clock = createTestClock(inject('testNow'));
    t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, clock });
    const prefix = uniqueChannelPrefix('servers');
    const feed = () => {
      const [publisher, subscriber] = [redisConnection(redisUrl!), redisConnection(redisUrl!)];
      connections.push(publisher, subscriber);
      return redisChangeFeed({ publisher, subscriber, channelPrefix: prefix });
    };
    one = await startApiServer(1, { t, clock, control: { changeFeed: feed() } });
    two = await startApiServer(1, { t, clock, control: { changeFeed: feed() } });
    await Promise.all([one.control.ready(), two.control.ready()]);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    for (const c of connections) c.disconnect();
    await t?.close();
  });

  /** Polls server two until `check` passes, within the second the feed promises. */
  async function onTwoWithin(path: string, call: Call, check: (body: any) => void): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
    await vi.waitFor(async () => check((await two.request('GET', path, call)).body), { timeout: 1000, interval: 10 });
  }

  it('serves a change made through one server from the other within a second', async () => {
    const tenant = t.tenants[0]!.id;
    const admin: Call = { token: await one.member(tenant, 'olga', 'admin') };
    // Warm server two's caches first, so a stale cache would show.
    expect((await two.request('GET', '/v1/tenant/settings', admin)).body.values.timezone).toBe('UTC');
    expect((await two.request('GET', '/v1/tenant/branding', admin)).body.name).toBeNull();
    await two.request('GET', '/v1/tenant/flags', admin);

    expect((await one.request('PATCH', '/v1/tenant/settings', { ...admin, body: { timezone: 'Asia/Tokyo' } })).status).toBe(200);
    await onTwoWithin('/v1/tenant/settings', admin, (body) => expect(body.values.timezone).toBe('Asia/Tokyo'));
    expect((await one.request('PUT', '/v1/tenant/flags/beta', { ...admin, body: { enabled: true } })).status).toBe(200);
    await onTwoWithin('/v1/tenant/flags', admin, (body) => expect(body.items).toContainEqual({ key: 'beta', enabled: true, source: 'override' }));
    expect((await one.request('PUT', '/v1/tenant/branding', { ...admin, body: { name: 'Tokyo Ltd' } })).status).toBe(200);
    await onTwoWithin('/v1/tenant/branding', admin, (body) => expect(body.name).toBe('Tokyo Ltd'));
  });
});
