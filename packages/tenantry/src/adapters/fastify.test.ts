// The Fastify plugin's own behaviour beyond the conformance suite (tests/conformance): its
// default logging, and its options checked without tripping over Fastify's register options.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { coreErrors } from '../core/index.js';
import { httpErrors } from '../http/index.js';
import type { TenantResolver } from '../resolve/index.js';
import { fastifyProblemHandler, tenantryFastify } from './fastify.js';

const refusing: TenantResolver = { resolve: () => Promise.reject(coreErrors.create('TENANT_NOT_FOUND')) };

function loggedApp() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { app: Fastify({ logger: { level: 'info', stream } }), lines };
}

describe('the Fastify adapter', () => {
  it('logs the cause of a server fault through request.log by default, and says nothing of a refusal', async () => {
    const { app, lines } = loggedApp();
    app.setErrorHandler(fastifyProblemHandler());
    await app.register(tenantryFastify, { resolver: { resolve: () => Promise.reject(new Error('pool exhausted on db-7')) } });
    app.get('/', async () => 'never');
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('db-7');
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ err: { message: 'pool exhausted on db-7' } });

    const refused = loggedApp();
    await refused.app.register(tenantryFastify, { resolver: refusing });
    refused.app.get('/', async () => 'never');
    expect((await refused.app.inject({ url: '/' })).statusCode).toBe(404);
    expect(refused.lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });

  it("accepts Fastify's own register options but refuses a misspelt one of ours", async () => {
    const ok = Fastify();
    await ok.register(tenantryFastify, { resolver: refusing, prefix: '/api', logLevel: 'warn' } as Parameters<typeof tenantryFastify>[1]);
    const wrong = Fastify();
    await expect(wrong.register(tenantryFastify, { resolver: refusing, skipp: () => true } as Parameters<typeof tenantryFastify>[1])).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { path: 'skipp' },
    });
  });

  it('answers an unmatched route with 404 ROUTE_NOT_FOUND through the not-found recipe of docs/http.md', async () => {
    const app = Fastify();
    const handler = fastifyProblemHandler();
    app.setErrorHandler(handler);
    app.setNotFoundHandler((req, reply) => handler(httpErrors.create('ROUTE_NOT_FOUND'), req, reply));
    const res = await app.inject({ url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', type: 'urn:tenantry:error:ROUTE_NOT_FOUND' });
  });
});
