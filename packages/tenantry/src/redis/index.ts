// The redis capability: the change feed that tells every instance what changed (docs/settings.md).
export { memoryChangeFeed, checkTopic } from './change-feed.js';
export type { ChangeFeed, ChangeFeedStats, FeedLink, SubscribeOptions } from './change-feed.js';
export { redisChangeFeed } from './drivers/ioredis-change-feed.js';
export type { RedisChangeFeed, RedisChangeFeedOptions } from './drivers/ioredis-change-feed.js';
