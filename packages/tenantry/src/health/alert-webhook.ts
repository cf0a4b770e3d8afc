// Delivery of alert notifications to a webhook: JSON, HMAC-signed like Tenantry's other
// webhooks (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), a bounded number of
// attempts, failures reported, never thrown: an unreachable receiver must not stop evaluation.
import { systemClock, type Clock } from '../core/index.js';
import { payloadMac } from '../crypto/index.js';
import { healthErrors } from './errors.js';

export interface AlertWebhookOptions {
  readonly url: string;
  /** The receiver checks the signature with it (verifySignature of tenantry/control does). */
  readonly secret: string;
  /** Attempts per notification, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** Wait before retry n is n × this. Default 500 ms. */
  readonly backoffMs?: number;
  /** One attempt's limit. Default 5000 ms. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** Each failed attempt; the last one has `final: true`. */
  readonly onError?: (failure: { readonly attempt: number; readonly final: boolean; readonly error: unknown }) => void;
}

export type AlertWebhook = (payload: Readonly<Record<string, unknown>>) => Promise<boolean>;

/** The header a receiver checks. */
export const ALERT_SIGNATURE_HEADER = 'x-tenantry-signature';

/**
 * A sender that resolves true when the receiver answered 2xx, false after the last failed
 * attempt (each failure goes to `onError`).
 *
 * @example
 * const send = alertWebhook({ url: 'https://ops.example/hooks/tenantry', secret });
 * await send({ type: 'alert.opened', alert });
 */
export function alertWebhook(options: AlertWebhookOptions): AlertWebhook {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: 'webhook.url', reason: 'must be an absolute http(s) URL' } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: 'webhook.url', reason: 'must be an absolute http(s) URL' } });
  if (options.secret.length < 16) throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: 'webhook.secret', reason: 'must have at least 16 characters' } });
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path: 'webhook.maxAttempts', reason: 'must be an integer from 1 to 10' } });
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 5000;
  const clock = options.clock ?? systemClock;

  return async (payload) => {
    const body = JSON.stringify(payload);
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      try {
        // Signed per attempt: the timestamp is when this attempt was sent.
        const t = Math.floor(clock.now().getTime() / 1000);
        const signature = `t=${t},v1=${payloadMac(options.secret, String(t), body).toString('hex')}`;
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [ALERT_SIGNATURE_HEADER]: signature },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        throw new Error(`webhook answered ${res.status}`);
      } catch (error) {
        const final = attempt === maxAttempts;
        options.onError?.({ attempt, final, error });
        if (final) return false;
        if (backoffMs > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs * attempt));
      }
    }
    return false;
  };
}
