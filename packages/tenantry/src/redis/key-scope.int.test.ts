// Key scoping against a real Redis: its SCAN MATCH sees a tenant's keys and no other tenant's,
// and the memory driver's glob matcher agrees with Redis's on random patterns and keys.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RECOMMENDED_IOREDIS_OPTIONS } from './drivers/ioredis.js';
import { globMatch } from './glob.js';
import { keysFor } from './key-scope.js';

const redisUrl = inject('redisUrl');
const prefix = `test-keys-${randomBytes(5).toString('hex')}`;
let client: Redis;

async function scanAll(pattern: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) found.add(key);
  } while (cursor !== '0');
  return [...found].sort();
}

const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom(':', '*', '?', '[', ']', '{', '}', '\\', '\n', '%', '^', '-', 'a', 'b'), maxLength: 6 }),
  fc.constantFrom('', 'a:b', '*', '{x}', '\n', '\\', 'é'),
);

describe.skipIf(!redisUrl)(`key scoping on Redis${redisUrl ? '' : ' (SKIPPED: no Redis reachable at REDIS_URL)'}`, () => {
  beforeAll(() => {
    client = new Redis(redisUrl, { ...RECOMMENDED_IOREDIS_OPTIONS, enableOfflineQueue: true, commandTimeout: 5000 });
  });
  afterAll(async () => {
    const left = await scanAll(`${prefix}*`);
    if (left.length > 0) await client.unlink(...left);
    await client.quit();
  });

  it("SCAN MATCH with a tenant's pattern returns exactly that tenant's keys", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(nasty.filter((s) => s !== ''), { minLength: 2, maxLength: 6 }), fc.array(fc.array(nasty, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }), async (tenants, keyParts) => {
        const space = `${prefix}-${randomBytes(4).toString('hex')}`;
        const written = new Map<string, Set<string>>();
        for (const tenant of tenants) {
          const keys = keysFor(tenant, { prefix: space });
          const mine = new Set(keyParts.map((p) => keys.key(...(p as [string, ...string[]]))));
          written.set(tenant, mine);
          for (const key of mine) await client.set(key, tenant, 'PX', 60_000);
        }
        for (const tenant of tenants) {
          expect(await scanAll(keysFor(tenant, { prefix: space }).pattern())).toEqual([...(written.get(tenant) ?? [])].sort());
        }
      }),
      { numRuns: 25 },
    );
  });

  it("the memory driver's glob matcher answers as Redis's SCAN MATCH does", async () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', '-', '*', '?', '[', ']', '^', '\\', ':');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: alphabet, maxLength: 7 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '*', '?', '[', ']', '^', '\\', ':'), minLength: 1, maxLength: 6 }), async (pattern, text) => {
        const space = `${prefix}-g${randomBytes(4).toString('hex')}|`;
        await client.set(space + text, '1', 'PX', 60_000);
        // The space is literal (no glob characters), so only this key can match.
        const redisSays = (await scanAll(space + pattern)).includes(space + text);
        expect(globMatch(space + pattern, space + text)).toBe(redisSays);
      }),
      { numRuns: 300 },
    );
  });
});
