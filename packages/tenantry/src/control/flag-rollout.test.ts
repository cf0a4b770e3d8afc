// The rollout bucket: the same tenant gets the same answer every time, and across many tenants
// a p % rollout reaches about p % of them, independently per flag.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rolloutBucket, ROLLOUT_BUCKETS } from './flag-rollout.js';

describe('rolloutBucket', () => {
  it('gives a tenant the same bucket for a flag every time, within range', () => {
    fc.assert(fc.property(fc.uuid(), fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/), (tenantId, key) => {
      const bucket = rolloutBucket(key, tenantId);
      expect(rolloutBucket(key, tenantId)).toBe(bucket);
      expect(Number.isInteger(bucket) && bucket >= 0 && bucket < ROLLOUT_BUCKETS).toBe(true);
    }));
  });

  it('is pinned: a change of the hash would move tenants in and out of running rollouts', () => {
    expect([rolloutBucket('new-editor', '0190a5e2-7c3b-7d4e-8f00-000000000001'), rolloutBucket('beta', '0190a5e2-7c3b-7d4e-8f00-000000000001')])
      .toMatchInlineSnapshot(`
        [
          4205,
          3415,
        ]
      `);
  });

  it('spreads tenants uniformly: each tenth of the buckets gets about a tenth of 20,000 tenants', () => {
    const counts = new Array<number>(10).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i += 1) counts[Math.floor(rolloutBucket('new-editor', randomUUID()) / 1000)]! += 1;
    // Binomial(20000, 0.1): sd ≈ 42; ±250 is ~6 sd, never hit by chance.
    for (const c of counts) expect(Math.abs(c - n / 10)).toBeLessThan(250);
  });

  it('enables about p % of sequential (UUID v7-like) ids too, and picks different tenants per flag', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `0190a5e2-7c3b-7d4e-8f00-${i.toString(16).padStart(12, '0')}`);
    const inA = ids.filter((id) => rolloutBucket('flag-a', id) < 25 * 100);
    const inB = new Set(ids.filter((id) => rolloutBucket('flag-b', id) < 25 * 100));
    expect(Math.abs(inA.length - 2500)).toBeLessThan(200);
    // Independent flags: about a quarter of A's tenants are in B, not all (or none) of them.
    const both = inA.filter((id) => inB.has(id)).length;
    expect(Math.abs(both - 625)).toBeLessThan(120);
  });
});
