// tenantry/stores/s3: object storage over the S3 API (`@aws-sdk/client-s3`, an optional peer).
// Two layouts: a prefix per tenant in one shared bucket (`tenants/<tenant id>/<key>`), or a bucket
// per tenant (`<bucketPrefix><tenant id>`, for tiers that want separate buckets). Either way the
// tenant part of the object name comes from the tenant context and the caller's key passes the
// one key rule (keys.ts) first, so no key can name another tenant's object; presigned URLs are
// built the same way and expire from the injected clock.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { systemClock, tryParseTenantId, type Clock, type TenantId } from '../core/index.js';
import { storesErrors } from './errors.js';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';
import { operatorTenant, recordsOf, sortKeys, storeCheck, storeTenant, type StoreFinding, type StoreQuota, type StoreRecord, type TenantStore } from './tenant-store.js';

export type S3Layout =
  /** One bucket; each tenant's objects under `<prefix>tenants/<tenant id>/`. */
  | { readonly mode: 'prefix'; readonly bucket: string; readonly prefix?: string }
  /** A bucket per tenant, named `<bucketPrefix><tenant id>` (created on first write). */
  | { readonly mode: 'bucket-per-tenant'; readonly bucketPrefix: string };

export interface S3StoreOptions {
  readonly client: S3Client;
  readonly layout: S3Layout;
  /** The clock presigned URLs are dated by (default: the system clock). */
  readonly clock?: Clock;
  /** Longest expiry a presigned URL may ask for, in seconds (default 3600; S3's own limit is 7 days). */
  readonly maxPresignSeconds?: number;
  /**
   * Purge with DeleteObjects, 1000 keys a request (default true). Servers that mis-parse the
   * batch body (s3rver reads a key such as `0` as a number) can set false: one DeleteObject each.
   */
  readonly batchDelete?: boolean;
  /**
   * The tenant's storage quota (`storageQuota({ quotas, database })` of tenantry/quota): each
   * `put` is admitted against the tenant's usage, read with a listing, and refused with
   * QUOTA_EXCEEDED past the plan's hard limit. Without it writes are not metered.
   */
  readonly quota?: StoreQuota;
}

export interface PresignOptions {
  readonly expiresInSeconds: number;
}

/** The object store: bytes by key, plus presigned URLs and per-tenant usage for quotas. */
export interface S3TenantStore extends TenantStore<Uint8Array> {
  /** A GET URL for one of the current tenant's keys, valid `expiresInSeconds` from the clock's now. */
  presignGet(key: string, options: PresignOptions): Promise<string>;
  /** A PUT URL for one of the current tenant's keys. */
  presignPut(key: string, options: PresignOptions): Promise<string>;
  /** Bytes stored by the current tenant (or by `tenantId`, outside any other tenant's context). */
  usageBytes(tenantId?: TenantId): Promise<number>;
}

interface Location {
  readonly bucket: string;
  /** Everything before the caller's key. */
  readonly prefix: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function checkPrefixOption(prefix: string): string {
  if (prefix === '') return '';
  if (!prefix.endsWith('/')) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'layout.prefix must end with /' } });
  return normalizeStorePrefix(prefix);
}

function errorName(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name ?? e?.Code;
}

function isMissing(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound' || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;
}

/**
 * @example
 * const files = createS3Store({ client: new S3Client({}), layout: { mode: 'prefix', bucket: 'app-files' } });
 * await runWithTenant(tenantId, () => files.put('invoices/2026-01.pdf', bytes));
 */
export function createS3Store(options: S3StoreOptions): S3TenantStore {
  const { client, layout } = options;
  const clock = options.clock ?? systemClock;
  const maxPresign = options.maxPresignSeconds ?? 3600;
  const sharedPrefix = layout.mode === 'prefix' ? checkPrefixOption(layout.prefix ?? '') : '';
  if (layout.mode === 'prefix' && !BUCKET_NAME.test(layout.bucket)) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'bucket name' } });
  if (layout.mode === 'bucket-per-tenant' && !/^[a-z][a-z0-9-]{0,25}$/.test(layout.bucketPrefix)) {
    throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: 'bucketPrefix: lowercase letters, digits and -, at most 26 characters' } });
  }
  const createdBuckets = new Set<string>();

  const locate = (tenantId: TenantId): Location =>
    layout.mode === 'prefix'
      ? { bucket: layout.bucket, prefix: `${sharedPrefix}tenants/${tenantId}/` }
      : { bucket: `${layout.bucketPrefix}${tenantId}`, prefix: '' };

  async function ensureBucket(bucket: string): Promise<void> {
    if (layout.mode === 'prefix' || createdBuckets.has(bucket)) return;
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (err) {
      if (!isMissing(err)) throw err;
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (createErr) {
        const name = errorName(createErr);
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw createErr;
      }
    }
    createdBuckets.add(bucket);
  }

  async function* objects(at: Location, within = ''): AsyncIterable<{ key: string; size: number }> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(new ListObjectsV2Command({ Bucket: at.bucket, Prefix: at.prefix + within, ContinuationToken: token }));
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined && object.Key.startsWith(at.prefix)) yield { key: object.Key.slice(at.prefix.length), size: object.Size ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async function read(at: Location, key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.prefix + key }));
      return out.Body === undefined ? new Uint8Array() : await out.Body.transformToByteArray();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async function write(at: Location, key: string, value: Uint8Array): Promise<void> {
    if (!(value instanceof Uint8Array)) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'objects are Uint8Array' } });
    await ensureBucket(at.bucket);
    await client.send(new PutObjectCommand({ Bucket: at.bucket, Key: at.prefix + key, Body: value, ContentLength: value.byteLength }));
  }

  async function presign(key: string, expiresInSeconds: number, method: 'GET' | 'PUT'): Promise<string> {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > maxPresign) {
      throw storesErrors.create('STORE_PRESIGN_EXPIRY_INVALID', { details: { max: maxPresign } });
    }
    const at = locate(storeTenant());
    const name = normalizeStoreKey(key);
    const command = method === 'GET' ? new GetObjectCommand({ Bucket: at.bucket, Key: at.prefix + name }) : new PutObjectCommand({ Bucket: at.bucket, Key: at.prefix + name });
    if (method === 'PUT') await ensureBucket(at.bucket);
    return getSignedUrl(client, command, { expiresIn: expiresInSeconds, signingDate: clock.now() });
  }

  return {
    kind: 'objects',
    adapter: 's3',
    async put(key, value) {
      const tenant = storeTenant();
      const [at, name] = [locate(tenant), normalizeStoreKey(key)];
      const quota = options.quota;
      if (quota === undefined || !(value instanceof Uint8Array) || value.byteLength === 0) return write(at, name, value);
      // The object being replaced does not count: its bytes go when the new ones arrive.
      const usedBytes = async () => {
        let bytes = 0;
        for await (const object of objects(at)) if (object.key !== name) bytes += object.size;
        return bytes;
      };
      await quota.admitWrite(tenant, value.byteLength, usedBytes, () => write(at, name, value));
    },
    async get(key) {
      const at = locate(storeTenant());
      return read(at, normalizeStoreKey(key));
    },
    async delete(key) {
      const at = locate(storeTenant());
      const name = normalizeStoreKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: at.prefix + name }));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    },
    async list(prefix) {
      const at = locate(storeTenant());
      const keys: string[] = [];
      for await (const object of objects(at, normalizeStorePrefix(prefix))) keys.push(object.key);
      return sortKeys(keys);
    },
    async purgeTenant(tenantId) {
      const at = locate(operatorTenant(tenantId));
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        if (options.batchDelete === false) {
          for (const Key of batch) await client.send(new DeleteObjectCommand({ Bucket: at.bucket, Key }));
          batch = [];
          return;
        }
        await client.send(new DeleteObjectsCommand({ Bucket: at.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
        batch = [];
      };
      for await (const object of objects(at)) {
        batch.push(at.prefix + object.key);
        if (batch.length === 1000) await flush();
      }
      await flush();
      if (layout.mode === 'bucket-per-tenant') {
        try {
          await client.send(new DeleteBucketCommand({ Bucket: at.bucket }));
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
        createdBuckets.delete(at.bucket);
      }
    },
    async *exportTenant(tenantId) {
      const at = locate(operatorTenant(tenantId));
      for await (const object of objects(at)) {
        const value = await read(at, object.key);
        if (value !== undefined) yield { key: object.key, value } satisfies StoreRecord<Uint8Array>;
      }
    },
    async importTenant(tenantId, records) {
      const at = locate(operatorTenant(tenantId));
      let count = 0;
      for await (const record of recordsOf(records)) {
        await write(at, normalizeStoreKey(record.key), record.value);
        count++;
      }
      return count;
    },
    async verify() {
      const findings: StoreFinding[] = [];
      if (layout.mode === 'prefix') {
        try {
          await client.send(new HeadBucketCommand({ Bucket: layout.bucket }));
        } catch (err) {
          if (!isMissing(err)) throw err;
          return storeCheck('s3', [{ kind: 'bucket_missing', object: layout.bucket }]);
        }
        // Every object of the shared prefix must sit under tenants/<a tenant id>/.
        const everything: Location = { bucket: layout.bucket, prefix: sharedPrefix };
        for await (const object of objects(everything)) {
          const match = /^tenants\/([^/]+)\/./.exec(object.key);
          if (match === null || tryParseTenantId(match[1]) === undefined) findings.push({ kind: 'unscoped_object', object: sharedPrefix + object.key });
        }
      } else {
        const buckets = await client.send(new ListBucketsCommand({}));
        for (const bucket of buckets.Buckets ?? []) {
          const name = bucket.Name ?? '';
          if (name.startsWith(layout.bucketPrefix) && tryParseTenantId(name.slice(layout.bucketPrefix.length)) === undefined) {
            findings.push({ kind: 'unscoped_bucket', object: name });
          }
        }
      }
      return storeCheck('s3', findings);
    },
    presignGet: (key, { expiresInSeconds }) => presign(key, expiresInSeconds, 'GET'),
    presignPut: (key, { expiresInSeconds }) => presign(key, expiresInSeconds, 'PUT'),
    async usageBytes(tenantId) {
      const at = locate(tenantId === undefined ? storeTenant() : operatorTenant(tenantId));
      let bytes = 0;
      for await (const object of objects(at)) bytes += object.size;
      return bytes;
    },
  };
}
