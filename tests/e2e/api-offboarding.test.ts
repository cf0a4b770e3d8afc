// Bug (issue 14): an offboarding tenant's requests answered 503 (which tells clients to retry)
// and logged a stack trace at error level. They now answer 409 TENANT_NOT_ACTIVE, without
// Retry-After, logged as a refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../packages/server/src/logger.js';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
const lines: { level: number; msg: string; code?: string }[] = [];
let tenant: string;
let ownerToken: string;
let key: string;
beforeAll(async () => {
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) } });
  api = await startApiServer(1, { logger });
  tenant = api.t.tenants[0]!.id;
  ownerToken = await api.member(tenant, 'owner-a', 'owner');
  key = await api.apiKey(tenant, ['members:read']);
  expect((await api.request('POST', `/v1/tenants/${tenant}/offboard`, { token: api.operatorToken })).body).toMatchObject({ status: 'offboarding' });
});
afterAll(() => api?.close());

describe('an offboarding tenant', () => {
  it('gets 409 TENANT_NOT_ACTIVE (not retryable) on its routes, logged as a refusal without a stack', async () => {
    lines.length = 0;
    for (const call of [{ token: ownerToken }, { apiKey: key }]) {
      const res = await fetch(`${api.url}/v1/tenant/members`, {
        headers: 'token' in call ? { authorization: `Bearer ${call.token}` } : { 'x-api-key': call.apiKey },
      });
      expect(res.status).toBe(409);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'TENANT_NOT_ACTIVE', status: 409 });
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'request refused' && l.code === 'TENANT_NOT_ACTIVE')).toHaveLength(2);
  });
});
