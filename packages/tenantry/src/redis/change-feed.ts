// The change feed: "topic X changed for tenant T", told to every server instance, so each can
// drop what it cached for T. The in-process feed serves one instance (and the tests); the
// ioredis one (drivers/ioredis-change-feed.ts) carries the news over Redis pub/sub.
import { coreErrors, tryParseTenantId, type TenantId } from '../core/index.js';

/** What a subscription hears besides changes: the feed's link to the other instances. */
export type FeedLink = 'lost' | 'restored';

export interface SubscribeOptions {
  /**
   * Runs with `'lost'` when messages may be missed from now on (the subscriber connection
   * dropped) and with `'restored'` once the subscription is live again. Pub/sub does not replay
   * what was sent meanwhile, so anything cached from before `'lost'` may be stale: a cache must
   * empty itself and read through to the source until `'restored'`.
   */
  readonly onLink?: (link: FeedLink) => void;
}

export interface ChangeFeed {
  /** Tells every subscriber on every instance that `topic` changed for `tenantId`. */
  publish(topic: string, tenantId: TenantId): Promise<void>;
  /**
   * `onChange` runs for every publish (this instance's too). Resolves once subscribed; returns
   * unsubscribe.
   *
   * @example
   * const stop = await feed.subscribe('settings', (tenantId) => cache.invalidate(tenantId));
   */
  subscribe(topic: string, onChange: (tenantId: TenantId) => void, options?: SubscribeOptions): Promise<() => Promise<void>>;
}

/** What a feed counts: messages that arrived, and those ignored because they were malformed. */
export interface ChangeFeedStats {
  readonly received: number;
  readonly malformed: number;
}

// A topic becomes part of a channel name: a short, plain word keeps channels readable and
// free of anything a pattern subscription or a log line would interpret.
const TOPIC = /^[a-z][a-z0-9._-]{0,63}$/;

/** Returns `topic` or throws CONFIG_INVALID: topics are constants of the code, never input. */
export function checkTopic(topic: unknown): string {
  if (typeof topic !== 'string' || !TOPIC.test(topic)) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'topic', reason: 'a-z, 0-9, ".", "_" or "-", starting with a letter, at most 64 characters' } });
  }
  return topic;
}

// Wire format, versioned so a later format can be told apart: {"v":1,"tenantId":"<uuid>"}.
/** The message published for one change. */
export function encodeChange(tenantId: TenantId): string {
  return JSON.stringify({ v: 1, tenantId });
}

/** The tenant of a received message, or undefined for anything malformed (never throws). */
export function decodeChange(message: unknown): TenantId | undefined {
  if (typeof message !== 'string' || message.length > 200) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { v, tenantId } = value as { v?: unknown; tenantId?: unknown };
  if (v !== 1 || Object.keys(value).length !== 2) return undefined;
  return tryParseTenantId(tenantId);
}

/** Runs every handler, each shielded from the others: one throwing handler must not starve the rest. */
export function deliver(handlers: Iterable<(tenantId: TenantId) => void>, tenantId: TenantId, onError: (err: unknown) => void): void {
  for (const handler of [...handlers]) {
    try {
      handler(tenantId);
    } catch (err) {
      onError(err);
    }
  }
}

/**
 * A feed inside one process: every subscriber of a topic hears every publish, before `publish`
 * resolves. It is the right feed for a single instance; several instances need the Redis one.
 *
 * @example
 * const feed = memoryChangeFeed();
 * const control = createControlPlane({ db, operator, encryption: 'none', changeFeed: feed });
 */
export function memoryChangeFeed(options: { readonly onError?: (err: unknown) => void } = {}): ChangeFeed {
  const topics = new Map<string, Set<(tenantId: TenantId) => void>>();
  const onError = options.onError ?? (() => {});
  return Object.freeze({
    async publish(topic: string, tenantId: TenantId) {
      checkTopic(topic);
      const id = tryParseTenantId(tenantId);
      if (id === undefined) throw coreErrors.create('TENANT_ID_INVALID');
      deliver(topics.get(topic) ?? [], id, onError);
      return Promise.resolve();
    },
    async subscribe(topic: string, onChange: (tenantId: TenantId) => void) {
      checkTopic(topic);
      // A wrapper per call, so subscribing one function twice gives two independent subscriptions.
      const handler = (tenantId: TenantId) => onChange(tenantId);
      let set = topics.get(topic);
      if (set === undefined) topics.set(topic, (set = new Set()));
      set.add(handler);
      return Promise.resolve(async () => {
        set.delete(handler);
        if (set.size === 0 && topics.get(topic) === set) topics.delete(topic);
        return Promise.resolve();
      });
    },
  } satisfies ChangeFeed);
}
