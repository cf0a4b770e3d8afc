// The feed's wire format without Redis: what encodeChange writes decodeChange reads back, and
// every malformed message decodes to undefined instead of throwing.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import { checkTopic, decodeChange, encodeChange } from './change-feed.js';

describe('the change message', () => {
  it('round-trips a tenant id', () => {
    const id = randomUUID() as TenantId;
    expect(encodeChange(id)).toBe(JSON.stringify({ v: 1, tenantId: id }));
    expect(decodeChange(encodeChange(id))).toBe(id);
  });

  it.each([
    ['not json'], ['{}'], ['[]'], ['null'], ['"a string"'], ['42'],
    [JSON.stringify({ v: 2, tenantId: randomUUID() })],
    [JSON.stringify({ v: 1, tenantId: 'acme' })],
    [JSON.stringify({ v: 1, tenantId: randomUUID(), extra: true })],
    [JSON.stringify({ v: 1, tenantId: '00000000-0000-0000-0000-000000000000' })],
    [JSON.stringify({ v: 1 })],
    [`{"v":1,"tenantId":"${randomUUID()}"${' '.repeat(200)}}`],
  ])('ignores %s', (message) => {
    expect(decodeChange(message)).toBeUndefined();
  });

  it('never throws, whatever arrives', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json(), fc.anything()), (message) => {
      const decoded = decodeChange(message);
      expect(decoded === undefined || typeof decoded === 'string').toBe(true);
    }));
  });
});

describe('checkTopic', () => {
  it('accepts plain words and refuses anything a channel name or pattern would interpret', () => {
    for (const topic of ['settings', 'flags', 'a.b-c_d']) expect(checkTopic(topic)).toBe(topic);
    for (const topic of ['', 'Settings', 'set*', 'a b', 'x'.repeat(65), 'a\nb', 'a:b', 42]) {
      expect(() => checkTopic(topic)).toThrow(/configuration is invalid/);
    }
  });
});
