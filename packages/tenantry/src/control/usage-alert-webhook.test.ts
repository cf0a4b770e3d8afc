// The usage-alert webhook against a real local HTTP server: the receiver gets the alert as JSON
// with a signature it verifies with the shared secret, and a non-2xx answer is a failed delivery.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantId } from '../core/index.js';
import type { UsageAlert } from '../quota/index.js';
import { verifySignature } from './request-signature.js';
import { createAlertWebhook } from './usage-alert-webhook.js';
import { errorOf } from '../testing/index.js';

const SECRET = 'whsec_0123456789abcdef0123456789abcdef';
let server: Server;
let url = '';
let status = 204;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/usage`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const alert: UsageAlert = {
  id: '7d1c1d8e-6f2e-4a4b-9a55-0d6f4c9a1b2c', tenantId: '4b0e2c55-1c8e-4c1b-9a7e-3b6a5d4c3b2a' as TenantId, meter: 'apiCalls',
  period: '2026-11', alert: 'limit_80', used: 80, limit: 100, createdAt: new Date('2026-11-27T10:00:00Z'),
};

describe('createAlertWebhook', () => {
  it('POSTs the alert as JSON, signed so the receiver can verify it', async () => {
    const now = new Date('2026-11-27T10:00:05Z');
    await createAlertWebhook({ url, secret: SECRET, clock: { now: () => now } })(alert);
    const [got] = received.splice(0);
    expect(JSON.parse(got?.body ?? '')).toEqual({ type: 'usage.alert', ...alert, createdAt: '2026-11-27T10:00:00.000Z' });
    expect(got?.headers['content-type']).toBe('application/json');
    const signature = String(got?.headers['tenantry-signature']);
    expect(verifySignature([SECRET], signature, got?.body ?? '', { now })).toMatchObject({ valid: true });
    expect(verifySignature(['another-secret-another-secret-xx'], signature, got?.body ?? '', { now })).toMatchObject({ valid: false, reason: 'mismatch' });
  });

  it('fails the delivery when the receiver does not answer 2xx', async () => {
    status = 500;
    try {
      await expect(createAlertWebhook({ url, secret: SECRET })(alert)).rejects.toThrow(/500/);
    } finally {
      status = 204;
    }
  });

  it('refuses a short secret or a non-HTTP URL at construction', () => {
    expect(errorOf(() => createAlertWebhook({ url, secret: 'short' }))).toMatchObject({ code: 'CONTROL_FIELD_INVALID', details: { field: 'secret' } });
    expect(errorOf(() => createAlertWebhook({ url: 'ftp://example.com', secret: SECRET }))).toMatchObject({ details: { field: 'url' } });
  });
});
