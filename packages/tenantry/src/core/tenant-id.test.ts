// Tenant ids: new ones are UUID v7 and sort by creation; untrusted input becomes a TenantId only
// when it is a real, non-nil UUID, and comes out lower-cased.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTenantryError } from './errors.js';
import { newTenantId, parseTenantId, tryParseTenantId } from './tenant-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
};
const mixCase = (text: string, upper: readonly boolean[]) =>
  [...text].map((ch, i) => (upper[i % Math.max(upper.length, 1)] ? ch.toUpperCase() : ch)).join('');

// Anything that must never become a TenantId.
const INVALID: ReadonlyArray<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['an object', { id: '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f' }],
  ['an array', ['0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f']],
  ['a Buffer', Buffer.from('0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f')],
  ['the empty string', ''],
  ['a slug', 'acme'],
  ['a slug of UUID length', 'acme-corporation-international-inc-x'],
  ['the hex without hyphens', '0190f8a05c3e7b7a9f4e1a2b3c4d5e6f'],
  ['a UUID in braces', '{0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f}'],
  ['a URN', 'urn:uuid:0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f'],
  ['a UUID with a trailing space', '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f '],
  ['a UUID with a leading space', ' 0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f'],
  ['a UUID with a trailing newline', '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f\n'],
  ['a truncated UUID', '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6'],
  ['a UUID one character too long', '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f0'],
  ['a UUID with a non-hex digit', '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6g'],
  ['a UUID with misplaced hyphens', '0190f8a05-c3e-7b7a-9f4e-1a2b3c4d5e6f'],
  ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
  ['the max UUID', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ['the max UUID in upper case', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'],
];

afterEach(() => {
  vi.useRealTimers();
});

describe('newTenantId', () => {
  it('creates a lower-case UUID of version 7 with the RFC 9562 variant', () => {
    for (let i = 0; i < 100; i += 1) expect(newTenantId()).toMatch(UUID_V7);
  });

  it('creates ids that parse as tenant ids unchanged', () => {
    const id = newTenantId();
    expect(parseTenantId(id)).toBe(id);
  });

  it('carries the creation time in its first 48 bits', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Ahead of the real clock: v7 generators never go back in time, so a past instant would
    // be replaced by the last one used.
    const at = Date.now() + 3_600_000;
    vi.setSystemTime(at);
    expect(millisOf(newTenantId())).toBe(at);
  });

  it('sorts ids in creation order, within one millisecond and across milliseconds', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let at = Date.now() + 7_200_000;
    const created: string[] = [];
    for (let step = 0; step < 5; step += 1) {
      vi.setSystemTime(at);
      for (let i = 0; i < 200; i += 1) created.push(newTenantId());
      at += 1;
    }
    expect(new Set(created).size).toBe(created.length);
    expect([...created].sort()).toEqual(created);
  });

  it('keeps sorting by creation when the system clock steps back', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const at = Date.now() + 10_800_000;
    vi.setSystemTime(at);
    const first = newTenantId();
    vi.setSystemTime(at - 5_000);
    const second = newTenantId();
    expect(second > first).toBe(true);
  });
});

describe('parseTenantId', () => {
  it('accepts a UUID of any version in any letter case and returns it lower-cased', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.array(fc.boolean(), { minLength: 1, maxLength: 36 }), (uuid, upper) => {
        fc.pre(uuid !== '00000000-0000-0000-0000-000000000000' && uuid !== 'ffffffff-ffff-ffff-ffff-ffffffffffff');
        expect(parseTenantId(mixCase(uuid, upper))).toBe(uuid.toLowerCase());
      }),
    );
  });

  it('accepts an upper-case v4 id from another system', () => {
    expect(parseTenantId('3F2504E0-4F89-41D3-9A0C-0305E82C3301')).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
  });

  it.each(INVALID)('refuses %s with TENANT_ID_INVALID', (_, value) => {
    const err = thrown(() => parseTenantId(value));
    expect(isTenantryError(err, 'TENANT_ID_INVALID')).toBe(true);
    expect((err as Error & { kind: string }).kind).toBe('invalid');
  });

  it('refuses every string that is not 36 characters long', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }).filter((s) => s.length !== 36), (value) => {
        expect(isTenantryError(thrown(() => parseTenantId(value)), 'TENANT_ID_INVALID')).toBe(true);
      }),
    );
  });

  it('never echoes the rejected value in the error', () => {
    const err = thrown(() => parseTenantId('secret-slug-of-another-tenant')) as Error & { details: object };
    expect(err.message).not.toContain('secret');
    expect(JSON.stringify(err.details)).not.toContain('secret');
  });
});

describe('tryParseTenantId', () => {
  it.each(INVALID)('answers undefined for %s', (_, value) => {
    expect(tryParseTenantId(value)).toBeUndefined();
  });

  it('answers the lower-cased id for a valid UUID', () => {
    expect(tryParseTenantId('0190F8A0-5C3E-7B7A-9F4E-1A2B3C4D5E6F')).toBe('0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f');
  });
});
