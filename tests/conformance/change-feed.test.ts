// One suite for every ChangeFeed: the in-process feed and the Redis pub/sub feed must deliver the
// same things to the same subscribers. "Two instances" are two feeds over their own Redis
// connections (for the in-process feed: two subscribers of one feed, its only sharing).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { TenantId } from 'tenantry';
import { memoryChangeFeed, redisChangeFeed, type ChangeFeed, type FeedLink, type RedisChangeFeed } from 'tenantry/redis';
import { redisConnection, redisUrl as foundRedis, uniqueChannelPrefix } from '../support/redis.js';

// The Redis global-setup found answering ('' when none: the Redis variants skip).
const redisUrl = foundRedis === '' ? undefined : foundRedis;
const tenant = () => randomUUID() as TenantId;

/** Resolves when `predicate` holds, polling; rejects after the budget (1 s: the feed's promise). */
async function eventually(predicate: () => boolean, budgetMs = 1000): Promise<void> {
  await vi.waitFor(() => expect(predicate(), 'not within the budget').toBe(true), { timeout: budgetMs, interval: 5 });
}

interface Pair { readonly a: ChangeFeed; readonly b: ChangeFeed; readonly close: () => Promise<void> }

const connections: Redis[] = [];
afterAll(() => { for (const c of connections) c.disconnect(); });

function redisPair(url: string, prefix = uniqueChannelPrefix('feed')): Pair & { readonly a: RedisChangeFeed; readonly b: RedisChangeFeed; subscriberA: Redis; publisherA: Redis } {
  const [pa, sa, pb, sb] = [0, 1, 2, 3].map(() => redisConnection(url)) as [Redis, Redis, Redis, Redis];
  connections.push(pa, sa, pb, sb);
  return {
    a: redisChangeFeed({ publisher: pa, subscriber: sa, channelPrefix: prefix }),
    b: redisChangeFeed({ publisher: pb, subscriber: sb, channelPrefix: prefix }),
    subscriberA: sa,
    publisherA: pa,
    close: async () => { for (const c of [pa, sa, pb, sb]) c.disconnect(); },
  };
}

const implementations: { name: string; pair: () => Pair }[] = [
  { name: 'memory', pair: () => { const feed = memoryChangeFeed(); return { a: feed, b: feed, close: async () => {} }; } },
  ...(redisUrl === undefined ? [] : [{ name: 'redis', pair: () => redisPair(redisUrl) }]),
];

describe.each(implementations)('ChangeFeed ($name)', ({ pair }) => {
  it('tells every subscriber of the topic, on both instances, including the publishing one', async () => {
    const { a, b, close } = pair();
    const heardA: TenantId[] = [];
    const heardB: TenantId[] = [];
    const stopA = await a.subscribe('settings', (id) => heardA.push(id));
    const stopB = await b.subscribe('settings', (id) => heardB.push(id));
    const t1 = tenant();
    const t2 = tenant();
    await a.publish('settings', t1);
    await b.publish('settings', t2);
    await eventually(() => heardA.length === 2 && heardB.length === 2);
    expect(new Set(heardA)).toEqual(new Set([t1, t2]));
    expect(new Set(heardB)).toEqual(new Set([t1, t2]));
    await stopA();
    await stopB();
    await close();
  });

  it('keeps topics apart and stops after unsubscribe', async () => {
    const { a, b, close } = pair();
    const flags: TenantId[] = [];
    const settings: TenantId[] = [];
    const stopFlags = await b.subscribe('flags', (id) => flags.push(id));
    const stopSettings = await b.subscribe('settings', (id) => settings.push(id));
    const first = tenant();
    await a.publish('flags', first);
    await eventually(() => flags.length === 1);
    await stopFlags();
    const second = tenant();
    await a.publish('flags', second);
    await a.publish('settings', second);
    // The settings message was sent after the second flags one: once it arrived, the flags one
    // had its chance (one connection delivers in order).
    await eventually(() => settings.length === 1);
    expect(flags).toEqual([first]);
    expect(settings).toEqual([second]);
    await stopSettings();
    await close();
  });

  it('keeps a subscriber that throws from starving the others', async () => {
    const { a, b, close } = pair();
    const heard: TenantId[] = [];
    const stop1 = await b.subscribe('settings', () => { throw new Error('handler bug'); });
    const stop2 = await b.subscribe('settings', (id) => heard.push(id));
    const id = tenant();
    await a.publish('settings', id);
    await eventually(() => heard.length === 1);
    expect(heard).toEqual([id]);
    await stop1();
    await stop2();
    await close();
  });

  it('refuses a topic that is not a plain word and a tenant id that is not one', async () => {
    const { a, close } = pair();
    await expect(a.subscribe('set*tings', () => {})).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(a.publish('settings\nflags', tenant())).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(a.publish('settings', 'acme' as TenantId)).rejects.toMatchObject({ code: 'TENANT_ID_INVALID' });
    await close();
  });
});

describe.runIf(redisUrl !== undefined)('ChangeFeed (redis) on the wire', () => {
  const url = redisUrl as string;

  it('ignores and counts malformed messages, and still delivers good ones', async () => {
    const prefix = uniqueChannelPrefix('malformed');
    const { a, b, publisherA, close } = redisPair(url, prefix);
    const heard: TenantId[] = [];
    const stop = await b.subscribe('settings', (id) => heard.push(id));
    const junk = ['not json', '{}', '[]', 'null', JSON.stringify({ v: 2, tenantId: randomUUID() }), JSON.stringify({ v: 1, tenantId: 'acme' }),
      JSON.stringify({ v: 1, tenantId: randomUUID(), extra: 1 }), JSON.stringify({ v: 1, tenantId: '00000000-0000-0000-0000-000000000000' }), 'x'.repeat(10_000)];
    for (const message of junk) await publisherA.publish(`${prefix}settings`, message);
    const good = tenant();
    await a.publish('settings', good);
    await eventually(() => heard.length === 1);
    expect(heard).toEqual([good]);
    expect(b.stats()).toEqual({ received: junk.length + 1, malformed: junk.length });
    await stop();
    await close();
  });

  it('says the link was lost when the subscriber connection is killed, and restored once resubscribed', async () => {
    const { a, b, subscriberA, publisherA, close } = redisPair(url);
    const clientId = await subscriberA.client('ID');
    const links: FeedLink[] = [];
    const heard: TenantId[] = [];
    const stop = await a.subscribe('settings', (id) => heard.push(id), { onLink: (link) => links.push(link) });
    // CLIENT KILL by id: only this test's connection, never anyone else's on the shared Redis.
    await publisherA.client('KILL', 'ID', String(clientId));
    await eventually(() => links.length === 2, 5000);
    expect(links).toEqual(['lost', 'restored']);
    const after = tenant();
    await b.publish('settings', after);
    await eventually(() => heard.includes(after));
    await stop();
    await close();
  });
});
