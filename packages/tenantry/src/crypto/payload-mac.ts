// The one HMAC construction of Tenantry's signed requests and webhooks: HMAC-SHA256 over
// `<prefix>.<body>`. The Stripe-style header (`t=…,v1=…`, prefix = the timestamp), the Standard
// Webhooks header (prefix = `<message id>.<timestamp>`) and the operators' alert webhook all
// sign with it, so there is a single place where the bytes under the MAC are decided.
import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 under `secret` (a text secret is keyed by its UTF-8 bytes, prefix included) of
 * `prefix`, a dot, then `body`.
 *
 * @example payloadMac(secret, String(unixSeconds), rawBody).toString('hex');
 */
export function payloadMac(secret: string | Uint8Array, prefix: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${prefix}.`, 'utf8').update(body).digest();
}
