// Static serving of the dashboard's build: the SPA fallback for client routes, year-long
// caching of hashed assets only, a problem for a missing asset, and a clear 503 before a build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDashboard } from './dashboard.js';
import { installProblemHandlers } from './problem-handlers.js';

let dir: string;
let build: string;
const INDEX = '<!doctype html><title>dash</title><script type="module" src="/dashboard/assets/index-abc123.js"></script>';

function app(root: string): FastifyInstance {
  const instance = Fastify();
  installProblemHandlers(instance);
  registerDashboard(instance, { root });
  return instance;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tenantry-dashboard-'));
  build = join(dir, 'dist');
  await mkdir(join(build, 'assets'), { recursive: true });
  await writeFile(join(build, 'index.html'), INDEX);
  await writeFile(join(build, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'outside-the-build.txt'), 'secret');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('registerDashboard', () => {
  it('answers index.html, never cached, for the root and for every client route', async () => {
    const server = app(build);
    for (const url of ['/dashboard/', '/dashboard/tenants/2b1c7f0e-0000-4000-8000-000000000000/audit', '/dashboard/analytics']) {
      const res = await server.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(res.body).toBe(INDEX);
    }
    const bare = await server.inject({ url: '/dashboard' });
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/dashboard/');
  });

  // The dashboard sent no Referrer-Policy: its URLs (tenant ids, what an operator looks at)
  // leaked to any site it links to (issue 13).
  it('sends Referrer-Policy: no-referrer with the page, its assets and its redirect', async () => {
    const server = app(build);
    for (const url of ['/dashboard/', '/dashboard/analytics', '/dashboard/assets/index-abc123.js', '/dashboard']) {
      expect((await server.inject({ url })).headers['referrer-policy'], url).toBe('no-referrer');
    }
  });

  // /favicon.ico answered 404 on every page (a console error in each).
  it('answers /favicon.ico with the icon, cached for a day', async () => {
    const res = await app(build).inject({ url: '/favicon.ico' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('image/svg+xml');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.body).toMatch(/^<svg /);
  });

  it('caches hashed assets for a year and answers a missing one with a 404 problem', async () => {
    const server = app(build);
    const asset = await server.inject({ url: '/dashboard/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await server.inject({ url: '/dashboard/assets/index-gone.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    const escape = await server.inject({ url: '/dashboard/assets/..%2f..%2foutside-the-build.txt' });
    expect(escape.statusCode).not.toBe(200);
    expect(escape.body).not.toContain('secret');
  });

  it('answers 503 DASHBOARD_NOT_BUILT as problem+json when the build is missing', async () => {
    const server = app(join(dir, 'no-such-build'));
    for (const url of ['/dashboard/', '/dashboard/tenants', '/dashboard/assets/index-abc123.js']) {
      const res = await server.inject({ url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'DASHBOARD_NOT_BUILT' });
    }
  });
});
