// Usage alerts as signed webhooks: a POST of the alert as JSON with the `tenantry-signature`
// header of request-signature.ts (HMAC-SHA256 over `<t>.<body>`), so the receiver verifies it with
// verifySignature and the same secret. Plugs into the quota capability as its AlertSender.
import type { AlertSender, UsageAlert } from '../quota/index.js';
import { systemClock, type Clock } from '../core/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { controlErrors } from './errors.js';
import { signPayload } from './request-signature.js';

export interface AlertWebhookOptions {
  /** Where to POST (http or https). */
  readonly url: string;
  /** The HMAC secret the receiver verifies with (at least 32 characters). */
  readonly secret: string;
  /** Default 5000. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

/** The JSON body of a usage-alert webhook. */
export function alertWebhookBody(alert: UsageAlert): string {
  return JSON.stringify({
    type: 'usage.alert', id: alert.id, tenantId: alert.tenantId, meter: alert.meter, period: alert.period,
    alert: alert.alert, used: alert.used, limit: alert.limit, createdAt: alert.createdAt.toISOString(),
  });
}

/**
 * An AlertSender that POSTs each alert, signed; anything but a 2xx answer is a failed delivery
 * (the quota capability tries it again later; receivers deduplicate by `id`).
 *
 * @example
 * const send = createAlertWebhook({ url: 'https://billing.example.com/hooks/usage', secret });
 * await db.withTenant(tenantId, (scope) => quotas.deliverAlerts(scope, send));
 */
export function createAlertWebhook(options: AlertWebhookOptions): AlertSender {
  checkKnownKeys(options, ['url', 'secret', 'timeoutMs', 'clock'], '');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'url', reason: 'not a URL' } });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'url', reason: 'must be http or https' } });
  if (typeof options.secret !== 'string' || options.secret.length < 32) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'secret', reason: 'at least 32 characters' } });
  const timeoutMs = integerOption(options.timeoutMs, 5000, 100, 60_000, 'timeoutMs');
  const clock = options.clock ?? systemClock;
  const { secret } = options;
  return async (alert) => {
    const body = alertWebhookBody(alert);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tenantry-signature': signPayload(secret, clock.now(), body) },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drained so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`usage alert webhook answered ${response.status}`);
  };
}
