// The change feed over Redis pub/sub (ioredis): one channel per topic, a small versioned JSON
// message per change, validated on receipt. ioredis is an optional peer: only its types are
// imported, the caller hands in the two connections.
import type { Redis } from 'ioredis';
import { coreErrors, tryParseTenantId, type TenantId } from '../../core/index.js';
import {
  checkTopic, decodeChange, deliver, encodeChange,
  type ChangeFeed, type ChangeFeedStats, type FeedLink, type SubscribeOptions,
} from '../change-feed.js';

export interface RedisChangeFeedOptions {
  /** Any connection; PUBLISH is its only command here. */
  readonly publisher: Redis;
  /** A connection for this feed's subscriptions: in subscriber mode it can run nothing else. */
  readonly subscriber: Redis;
  /** Prepended to every channel, so deployments sharing a Redis stay apart. Default `tenantry:feed:`. */
  readonly channelPrefix?: string;
  /** Handlers that threw, and subscriptions that could not be renewed after a reconnect. Default: ignored. */
  readonly onError?: (err: unknown) => void;
}

/** The Redis feed, with what it counted. */
export interface RedisChangeFeed extends ChangeFeed {
  stats(): ChangeFeedStats;
}

interface Subscription {
  readonly onChange: (tenantId: TenantId) => void;
  readonly onLink: ((link: FeedLink) => void) | undefined;
}

/**
 * Messages published while the subscriber is disconnected are lost (Redis pub/sub keeps
 * nothing). So when the subscriber's connection closes every subscription hears `'lost'`, and
 * once it is ready again and its channels are subscribed anew, `'restored'`: a cache empties
 * itself at both and reads through to the database in between (docs/settings.md).
 *
 * @example
 * const feed = redisChangeFeed({ publisher: new Redis(url), subscriber: new Redis(url) });
 */
export function redisChangeFeed(options: RedisChangeFeedOptions): RedisChangeFeed {
  const { publisher, subscriber } = options;
  const prefix = options.channelPrefix ?? 'tenantry:feed:';
  const onError = options.onError ?? (() => {});
  if (typeof prefix !== 'string' || prefix.length > 200) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'channelPrefix', reason: 'a string of at most 200 characters' } });
  const channels = new Map<string, Set<Subscription>>();
  let received = 0;
  let malformed = 0;
  let connected = true;

  subscriber.on('message', (channel: string, message: string) => {
    const subs = channels.get(channel);
    if (subs === undefined) return; // another user of this connection, or a late message after unsubscribe
    received += 1;
    const tenantId = decodeChange(message);
    if (tenantId === undefined) {
      malformed += 1;
      return;
    }
    deliver([...subs].map((s) => s.onChange), tenantId, onError);
  });
  const tellLink = (link: FeedLink) => {
    for (const subs of channels.values()) {
      for (const s of subs) {
        try {
          s.onLink?.(link);
        } catch (err) {
          onError(err);
        }
      }
    }
  };
  subscriber.on('close', () => {
    if (!connected) return;
    connected = false;
    tellLink('lost');
  });
  subscriber.on('ready', () => {
    if (connected) return;
    // ioredis resubscribes by itself (autoResubscribe), but not necessarily: subscribing again
    // is idempotent, and its reply says the channels are live before 'restored' is told.
    const names = [...channels.keys()];
    const renewed = names.length === 0 ? Promise.resolve() : subscriber.subscribe(...names);
    renewed.then(() => {
      if (subscriber.status !== 'ready' || connected) return;
      connected = true;
      tellLink('restored');
    }, onError);
  });

  return Object.freeze({
    async publish(topic: string, tenantId: TenantId) {
      const channel = prefix + checkTopic(topic);
      const id = tryParseTenantId(tenantId);
      if (id === undefined) throw coreErrors.create('TENANT_ID_INVALID');
      await publisher.publish(channel, encodeChange(id));
    },
    async subscribe(topic: string, onChange: (tenantId: TenantId) => void, subscribeOptions: SubscribeOptions = {}) {
      const channel = prefix + checkTopic(topic);
      const subscription: Subscription = { onChange, onLink: subscribeOptions.onLink };
      let subs = channels.get(channel);
      if (subs === undefined) channels.set(channel, (subs = new Set()));
      subs.add(subscription);
      try {
        await subscriber.subscribe(channel);
      } catch (err) {
        subs.delete(subscription);
        if (subs.size === 0) channels.delete(channel);
        throw err;
      }
      return async () => {
        const current = channels.get(channel);
        if (current === undefined || !current.delete(subscription)) return;
        if (current.size > 0) return;
        channels.delete(channel);
        // Disconnected: nothing to tell Redis, and waiting for it could hang a shutdown. Should
        // ioredis resubscribe the channel on reconnect, its messages find no subscription here.
        if (subscriber.status === 'ready') await subscriber.unsubscribe(channel);
      };
    },
    stats: () => ({ received, malformed }),
  } satisfies RedisChangeFeed);
}
