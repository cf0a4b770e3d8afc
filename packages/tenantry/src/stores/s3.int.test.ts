// The S3 adapter against a real S3-protocol server (s3rver) that this file starts on a free
// loopback port: the shared conformance suite in both layouts, then what is S3's own: presigned
// URLs (current tenant only, dated by the injected clock), usage bytes, the verifier check, and
// the storage quota (usage admitted against the plan's limit through real PostgreSQL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newTenantId, runWithTenant, type TenantId } from '../core/index.js';
import { createQuotas, storageQuota, type Quotas } from '../quota/index.js';
import { codeOf, createTestClock, createTestTenantry, errorOf, expectCode, freePort, lateStore, storeConformanceCases, type TestTenantry } from '../testing/index.js';
import { testCatalog } from '../testing/internal.js';
import { createS3Store } from './s3.js';

const BUCKET = 'shared-files';
let server: S3rver;
let client: S3Client;
let directory: string;
let endpoint: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tenantry-s3rver-'));
  const port = await freePort();
  server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver predates the SDK's default trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

const bytes = fc.uint8Array({ maxLength: 64 });

describe('S3 store, a prefix per tenant in a shared bucket', () => {
  const store = lateStore('s3', () => createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET, prefix: 'app/' }, batchDelete: false }));
  for (const c of storeConformanceCases({ store, value: bytes, runs: 4, maxOps: 12 })) it(c.name, c.run, 180_000);
});

describe('S3 store, a bucket per tenant', () => {
  const store = lateStore('s3 (bucket per tenant)', () => createS3Store({ client, layout: { mode: 'bucket-per-tenant', bucketPrefix: 't-' }, batchDelete: false }));
  for (const c of storeConformanceCases({ store, value: bytes, runs: 3, maxTenants: 3, maxOps: 12 })) it(c.name, c.run, 180_000);
});

// MinIO or AWS where S3_URL names one (http://KEY:SECRET@host:9000/bucket?region=…, the bucket existing):
// the same suite as above against a server other than s3rver, DeleteObjects batches included.
const s3Url = inject('s3Url');
describe.skipIf(!s3Url)(`S3 store on the server at S3_URL${s3Url ? '' : ' (SKIPPED: set S3_URL to run the suite against MinIO or AWS)'}`, () => {
  let real: S3Client;
  let bucket: string;
  beforeAll(() => {
    const url = new URL(s3Url);
    bucket = url.pathname.replace(/^\/+|\/+$/g, '');
    real = new S3Client({
      endpoint: url.origin,
      region: url.searchParams.get('region') ?? 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) },
    });
  });
  afterAll(() => real?.destroy());
  const store = lateStore('s3 (S3_URL)', () => createS3Store({ client: real, layout: { mode: 'prefix', bucket, prefix: 'tenantry-test/' } }));
  for (const c of storeConformanceCases({ store, value: bytes, runs: 4, maxOps: 12 })) it(c.name, c.run, 180_000);
});

describe('S3 store: presigned URLs, usage, verifier', () => {
  it('presigns only the current tenant\'s keys, dated by the injected clock, and the server honours the expiry', async () => {
    const clock = createTestClock('2099-01-01T00:00:00Z');
    const store = createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET }, clock, maxPresignSeconds: 600 });
    const [a, b] = [newTenantId(), newTenantId()];
    await runWithTenant(a, () => store.put('report.txt', new TextEncoder().encode('tenant a')));
    await runWithTenant(b, () => store.put('report.txt', new TextEncoder().encode('tenant b')));

    const url = await runWithTenant(a, () => store.presignGet('report.txt', { expiresInSeconds: 60 }));
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-Date')).toBe('20990101T000000Z');
    expect(query.get('X-Amz-Expires')).toBe('60');
    expect(new URL(url).pathname).toBe(`/${BUCKET}/tenants/${a}/report.txt`);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('tenant a');

    // The same key asked for by tenant B is B's object, never A's.
    const urlB = await runWithTenant(b, () => store.presignGet('report.txt', { expiresInSeconds: 60 }));
    expect(await (await fetch(urlB)).text()).toBe('tenant b');
    // Keys that would climb out of the prefix are refused before anything is signed.
    await runWithTenant(a, async () => {
      await expect(store.presignGet(`../${b}/report.txt`, { expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'STORE_KEY_INVALID' });
      await expect(store.presignGet('report.txt', { expiresInSeconds: 601 })).rejects.toMatchObject({ code: 'STORE_PRESIGN_EXPIRY_INVALID' });
    });
    await expect(store.presignGet('report.txt', { expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'TENANT_CONTEXT_MISSING' });

    // Dated in the past by the clock: expired by the time the server sees it.
    clock.set('2001-01-01T00:00:00Z');
    const expired = await runWithTenant(a, () => store.presignGet('report.txt', { expiresInSeconds: 60 }));
    expect((await fetch(expired)).status).toBe(403);

    clock.set('2099-01-01T00:00:00Z');
    const upload = await runWithTenant(a, () => store.presignPut('upload.bin', { expiresInSeconds: 60 }));
    expect((await fetch(upload, { method: 'PUT', body: 'uploaded' })).status).toBe(200);
    expect(new TextDecoder().decode(await runWithTenant(a, () => store.get('upload.bin')))).toBe('uploaded');
    await store.purgeTenant(a);
    await store.purgeTenant(b);
  });

  it('counts each tenant\'s bytes for quotas, NFC-normalizing keys so two spellings are one object', async () => {
    const store = createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET } });
    const [a, b] = [newTenantId(), newTenantId()];
    await runWithTenant(a, async () => {
      await store.put('caf\u0065\u0301.txt', new Uint8Array(100));
      await store.put('caf\u00e9.txt', new Uint8Array(150)); // the same key, NFC
      await store.put('dir/other', new Uint8Array(7));
      expect(await store.list()).toEqual(['caf\u00e9.txt', 'dir/other']);
      expect(await store.list('dir/')).toEqual(['dir/other']);
    });
    await runWithTenant(b, () => store.put('x', new Uint8Array(1)));
    expect(await runWithTenant(a, () => store.usageBytes())).toBe(157);
    expect(await store.usageBytes(b)).toBe(1);
    await runWithTenant(a, async () => expect(store.usageBytes(b)).rejects.toMatchObject({ code: 'STORE_TENANT_MISMATCH' }));
    await store.purgeTenant(a);
    await store.purgeTenant(b);
    expect(await store.usageBytes(a)).toBe(0);
  });

  it('purges with DeleteObjects batches where the server parses them', async () => {
    const store = createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET } });
    const [a, b] = [newTenantId(), newTenantId()];
    for (const t of [a, b]) await runWithTenant(t, async () => Promise.all(['k1', 'k2', 'dir/k3'].map((k) => store.put(k, new Uint8Array(3)))));
    await store.purgeTenant(a);
    expect(await runWithTenant(a, () => store.list())).toEqual([]);
    expect(await runWithTenant(b, () => store.list())).toEqual(['dir/k3', 'k1', 'k2']);
    await store.purgeTenant(b);
  });

  it('the verifier finds an object written around the adapter, outside every tenant prefix', async () => {
    const store = createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET, prefix: 'audit-me/' } });
    expect((await store.verify()).ok).toBe(true);
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'audit-me/loose.txt', Body: 'x' }));
    const check = await store.verify();
    expect(check.ok).toBe(false);
    expect(check.findings).toEqual([{ kind: 'unscoped_object', object: 'audit-me/loose.txt' }]);
    const missing = createS3Store({ client, layout: { mode: 'prefix', bucket: 'no-such-bucket' } });
    expect((await missing.verify()).findings[0]?.kind).toBe('bucket_missing');
  });
});

describe('S3 store: the storage quota (the free plan allows 1000 bytes)', () => {
  let t: TestTenantry;
  let quotas: Quotas;
  let slugs = 0;
  const newTenant = async (): Promise<TenantId> => (await t.registry.create({ slug: `s3q-${(slugs += 1)}`, plan: 'free' })).id;
  const storedOf = async (tenant: TenantId) => (await t.db.withTenant(tenant, (scope) => quotas.usage(scope))).meters.find((m) => m.meter === 'storageBytes')?.used;

  beforeAll(async () => {
    t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
    quotas = createQuotas({ catalog: testCatalog(), clock: createTestClock(inject('testNow')) });
  }, 120_000);
  afterAll(() => t?.close());

  it('admits each write exactly when the tenant\'s bytes stay within its limit, per tenant, and meters the level (property)', async () => {
    const store = createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET, prefix: 'quota/' }, batchDelete: false, quota: storageQuota({ quotas, database: t.db }) });
    const write = fc.record({ tenant: fc.nat(2), key: fc.constantFrom('a', 'b', 'c/d'), size: fc.integer({ min: 1, max: 700 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 10 }), async (writes) => {
        const tenants = [await newTenant(), await newTenant(), await newTenant()];
        const model = tenants.map(() => new Map<string, number>());
        try {
          for (const w of writes) {
            const held = model[w.tenant] as Map<string, number>;
            const others = [...held].filter(([k]) => k !== w.key).reduce((sum, [, n]) => sum + n, 0);
            const code = await runWithTenant(tenants[w.tenant] as TenantId, () => codeOf(store.put(w.key, new Uint8Array(w.size).fill(w.tenant + 1))));
            expect(code, `${w.size} bytes on top of ${others}`).toBe(others + w.size <= 1000 ? undefined : 'QUOTA_EXCEEDED');
            if (code === undefined) held.set(w.key, w.size);
          }
          for (const [i, tenant] of tenants.entries()) {
            const held = model[i] as Map<string, number>;
            // A refused write left nothing behind: the tenant holds exactly the admitted objects.
            expect(await store.usageBytes(tenant)).toBe([...held.values()].reduce((a, b) => a + b, 0));
            for (const [key, size] of held) expect((await runWithTenant(tenant, () => store.get(key)))?.byteLength).toBe(size);
          }
        } finally {
          for (const tenant of tenants) await store.purgeTenant(tenant);
        }
      }),
      { numRuns: 4 },
    );
  }, 180_000);

  it('refuses with QUOTA_EXCEEDED and its details, records the level in the usage report, and refuses a suspended tenant', async () => {
    const store = createS3Store({ client, layout: { mode: 'prefix', bucket: BUCKET, prefix: 'quota/' }, quota: storageQuota({ quotas, database: t.db }) });
    const tenant = await newTenant();
    await runWithTenant(tenant, async () => {
      await store.put('big', new Uint8Array(900));
      const err = await errorOf(store.put('more', new Uint8Array(200)));
      expect(err).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { meter: 'storageBytes', limit: 1000, used: 900, requested: 200 } });
      expect(await store.get('more')).toBeUndefined();
    });
    expect(await storedOf(tenant)).toBe(900);
    await t.registry.suspend(tenant);
    await runWithTenant(tenant, () => expectCode(() => store.put('small', new Uint8Array(1)), 'TENANT_SUSPENDED'));
    await t.registry.restore(tenant);
    await store.purgeTenant(tenant);
    expect(codeOf(() => storageQuota({ quotas, database: t.db, meter: 'apiCalls' }))).toBe('CONFIG_INVALID');
  });
});
