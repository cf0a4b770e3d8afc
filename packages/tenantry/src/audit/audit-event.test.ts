// Audit events: the exact encoding that is hashed (frozen here, so a change cannot slip in
// unnoticed and orphan every stored chain), the time format, and what an append may carry.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError, type TenantId } from '../core/index.js';
import { auditEventHash, auditTime, canonicalAuditEvent, checkAuditEventInput, GENESIS_HASH, type AuditEventContent } from './audit-event.js';
import { errorOf } from '../testing/index.js';

const tenantId = '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f' as TenantId;
const event: AuditEventContent = {
  tenantId,
  seq: 1,
  prevHash: GENESIS_HASH,
  time: '2025-03-01T10:00:00.123000Z',
  actor: 'user:ann',
  action: 'member.invite',
  target: 'member:bob',
  requestId: null,
  details: { role: 'admin', seats: 3 },
};

describe('the canonical encoding of an event', () => {
  it('is the JCS text of every field but the hash, with its type, keys sorted', () => {
    expect(canonicalAuditEvent(event)).toBe(
      '{"action":"member.invite","actor":"user:ann","details":{"role":"admin","seats":3},' +
        `"prevHash":"${GENESIS_HASH}","requestId":null,"seq":1,"target":"member:bob",` +
        '"tenantId":"0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f","time":"2025-03-01T10:00:00.123000Z","type":"tenantry.audit.event/v1"}',
    );
  });

  it('is hashed with SHA-256 over its UTF-8 bytes, in lower-case hex', () => {
    const expected = createHash('sha256').update(Buffer.from(canonicalAuditEvent(event), 'utf8')).digest('hex');
    expect(auditEventHash(event)).toBe(expected);
    expect(auditEventHash(event)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores a hash field given with the content (a hash never covers itself)', () => {
    expect(auditEventHash({ ...event, hash: 'x' } as AuditEventContent)).toBe(auditEventHash(event));
  });

  it('changes when any field changes', () => {
    const fields = fc.constantFrom('tenantId', 'seq', 'prevHash', 'time', 'actor', 'action', 'target', 'requestId', 'details');
    fc.assert(
      fc.property(fields, fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue())), (field, value) => {
        fc.pre(JSON.stringify(value) !== JSON.stringify((event as unknown as Record<string, unknown>)[field]));
        expect(auditEventHash({ ...event, [field]: value })).not.toBe(auditEventHash(event));
      }),
    );
  });
});

describe('auditTime', () => {
  it('writes UTC with six fractional digits, the precision timestamptz keeps', () => {
    expect(auditTime(new Date('2025-03-01T10:00:00.123Z'))).toBe('2025-03-01T10:00:00.123000Z');
    expect(auditTime(new Date(0))).toBe('1970-01-01T00:00:00.000000Z');
  });

  it.each([['an invalid Date', new Date(Number.NaN)], ['year 10000', new Date('+010000-01-01T00:00:00Z')], ['year 0', new Date('0000-01-01T00:00:00Z')]])(
    'refuses %s with AUDIT_EVENT_INVALID',
    (_, date) => {
      expect(isTenantryError(errorOf(() => auditTime(date)), 'AUDIT_EVENT_INVALID')).toBe(true);
    },
  );
});

describe('checkAuditEventInput', () => {
  it('fills absent target and request id with null and details with {}', () => {
    expect(checkAuditEventInput({ actor: 'system', action: 'job.run' })).toEqual({
      actor: 'system', action: 'job.run', target: null, requestId: null, details: {}, detailsJson: '{}',
    });
  });

  it('keeps details as jsonb will give them back, and their canonical text', () => {
    const checked = checkAuditEventInput({ actor: 'a', action: 'x.y', details: { b: -0, a: [1.5, 'é'] } });
    expect(checked.detailsJson).toBe('{"a":[1.5,"é"],"b":0}');
    expect(Object.is(checked.details.b, 0)).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['a missing actor', { action: 'x.y' }, 'actor'],
    ['an empty actor', { actor: '', action: 'x.y' }, 'actor'],
    ['an actor of 257 characters', { actor: 'a'.repeat(257), action: 'x.y' }, 'actor'],
    ['an actor with U+0000', { actor: 'a\u0000', action: 'x.y' }, 'actor'],
    ['an upper-case action', { actor: 'a', action: 'Member.Invite' }, 'action'],
    ['an action with a space', { actor: 'a', action: 'member invite' }, 'action'],
    ['an action of 129 characters', { actor: 'a', action: `a${'b'.repeat(128)}` }, 'action'],
    ['a target of 513 characters', { actor: 'a', action: 'x', target: 't'.repeat(513) }, 'target'],
    ['a numeric request id', { actor: 'a', action: 'x', requestId: 42 }, 'requestId'],
    ['details that are an array', { actor: 'a', action: 'x', details: [1] }, 'details'],
    ['details holding a Date', { actor: 'a', action: 'x', details: { at: new Date() } }, 'details'],
    ['details over 64 KiB', { actor: 'a', action: 'x', details: { blob: 'x'.repeat(65_536) } }, 'details'],
    ['an unknown field (a typo must not be dropped silently)', { actor: 'a', action: 'x', detail: {} }, 'detail'],
    ['a time (the log sets it)', { actor: 'a', action: 'x', time: 'now' }, 'time'],
    ['null', null, 'event'],
  ])('refuses %s with AUDIT_EVENT_INVALID naming the field', (_, input, field) => {
    const err = errorOf(() => checkAuditEventInput(input));
    expect(isTenantryError(err, 'AUDIT_EVENT_INVALID')).toBe(true);
    expect((err as { details: { field: string } }).details.field).toBe(field);
  });
});
