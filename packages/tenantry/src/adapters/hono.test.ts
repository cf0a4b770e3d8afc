// The Hono adapter's own behaviour beyond the conformance suite (tests/conformance): an
// HTTPException the app chose is kept, and server faults are logged by default.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { honoProblemHandler, tenantryHono } from './hono.js';

afterEach(() => vi.restoreAllMocks());

describe('the Hono adapter', () => {
  it('keeps a response the app chose through an HTTPException, such as a 401 with its challenge', async () => {
    const app = new Hono();
    app.onError(honoProblemHandler());
    app.get('/', () => {
      throw new HTTPException(401, { res: new Response('Unauthorized', { status: 401, headers: { 'www-authenticate': 'Basic realm="app"' } }) });
    });
    const res = await app.request('/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="app"');
  });

  it('logs the cause of a server fault with console.error by default', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const app = new Hono();
    app.onError(honoProblemHandler());
    app.use(tenantryHono({ resolver: { resolve: () => Promise.reject(new Error('pool exhausted on db-7')) } }));
    app.get('/', (c) => c.text('never'));
    const res = await app.request('/');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('db-7');
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toMatchObject({ code: 'INTERNAL', cause: { message: 'pool exhausted on db-7' } });
  });
});
