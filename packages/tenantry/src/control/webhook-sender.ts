// One HTTP POST of a webhook, through the SSRF guard (webhook-target.ts): node:http(s) rather
// than fetch, because only a socket's own `lookup` can check the address actually connected to.
// Never follows redirects (a 3xx is a failed attempt: a redirect could point anywhere).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkLiteralTarget, guardedLookup, type PrivateTargets } from './webhook-target.js';

export interface WebhookPostOptions {
  readonly timeoutMs: number;
  readonly privateTargets: PrivateTargets;
}

/** The receiver's status code; rejects on a refused target, a network error or the timeout. */
export function postWebhook(target: string, headers: Readonly<Record<string, string>>, body: string, options: WebhookPostOptions): Promise<number> {
  const url = new URL(target);
  checkLiteralTarget(url, options.privateTargets);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'tenantry-webhooks' },
      lookup: guardedLookup(url.href, options.privateTargets),
      // The whole attempt, connection and answer included (the socket's idle timeout alone would
      // let a receiver that trickles bytes hold the worker for ever).
      signal: AbortSignal.timeout(options.timeoutMs),
      agent: false,
    }, (res: IncomingMessage) => {
      // Only the status matters; the body is drained (and not kept) so the socket closes cleanly.
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', (err: Error) => reject(err.name === 'AbortError' || err.name === 'TimeoutError' ? new Error(`timed out after ${options.timeoutMs} ms`) : err));
    req.end(body);
  });
}
