// HMAC-signed requests and webhooks: the header `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
// `<t>.<raw body>`, verified in constant time within a replay window. Pure; the per-tenant
// secrets are signing-secrets.ts. (The format is the widely implemented Stripe-style one, so
// receivers in any language can check it with a few lines.)
import { timingSafeEqual } from 'node:crypto';
import { payloadMac } from '../crypto/index.js';
import { controlErrors } from './errors.js';

/** Why a signature was refused. */
export type SignatureRefusal = 'missing' | 'malformed' | 'too-old' | 'too-new' | 'mismatch';

export type SignatureVerdict =
  | { readonly valid: true; readonly timestamp: number; /** Index in `secrets` of the secret that matched. */ readonly secretIndex: number }
  | { readonly valid: false; readonly reason: SignatureRefusal };

export interface VerifySignatureOptions {
  /** How far the signed time may be from `now`, either way. Default 300 (5 minutes). */
  readonly toleranceSec?: number;
  /** Default: the current time. */
  readonly now?: Date;
}

const MAX_HEADER = 2048;
const MAX_SIGNATURES = 8;
const HEX_MAC = /^[0-9a-f]{64}$/;

function unixSeconds(at: Date | number): number {
  const ms = at instanceof Date ? at.getTime() : at * 1000;
  if (!Number.isFinite(ms)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'timestamp', reason: 'not a valid time' } });
  return Math.floor(ms / 1000);
}

function mac(secret: string | Uint8Array, timestamp: number, body: string | Uint8Array): Buffer {
  return payloadMac(secret, String(timestamp), body);
}

/**
 * The signature header for `body` sent at `timestamp` (a Date, or Unix seconds).
 *
 * @example
 * const header = signPayload(secret, new Date(), rawBody); // 't=1735689600,v1=5f2b…'
 */
export function signPayload(secret: string | Uint8Array, timestamp: Date | number, body: string | Uint8Array): string {
  if (secret.length === 0) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'secret', reason: 'must not be empty' } });
  const t = unixSeconds(timestamp);
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | undefined {
  if (header.length > MAX_HEADER) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 1) return undefined;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!HEX_MAC.test(value) || signatures.length >= MAX_SIGNATURES) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, a future v2) are ignored, so senders can add one without breaking us.
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/**
 * Checks a signature header against the raw body with any of `secrets` (the current one and
 * those in their grace period after a rotation). Refuses a timestamp more than `toleranceSec`
 * from `now` in either direction: a captured request cannot be replayed later (within the
 * window it can: make handlers idempotent, or remember the signatures seen). Every comparison
 * is constant-time and every secret is tried.
 *
 * @example
 * const verdict = verifySignature(secrets.map((s) => s.secret), req.headers['tenantry-signature'], rawBody, { now: clock.now() });
 * if (!verdict.valid) throw controlErrors.create('SIGNATURE_INVALID', { details: { reason: verdict.reason } });
 */
export function verifySignature(
  secrets: readonly (string | Uint8Array)[],
  header: string | undefined,
  body: string | Uint8Array,
  options: VerifySignatureOptions = {},
): SignatureVerdict {
  const toleranceSec = options.toleranceSec ?? 300;
  if (!Number.isInteger(toleranceSec) || toleranceSec < 0) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'toleranceSec', reason: 'a whole number of seconds, 0 or more' } });
  if (header === undefined || header === '') return { valid: false, reason: 'missing' };
  const parsed = typeof header === 'string' ? parseHeader(header) : undefined;
  if (!parsed) return { valid: false, reason: 'malformed' };
  const now = unixSeconds(options.now ?? new Date());
  if (parsed.timestamp < now - toleranceSec) return { valid: false, reason: 'too-old' };
  if (parsed.timestamp > now + toleranceSec) return { valid: false, reason: 'too-new' };
  let matched = -1;
  secrets.forEach((secret, index) => {
    if (secret.length === 0) return;
    const expected = mac(secret, parsed.timestamp, body);
    for (const signature of parsed.signatures) {
      if (timingSafeEqual(expected, signature) && matched < 0) matched = index;
    }
  });
  return matched < 0 ? { valid: false, reason: 'mismatch' } : { valid: true, timestamp: parsed.timestamp, secretIndex: matched };
}

/**
 * {@link verifySignature} that throws SIGNATURE_INVALID (with `details.reason`) instead of
 * returning a refusal.
 *
 * @example requireValidSignature(secrets, header, rawBody, { now: clock.now() });
 */
export function requireValidSignature(
  secrets: readonly (string | Uint8Array)[],
  header: string | undefined,
  body: string | Uint8Array,
  options: VerifySignatureOptions = {},
): number {
  const verdict = verifySignature(secrets, header, body, options);
  if (!verdict.valid) throw controlErrors.create('SIGNATURE_INVALID', { details: { reason: verdict.reason } });
  return verdict.timestamp;
}

/** The three headers of a Standard Webhooks message (https://www.standardwebhooks.com/). */
export type StandardWebhookHeaders = Readonly<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>>;

const MESSAGE_ID = /^[\x21-\x7e]{1,100}$/;

/**
 * Signs a webhook in the Standard Webhooks format: `webhook-signature` holds `v1,<base64
 * HMAC-SHA256 of "<id>.<timestamp>.<body>">` once per secret, space-separated. Pass the current
 * secret and, during a rotation's grace period, the retiring one: a receiver that has either
 * verifies the message, so it can switch secrets without a gap.
 *
 * @example
 * const headers = signStandardWebhook([current, retiring], delivery.eventId, clock.now(), body);
 */
export function signStandardWebhook(secrets: readonly (string | Uint8Array)[], messageId: string, timestamp: Date | number, body: string | Uint8Array): StandardWebhookHeaders {
  if (!MESSAGE_ID.test(messageId)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'messageId', reason: '1–100 printable ASCII characters, no spaces' } });
  if (secrets.length === 0 || secrets.some((secret) => secret.length === 0)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'secret', reason: 'at least one, none empty' } });
  const t = unixSeconds(timestamp);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(t),
    'webhook-signature': secrets.map((secret) => `v1,${payloadMac(secret, `${messageId}.${t}`, body).toString('base64')}`).join(' '),
  };
}

/**
 * Checks a Standard Webhooks message (what a receiver does): the timestamp within
 * `toleranceSec` of `now`, and any `v1` signature matching under any of `secrets`, compared in
 * constant time.
 *
 * @example
 * const verdict = verifyStandardWebhook([secret], { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] }, rawBody);
 */
export function verifyStandardWebhook(
  secrets: readonly (string | Uint8Array)[],
  headers: { readonly id: string | undefined; readonly timestamp: string | undefined; readonly signature: string | undefined },
  body: string | Uint8Array,
  options: VerifySignatureOptions = {},
): SignatureVerdict {
  const { id, timestamp, signature } = headers;
  if (id === undefined || timestamp === undefined || signature === undefined || signature === '') return { valid: false, reason: 'missing' };
  if (!MESSAGE_ID.test(id) || !/^\d{1,12}$/.test(timestamp) || signature.length > MAX_HEADER) return { valid: false, reason: 'malformed' };
  const t = Number(timestamp);
  const now = unixSeconds(options.now ?? new Date());
  const toleranceSec = options.toleranceSec ?? 300;
  if (t < now - toleranceSec) return { valid: false, reason: 'too-old' };
  if (t > now + toleranceSec) return { valid: false, reason: 'too-new' };
  const given = signature.split(' ').filter((part) => part.startsWith('v1,')).slice(0, MAX_SIGNATURES).map((part) => Buffer.from(part.slice(3), 'base64'));
  if (given.length === 0) return { valid: false, reason: 'malformed' };
  let matched = -1;
  secrets.forEach((secret, index) => {
    if (secret.length === 0) return;
    const expected = payloadMac(secret, `${id}.${t}`, body);
    for (const candidate of given) {
      if (candidate.length === expected.length && timingSafeEqual(expected, candidate) && matched < 0) matched = index;
    }
  });
  return matched < 0 ? { valid: false, reason: 'mismatch' } : { valid: true, timestamp: t, secretIndex: matched };
}
