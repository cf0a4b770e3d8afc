// The Express adapter's own behaviour beyond the conformance suite (tests/conformance): its
// default logging of server faults.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { coreErrors } from '../core/index.js';
import { expressProblemHandler, tenantryExpress } from './express.js';

afterEach(() => vi.restoreAllMocks());

async function get(app: express.Express): Promise<{ status: number; text: string }> {
  const server = await new Promise<ReturnType<express.Express['listen']>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: res.status, text: await res.text() };
  } finally {
    server.close();
  }
}

describe('the Express adapter', () => {
  it('logs the cause of a server fault with console.error by default, and says nothing of a refusal', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const crashing = express();
    crashing.use(tenantryExpress({ resolver: { resolve: () => Promise.reject(new Error('pool exhausted on db-7')) } }));
    crashing.use(expressProblemHandler());
    const res = await get(crashing);
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('db-7');
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toMatchObject({ code: 'INTERNAL', cause: { message: 'pool exhausted on db-7' } });

    const refusing = express();
    refusing.use(tenantryExpress({ resolver: { resolve: () => Promise.reject(coreErrors.create('TENANT_NOT_FOUND')) } }));
    expect((await get(refusing)).status).toBe(404);
    expect(logged).toHaveBeenCalledTimes(1);
  });
});
