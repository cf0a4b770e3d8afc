// Two server instances — two control planes, each with its own Redis connections and its own
// caches, over one database — see each other's changes to settings, flags and branding within
// a second, through Redis pub/sub. Without Redis the in-process feed runs the same cases.
import type { Redis } from 'ioredis';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { TenantId } from 'tenantry';
import { createControlPlane, systemActor, type ControlPlane } from 'tenantry/control';
import { memoryChangeFeed, redisChangeFeed, type ChangeFeed, type FeedLink } from 'tenantry/redis';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { redisConnection, redisUrl as foundRedis, uniqueChannelPrefix } from '../support/redis.js';

// The Redis global-setup found answering ('' when none: the Redis variants skip).
const redisUrl = foundRedis === '' ? undefined : foundRedis;
const Settings = Type.Object({ timezone: Type.String({ default: 'UTC' }), seats: Type.Integer({ minimum: 1, default: 5 }) });
const actor = systemActor('user:ada');
const PLANS: Record<string, Record<string, boolean>> = { free: { sso: false }, pro: { sso: true } };

/** Polls until `read` gives `expected` (deep equality), within the 1 s the feed promises. */
async function visibleWithin<T>(read: () => Promise<T>, expected: T, budgetMs = 1000): Promise<void> {
  await vi.waitFor(async () => expect(await read()).toEqual(expected), { timeout: budgetMs, interval: 10 });
}

const variants = [
  ...(redisUrl === undefined ? [] : ['redis' as const]),
  'memory' as const,
];

describe.each(variants)('two instances over the %s feed', (kind) => {
  let t: TestTenantry;
  let one: ControlPlane<typeof Settings>;
  let two: ControlPlane<typeof Settings>;
  let tenant: TenantId;
  const connections: Redis[] = [];
  const feeds: ChangeFeed[] = [];

  beforeAll(async () => {
    t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1 });
    tenant = t.tenants[0]!.id;
    const prefix = uniqueChannelPrefix('instances');
    const shared = memoryChangeFeed();
    const feed = (): ChangeFeed => {
      if (kind === 'memory') return shared;
      const publisher = redisConnection(redisUrl!);
      const subscriber = redisConnection(redisUrl!);
      connections.push(publisher, subscriber);
      const made = redisChangeFeed({ publisher, subscriber, channelPrefix: prefix });
      feeds.push(made);
      return made;
    };
    const plane = () => createControlPlane({
      db: t.db, operator: t.operator, encryption: 'none', settingsSchema: Settings, changeFeed: feed(),
      planFeatures: (plan) => PLANS[plan] ?? {},
    });
    one = plane();
    two = plane();
    await Promise.all([one.ready(), two.ready()]);
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    for (const c of connections) c.disconnect();
    await t?.close();
  });

  it('serves a change made on one instance from the other within a second', async () => {
    expect((await two.settings.get(tenant)).seats).toBe(5);
    expect(two.settings.peek(tenant)?.seats).toBe(5); // cached on instance two
    await one.settings.update(tenant, { seats: 17 }, actor);
    await visibleWithin(async () => (await two.settings.get(tenant)).seats, 17);
    await two.settings.update(tenant, { timezone: 'Europe/Oslo' }, actor);
    await visibleWithin(async () => one.settings.get(tenant), { timezone: 'Europe/Oslo', seats: 17 });
  });

  // The in-process feed has no link to lose: this case is Redis's alone.
  if (kind === 'redis') {
    it('reads through while instance two\'s subscriber is down, and caches again once it is back', async () => {
      const subscriber = connections[3]!; // instance two's: [publisher, subscriber] were made last
      const links: FeedLink[] = [];
      const stop = await feeds[1]!.subscribe('settings', () => {}, { onLink: (link) => links.push(link) });
      const heard = (link: FeedLink) => vi.waitFor(() => expect(links).toContain(link), { timeout: 60_000, interval: 5 });
      await two.settings.get(tenant);
      expect(two.settings.peek(tenant)).toBeDefined();
      // Down until the test reconnects it (a killed connection would come back on its own, too
      // soon to look at the outage; the conformance suite kills one with CLIENT KILL).
      subscriber.disconnect();
      await heard('lost');
      expect(two.settings.peek(tenant)).toBeUndefined();
      // A change two cannot hear about: two reads it from the database and caches nothing.
      await one.settings.update(tenant, { seats: 99 }, actor);
      expect((await two.settings.get(tenant)).seats).toBe(99);
      expect(two.settings.peek(tenant)).toBeUndefined();
      await subscriber.connect();
      await heard('restored');
      expect((await two.settings.get(tenant)).seats).toBe(99);
      expect(two.settings.peek(tenant)?.seats).toBe(99);
      // And the feed works again: a change on one reaches two's cache.
      await one.settings.update(tenant, { seats: 100 }, actor);
      await visibleWithin(async () => (await two.settings.get(tenant)).seats, 100);
      await stop();
    });
  }

  it('spreads flag overrides, plan invalidations and branding the same way', async () => {
    expect((await two.flags.load(tenant)).get('sso')).toEqual({ key: 'sso', enabled: false, source: 'plan' });
    await one.flags.set(tenant, 'sso', true, actor);
    await visibleWithin(async () => (await two.flags.load(tenant)).get('sso'), { key: 'sso', enabled: true, source: 'override' });
    await one.flags.clear(tenant, 'sso', actor);
    await visibleWithin(async () => (await two.flags.load(tenant)).get('sso').source, 'plan');

    await t.operator.query(`UPDATE tenantry.tenants SET plan = 'pro' WHERE id = $1`, [tenant]);
    await one.flags.invalidate(tenant);
    await visibleWithin(async () => (await two.flags.load(tenant)).get('sso'), { key: 'sso', enabled: true, source: 'plan' });

    expect((await two.branding.get(tenant)).name).toBeNull();
    await one.branding.put(tenant, { name: 'Acme', primaryColor: '#112233' }, actor);
    await visibleWithin(async () => (await two.branding.get(tenant)).name, 'Acme');
  });
});
