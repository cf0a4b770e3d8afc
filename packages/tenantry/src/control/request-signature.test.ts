// Signed requests and webhooks: the header format, the replay window, rotation (several
// secrets), and refusal of any change to the body, the timestamp or the signature.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError } from '../core/index.js';
import { requireValidSignature, signPayload, signStandardWebhook, verifySignature, verifyStandardWebhook } from './request-signature.js';

const secret = 'tnt_sig_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const other = 'tnt_sig_ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgf';
const at = new Date('2026-03-01T12:00:00.900Z');
const t = Math.floor(at.getTime() / 1000);
const body = '{"event":"member.added","id":"m_1"}';

describe('signPayload', () => {
  it('writes t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, which any receiver can recompute', () => {
    const header = signPayload(secret, at, body);
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(header).toBe(`t=${t},v1=${expected}`);
    expect(signPayload(secret, t, Buffer.from(body))).toBe(header);
  });

  it('refuses an empty secret', () => {
    expect(() => signPayload('', at, body)).toThrow();
  });
});

describe('verifySignature', () => {
  const now = new Date(at.getTime() + 10_000);

  it('accepts a fresh signature and says which secret matched', () => {
    const header = signPayload(secret, at, body);
    expect(verifySignature([secret], header, body, { now })).toEqual({ valid: true, timestamp: t, secretIndex: 0 });
    expect(verifySignature([other, secret], header, body, { now })).toEqual({ valid: true, timestamp: t, secretIndex: 1 });
  });

  it('accepts a header carrying signatures under the new and the previous secret (a sender mid-rotation)', () => {
    const header = `${signPayload(other, at, body)},v1=${signPayload(secret, at, body).split('v1=')[1] ?? ''}`;
    expect(verifySignature([secret], header, body, { now })).toMatchObject({ valid: true });
  });

  it('refuses a timestamp outside the window, in either direction, and accepts its edges', () => {
    const header = signPayload(secret, at, body);
    const after = (seconds: number) => new Date((t + seconds) * 1000);
    expect(verifySignature([secret], header, body, { now: after(300), toleranceSec: 300 })).toMatchObject({ valid: true });
    expect(verifySignature([secret], header, body, { now: after(301), toleranceSec: 300 })).toEqual({ valid: false, reason: 'too-old' });
    expect(verifySignature([secret], header, body, { now: after(-300), toleranceSec: 300 })).toMatchObject({ valid: true });
    expect(verifySignature([secret], header, body, { now: after(-301), toleranceSec: 300 })).toEqual({ valid: false, reason: 'too-new' });
  });

  it.each([
    ['no header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['no timestamp', `v1=${'a'.repeat(64)}`, 'malformed'],
    ['no signature', `t=${t}`, 'malformed'],
    ['two timestamps', `t=${t},t=${t},v1=${'a'.repeat(64)}`, 'malformed'],
    ['a short signature', `t=${t},v1=${'a'.repeat(63)}`, 'malformed'],
    ['a negative timestamp', `t=-${t},v1=${'a'.repeat(64)}`, 'malformed'],
    ['a fractional timestamp', `t=${t}.5,v1=${'a'.repeat(64)}`, 'malformed'],
    ['an oversized header', `t=${t},v1=${'a'.repeat(64)},x=${'y'.repeat(3000)}`, 'malformed'],
    ['a wrong signature', `t=${t},v1=${'a'.repeat(64)}`, 'mismatch'],
  ])('refuses %s', (_, header, reason) => {
    expect(verifySignature([secret], header, body, { now: at })).toEqual({ valid: false, reason });
  });

  it('ignores other schemes beside v1, so a sender can add one', () => {
    const header = `v0=abc,${signPayload(secret, at, body)},v9=zzz`;
    expect(verifySignature([secret], header, body, { now: at })).toMatchObject({ valid: true });
  });

  it('refuses every change to the body', () => {
    const header = signPayload(secret, at, body);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (changed) => {
        fc.pre(changed !== body);
        expect(verifySignature([secret], header, changed, { now: at })).toEqual({ valid: false, reason: 'mismatch' });
      }),
    );
  });

  it('refuses every change to the timestamp or a hex digit of the signature', () => {
    const header = signPayload(secret, at, body);
    const mac = header.split('v1=')[1] as string;
    fc.assert(
      fc.property(fc.integer({ min: -299, max: 299 }), fc.nat(63), fc.constantFrom(...'0123456789abcdef'), (shift, index, digit) => {
        if (shift !== 0) expect(verifySignature([secret], `t=${t + shift},v1=${mac}`, body, { now: at })).toEqual({ valid: false, reason: 'mismatch' });
        const changed = mac.slice(0, index) + digit + mac.slice(index + 1);
        if (changed !== mac) expect(verifySignature([secret], `t=${t},v1=${changed}`, body, { now: at })).toEqual({ valid: false, reason: 'mismatch' });
      }),
    );
  });

  it('refuses a signature made with another secret, or when no secret is given', () => {
    const header = signPayload(other, at, body);
    expect(verifySignature([secret], header, body, { now: at })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature([], header, body, { now: at })).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('throws SIGNATURE_INVALID with the reason through requireValidSignature', () => {
    expect(requireValidSignature([secret], signPayload(secret, at, body), body, { now: at })).toBe(t);
    try {
      requireValidSignature([secret], signPayload(secret, at, body), `${body} `, { now: at });
      expect.unreachable();
    } catch (err) {
      expect(isTenantryError(err, 'SIGNATURE_INVALID')).toBe(true);
      expect((err as { details: unknown }).details).toEqual({ reason: 'mismatch' });
    }
  });
});

describe('Standard Webhooks signatures', () => {
  // The specification's own example (standard-webhooks/spec, "Signature scheme"): the secret is
  // the base64 after `whsec_`, keyed as bytes.
  const specSecret = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
  const specBody = '{"test": 2432232314}';

  it('produce the specification\'s example signature', () => {
    const headers = signStandardWebhook([specSecret], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, specBody);
    expect(headers).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });

  it('verify under any of the secrets signed with, and refuse a change to id, time or body', () => {
    const h = signStandardWebhook([secret, other], 'msg_1', at, 'body');
    const parts = { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] };
    expect(verifyStandardWebhook([other], parts, 'body', { now: at })).toMatchObject({ valid: true, secretIndex: 0 });
    expect(verifyStandardWebhook([secret], parts, 'body', { now: at })).toMatchObject({ valid: true });
    expect(verifyStandardWebhook([secret], { ...parts, id: 'msg_2' }, 'body', { now: at })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyStandardWebhook([secret], { ...parts, timestamp: String(t + 1) }, 'body', { now: at })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyStandardWebhook([secret], parts, 'bodY', { now: at })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyStandardWebhook([secret], parts, 'body', { now: new Date(at.getTime() + 301_000) })).toEqual({ valid: false, reason: 'too-old' });
    expect(verifyStandardWebhook([secret], { ...parts, signature: undefined }, 'body', { now: at })).toEqual({ valid: false, reason: 'missing' });
  });
});
