// The mobility routes over a real listening server: a tenant exported as an archive imports
// into a new tenant with the same data; a bad archive is a 4xx problem+json that changes
// nothing; backups, restore, retention and erasure answer with their stable codes.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from './support/api-server.js';

let api: ApiServer;
let serial = 0;
beforeAll(async () => {
  api = await startApiServer(1);
});
afterAll(() => api?.close());

const op = () => ({ token: api.operatorToken });
async function newTenant(): Promise<string> {
  const { body } = await api.request('POST', '/v1/tenants', { ...op(), body: { slug: `mob-${(serial += 1)}-${randomUUID().slice(0, 6)}`, owner: { userId: 'owner-1' } } });
  return body.id as string;
}

async function exportArchive(id: string): Promise<Response> {
  return fetch(`${api.url}/v1/tenants/${id}/export`, { method: 'POST', headers: { authorization: `Bearer ${api.operatorToken}` } });
}

async function importArchive(id: string, archive: Uint8Array): Promise<{ status: number; contentType: string; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${api.url}/v1/tenants/${id}/import`, { method: 'POST', headers: { authorization: `Bearer ${api.operatorToken}`, 'content-type': 'application/gzip' }, body: new Uint8Array(archive) });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.json() };
}

describe('export and import over HTTP', () => {
  it('exports a tenant as a gzip archive that imports into a new tenant', async () => {
    const source = await newTenant();
    const res = await exportArchive(source);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const archive = new Uint8Array(await res.arrayBuffer());
    expect(archive.length).toBeGreaterThan(100);
    const target = await newTenant();
    // The target's owner (from creation) is data: a created tenant is not empty.
    const refused = await importArchive(target, archive);
    expect(refused).toMatchObject({ status: 409, body: { code: 'IMPORT_TARGET_NOT_EMPTY' } });
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
  });

  it('imports into a tenant with no data, and the members came along', async () => {
    const source = await newTenant();
    const archive = new Uint8Array(await (await exportArchive(source)).arrayBuffer());
    const target = (await api.t.registry.create({ slug: `empty-${randomUUID().slice(0, 8)}` })).id;
    const imported = await importArchive(target, archive);
    expect(imported).toMatchObject({ status: 200, body: { sourceTenant: source } });
    expect(imported.body.rows['tenantry.members']).toBe(1);
    const again = new Uint8Array(await (await exportArchive(target)).arrayBuffer());
    expect((await importArchive(target, again)).body.code).toBe('IMPORT_TARGET_NOT_EMPTY');
  });

  it('a truncated or foreign archive is a 400 problem+json and changes nothing', async () => {
    const archive = new Uint8Array(await (await exportArchive(await newTenant())).arrayBuffer());
    const target = (await api.t.registry.create({ slug: `bad-${randomUUID().slice(0, 8)}` })).id;
    for (const bad of [archive.subarray(0, archive.length - 40), new TextEncoder().encode('not an archive')]) {
      const res = await importArchive(target, bad);
      expect(res).toMatchObject({ status: 400, body: { code: 'ARCHIVE_INVALID' } });
      expect(res.contentType).toMatch(/^application\/problem\+json/);
    }
    // Still empty: a good archive imports.
    expect((await importArchive(target, archive)).status).toBe(200);
  });

  it('an unknown tenant is 404 and no operator token is 401', async () => {
    expect((await exportArchive(randomUUID())).status).toBe(404);
    const res = await fetch(`${api.url}/v1/tenants/${randomUUID()}/export`, { method: 'POST' });
    expect(res.status).toBe(401);
  });
});

describe('backups, retention and erasure over HTTP', () => {
  it('backs up, lists and restores after a safety backup', async () => {
    const id = await newTenant();
    const created = await api.request('POST', `/v1/tenants/${id}/backups`, op());
    expect(created).toMatchObject({ status: 201, body: { tenantId: id, residency: 'test', reason: 'on-demand' } });
    const restored = await api.request('POST', `/v1/tenants/${id}/backups/${created.body.id as string}/restore`, op());
    expect(restored).toMatchObject({ status: 200, body: { sourceTenant: id, safetyBackup: { reason: 'safety' } } });
    const list = await api.request('GET', `/v1/tenants/${id}/backups`, op());
    expect(list.body.items.map((b: { reason: string }) => b.reason).sort()).toEqual(['on-demand', 'safety']);
    expect((await api.request('POST', `/v1/tenants/${id}/backups/20260101T000000000Z-00000000/restore`, op())).body.code).toBe('BACKUP_NOT_FOUND');
  });

  it('sets a tenant\'s retention and refuses an invalid one', async () => {
    const id = await newTenant();
    expect((await api.request('PUT', `/v1/tenants/${id}/retention`, { ...op(), body: { dataClass: 'usage_events', keepDays: 0 } })).status).toBe(400);
    const set = await api.request('PUT', `/v1/tenants/${id}/retention`, { ...op(), body: { dataClass: 'usage_events', keepDays: 90 } });
    expect(set).toMatchObject({ status: 200, body: { items: [{ dataClass: 'usage_events', keepDays: 90, source: 'tenant' }] } });
    expect((await api.request('PUT', `/v1/tenants/${id}/retention`, { ...op(), body: { dataClass: 'usage_events' } })).body).toEqual({ items: [] });
    expect((await api.request('POST', '/v1/retention/runs', op())).status).toBe(200);
  });

  it('refuses to erase a live tenant, and has no certificate for it', async () => {
    const id = await newTenant();
    expect((await api.request('POST', `/v1/tenants/${id}/erasure`, op())).body.code).toBe('ERASURE_NOT_DUE');
    expect((await api.request('GET', `/v1/tenants/${id}/erasure-certificate`, op())).body.code).toBe('ERASURE_CERTIFICATE_NOT_FOUND');
  });
});
