// /readyz with named checks beside PostgreSQL: a check that hangs, throws synchronously or
// rejects makes the probe answer 503 READINESS_CHECK_FAILED naming it, and only that check.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { buildApp } from '../app.js';
import { createLogger } from '../logger.js';
import type { ReadinessCheck } from './health.js';

let t: TestTenantry;
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
});
afterAll(() => t?.close());

async function readyz(checks: readonly ReadinessCheck[]) {
  const app = buildApp({ operator: t.operator, logger: createLogger({ level: 'silent' }), readinessTimeoutMs: 200, readinessChecks: checks });
  try {
    const res = await app.inject({ url: '/readyz' });
    return { status: res.statusCode, body: res.json<{ code?: string; details?: { check?: string } }>() };
  } finally {
    await app.close();
  }
}

describe('/readyz named checks', () => {
  const ok: ReadinessCheck = { name: 'cache', check: async () => 'PONG' };

  it('is ready when every check resolves', async () => {
    expect(await readyz([ok, { ...ok, name: 'queue' }])).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it.each([
    ['rejects', async () => { throw new Error('ECONNREFUSED'); }],
    ['throws synchronously', () => { throw new Error('not connected'); }],
    ['never answers', () => new Promise<never>(() => {})],
  ] as const)('answers 503 naming the check when one %s', async (_how, check) => {
    const res = await readyz([ok, { name: 'redis', check }]);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'READINESS_CHECK_FAILED', details: { check: 'redis' } });
  });
});
