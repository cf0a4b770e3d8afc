// The record a job is stored as: the payload plus the tenant it was enqueued for. Workers read
// it from a queue anyone with database or Redis access can write to, so it is validated field
// by field before any of it is trusted.
import { parseTenantId, type TenantId } from '../core/index.js';
import { jobsErrors } from './errors.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface JobEnvelope {
  /** Format version. */
  readonly v: 1;
  /** The job's name (its queue). */
  readonly job: string;
  /** Stable across retries and deferrals; derived from the idempotency key when there is one. */
  readonly jobId: string;
  /** The tenant it runs for; `null` for a job defined `crossTenant`. */
  readonly tenant: TenantId | null;
  /** The tenant's slug at enqueue time, when known (logs only; ids decide). */
  readonly slug?: string;
  readonly payload: JsonValue;
  /** ISO 8601, from the queue's clock. */
  readonly enqueuedAt: string;
  /** How many times a worker put it back without running it (tenant suspended, tenant at its cap). */
  readonly deferrals: number;
}

const MAX_DEPTH = 64;

/** Throws JOB_PAYLOAD_INVALID unless `value` is plain JSON (what a queue can store and give back unchanged). */
export function assertJson(value: unknown, depth = 0): asserts value is JsonValue {
  if (depth > MAX_DEPTH) throw invalidPayload('nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidPayload('a number that is not finite');
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) assertJson(item, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw invalidPayload('an object that is not a plain object');
    for (const item of Object.values(value)) assertJson(item, depth + 1);
    return;
  }
  throw invalidPayload(`a ${typeof value}`);
}

function invalidPayload(reason: string) {
  return jobsErrors.create('JOB_PAYLOAD_INVALID', { details: { reason } });
}

/** The envelope in a stored record, or JOB_PAYLOAD_INVALID. */
export function parseEnvelope(data: unknown): JobEnvelope {
  if (typeof data !== 'object' || data === null) throw invalidPayload('the record is not an object');
  const record = data as Record<string, unknown>;
  if (record.v !== 1) throw invalidPayload('the record has no Tenantry envelope');
  if (typeof record.job !== 'string' || typeof record.jobId !== 'string' || typeof record.enqueuedAt !== 'string') {
    throw invalidPayload('the envelope lacks its job, id or time');
  }
  let tenant: TenantId | null = null;
  if (record.tenant !== null) {
    if (typeof record.tenant !== 'string') throw invalidPayload('the tenant is not a string');
    try {
      tenant = parseTenantId(record.tenant);
    } catch {
      throw invalidPayload('the tenant is not a tenant id');
    }
  }
  if (record.slug !== undefined && typeof record.slug !== 'string') throw invalidPayload('the slug is not a string');
  const deferrals = record.deferrals ?? 0;
  if (typeof deferrals !== 'number' || !Number.isInteger(deferrals) || deferrals < 0) throw invalidPayload('the deferral count is not a count');
  return {
    v: 1,
    job: record.job,
    jobId: record.jobId,
    tenant,
    ...(typeof record.slug === 'string' ? { slug: record.slug } : {}),
    payload: (record.payload ?? null) as JsonValue,
    enqueuedAt: record.enqueuedAt,
    deferrals,
  };
}
