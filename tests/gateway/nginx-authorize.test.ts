// GET /v1/authorize behind a real nginx (Debian's, started here with its own configuration on a
// loopback port) in front of a tiny upstream that echoes the headers it received: a request
// with a tenant's credential reaches the upstream with that tenant's X-Tenant-* headers, headers
// the client forged are replaced, and a request without a valid credential, for another tenant
// or from a non-member never reaches the upstream. The rate limit's 429 is checked on the
// endpoint itself (nginx's auth_request turns any status but 2xx, 401 and 403 into a 500).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, memoryStore } from 'tenantry/redis';
import { freePort, owned, type OwnedProcess } from '../support/processes.js';
import { startApiServer, type ApiServer } from '../e2e/support/api-server.js';

const NGINX = '/usr/sbin/nginx';
const hasNginx = existsSync(NGINX);
const RATE = { perMinute: 60, burst: 3 };

let api: ApiServer;
let upstream: Server;
let nginx: OwnedProcess;
let dir: string;
let gateway: string;
const reached: IncomingHttpHeaders[] = [];
let keyA: string;
let keyB: string;
let tenantA: { id: string; slug: string; plan: string };
let tenantB: { id: string; slug: string; plan: string };

function config(port: number, apiPort: number, upstreamPort: number): string {
  return `
daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    # The subrequest: the client's headers go along (its credential); no body.
    location = /_tenantry_authorize {
      internal;
      proxy_pass http://127.0.0.1:${apiPort}/v1/authorize;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
    location / {
      auth_request /_tenantry_authorize;
      auth_request_set $tenant_id $upstream_http_x_tenant_id;
      auth_request_set $tenant_slug $upstream_http_x_tenant_slug;
      auth_request_set $tenant_plan $upstream_http_x_tenant_plan;
      auth_request_set $tenant_principal $upstream_http_x_tenant_principal;
      # Set from Tenantry's answer: whatever the client sent under these names is replaced.
      proxy_set_header X-Tenant-Id $tenant_id;
      proxy_set_header X-Tenant-Slug $tenant_slug;
      proxy_set_header X-Tenant-Plan $tenant_plan;
      proxy_set_header X-Tenant-Principal $tenant_principal;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
  }
}
`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of unknown shape, checked with expect()
async function through(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(gateway + path, { headers });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe.skipIf(!hasNginx)(`the gateway endpoint behind nginx${hasNginx ? '' : ' (SKIPPED: no nginx at /usr/sbin/nginx; apt-get install nginx)'}`, () => {
  beforeAll(async () => {
    const limiter = createRateLimiter({ store: memoryStore(), onUnavailable: 'open' });
    // Only the third tenant is limited (used by the rate-limit test alone).
    api = await startApiServer(3, { rateLimit: { limiter, limitFor: (tenant) => (tenant.id === api.t.tenants[2]?.id ? RATE : undefined) } });
    [tenantA, tenantB] = api.t.tenants as unknown as [typeof tenantA, typeof tenantB];
    keyA = await api.apiKey(tenantA.id, ['usage:write']);
    keyB = await api.apiKey(tenantB.id, ['tenant:read']);
    upstream = createServer((req, res) => {
      reached.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, headers: req.headers }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'tenantry-nginx-'));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(port, Number(new URL(api.url).port), (upstream.address() as { port: number }).port));
    nginx = owned(spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    let log = '';
    nginx.child.stderr?.on('data', (chunk: Buffer) => { log += chunk.toString(); });
    gateway = `http://127.0.0.1:${port}`;
    await vi.waitFor(async () => {
      if (nginx.child.exitCode !== null) throw new Error(`nginx exited: ${log}`);
      await fetch(gateway);
    }, { timeout: 10_000, interval: 50 });
  });
  afterAll(async () => {
    await nginx?.kill();
    await new Promise((resolve) => upstream?.close(resolve));
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a tenant\'s request upstream with its tenant, plan and principal', async () => {
    const res = await through('/orders?page=2', { 'x-api-key': keyA });
    expect(res.status).toBe(200);
    expect(res.body.path).toBe('/orders?page=2');
    expect(res.body.headers).toMatchObject({ 'x-tenant-id': tenantA.id, 'x-tenant-slug': tenantA.slug, 'x-tenant-plan': tenantA.plan, 'x-tenant-principal': expect.stringMatching(/^api-key:/) });
    const other = await through('/orders', { 'x-api-key': keyB });
    expect(other.body.headers['x-tenant-id']).toBe(tenantB.id);
    const member = await api.member(tenantA.id, 'ann', 'viewer');
    expect((await through('/me', { authorization: `Bearer ${member}` })).body.headers).toMatchObject({ 'x-tenant-id': tenantA.id, 'x-tenant-principal': 'user:ann' });
  });

  it('replaces the tenant headers a client forged with Tenantry\'s answer', async () => {
    const res = await through('/orders', { 'x-api-key': keyA, 'x-tenant-id': tenantA.id, 'x-tenant-plan': 'enterprise', 'x-tenant-principal': 'operator:root', 'x-tenant-slug': tenantA.slug });
    expect(res.status).toBe(200);
    expect(res.body.headers).toMatchObject({ 'x-tenant-id': tenantA.id, 'x-tenant-plan': tenantA.plan, 'x-tenant-principal': expect.stringMatching(/^api-key:/) });
  });

  it('refuses, before the upstream, no credential, a bad one, another tenant and a non-member', async () => {
    const before = reached.length;
    expect((await through('/orders')).status).toBe(401);
    expect((await through('/orders', { 'x-api-key': 'tnt_key_not-a-key' })).status).toBe(401);
    // A's key with B's tenant named: cross-tenant, refused.
    expect((await through('/orders', { 'x-api-key': keyA, 'x-tenant-id': tenantB.id })).status).toBe(403);
    expect((await through('/orders', { 'x-api-key': keyA, 'x-tenant-slug': tenantB.slug })).status).toBe(403);
    const stranger = await api.jwt('mallory', tenantA.id);
    expect((await through('/orders', { authorization: `Bearer ${stranger}` })).status).toBe(403);
    expect(reached.length).toBe(before);
  });

  it('answers the endpoint itself with problem+json codes and the tenant\'s rate limit', async () => {
    expect((await api.request('GET', '/v1/authorize', { apiKey: keyA })).body).toMatchObject({ tenantId: tenantA.id, slug: tenantA.slug, plan: tenantA.plan });
    const res = await fetch(`${api.url}/v1/authorize`, { headers: { 'x-api-key': keyA, 'x-tenant-id': tenantB.id } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'GATEWAY_TENANT_MISMATCH' });
    expect((await api.request('GET', '/v1/authorize')).body).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    // The third tenant's limit allows a burst of 3: the fourth at once is 429 with Retry-After.
    const keyC = await api.apiKey(api.t.tenants[2]!.id, ['tenant:read']);
    const answers = [];
    for (let i = 0; i < RATE.burst + 1; i += 1) answers.push(await fetch(`${api.url}/v1/authorize`, { headers: { 'x-api-key': keyC } }));
    expect(answers.slice(0, RATE.burst).every((r) => r.status === 200 && r.headers.get('ratelimit-limit') === String(RATE.burst))).toBe(true);
    const limited = answers[RATE.burst] as Response;
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });
});
