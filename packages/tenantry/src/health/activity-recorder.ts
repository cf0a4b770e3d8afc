// Per-tenant request, error and latency counts, added up in process and written to
// tenantry.tenant_activity in one statement per flush (never one write per request).
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { healthErrors } from './errors.js';
import { LATENCY_BUCKETS, latencyBucket } from './activity-histogram.js';

/** Rows per INSERT statement of a flush. */
const CHUNK = 1000;

/** Width of an activity bucket; the table checks that every bucket_start is a multiple of it. */
export const ACTIVITY_BUCKET_MS = 5 * 60_000;

export interface ActivityRecorderOptions {
  /** Operator-role pool: activity is a platform record, written across tenants in one batch. */
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** How often buffered counts are written. Default 10 000 ms; 0 = only on flush()/close(). */
  readonly flushIntervalMs?: number;
  /**
   * Most (tenant, bucket) entries kept while the database is unreachable. Past it, the oldest
   * buckets are dropped and counted in `dropped` (memory must stay bounded). Default 100 000.
   */
  readonly maxBufferedEntries?: number;
  /** Called when a periodic flush fails (the counts stay buffered for the next one). */
  readonly onFlushError?: (err: unknown) => void;
}

/** What one response contributes. */
export interface ActivitySample {
  readonly statusCode: number;
  readonly durationMs: number;
}

export interface FlushResult {
  /** (tenant, bucket) rows written. */
  readonly rows: number;
  readonly requests: number;
}

export interface ActivityRecorder {
  /** Adds one response of `tenantId`; synchronous and O(1): it runs on every request. */
  record(tenantId: TenantId, sample: ActivitySample): void;
  /**
   * Adds database time of `tenantId` (one statement's round trip); synchronous and O(1). Wire it
   * as the tenant database's observer: `{ onStatement: (e) => activity.recordDatabase(e.tenantId, e.durationMs) }`.
   */
  recordDatabase(tenantId: TenantId, durationMs: number): void;
  /** Writes everything buffered so far. Flushes never overlap; a failed one keeps its counts. */
  flush(): Promise<FlushResult>;
  /** Stops the timer and flushes what is left. Throws when that last flush fails. Idempotent. */
  close(): Promise<FlushResult>;
  /** Entries dropped because the buffer was full while flushes failed. */
  readonly dropped: number;
  /** Entries waiting for the next flush. */
  readonly buffered: number;
}

interface Entry {
  tenantId: TenantId;
  bucketStart: number;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  durationMsSum: number;
  /** Database time of the tenant's statements (recordDatabase), in milliseconds. */
  dbMsSum: number;
  latencyCounts: number[];
}

// Adds the rows' counts to what other processes (or earlier flushes) wrote. Rows are sorted by
// key before sending, so concurrent flushers lock rows in one order and cannot deadlock.
const UPSERT = `INSERT INTO tenantry.tenant_activity AS a
    (subject_tenant, bucket_start, requests, server_errors, client_errors, duration_ms_sum, latency_counts, db_ms_sum)
  SELECT t, b, r, s, c, d, l::bigint[], db
  FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[], $6::float8[], $7::text[], $8::float8[]) AS u(t, b, r, s, c, d, l, db)
  ON CONFLICT (subject_tenant, bucket_start) DO UPDATE SET
    requests = a.requests + excluded.requests,
    server_errors = a.server_errors + excluded.server_errors,
    client_errors = a.client_errors + excluded.client_errors,
    duration_ms_sum = a.duration_ms_sum + excluded.duration_ms_sum,
    db_ms_sum = a.db_ms_sum + excluded.db_ms_sum,
    latency_counts = ARRAY(SELECT x + y FROM unnest(a.latency_counts, excluded.latency_counts) WITH ORDINALITY AS p(x, y, i) ORDER BY i)`;

function positiveInteger(value: number, path: string, allowZero: boolean): number {
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw healthErrors.create('HEALTH_OPTIONS_INVALID', { details: { path, reason: allowZero ? 'must be an integer ≥ 0' : 'must be a positive integer' } });
  }
  return value;
}

function merge(into: Entry, from: Entry): void {
  into.requests += from.requests;
  into.serverErrors += from.serverErrors;
  into.clientErrors += from.clientErrors;
  into.durationMsSum += from.durationMsSum;
  into.dbMsSum += from.dbMsSum;
  for (let i = 0; i < LATENCY_BUCKETS; i += 1) into.latencyCounts[i] = (into.latencyCounts[i] as number) + (from.latencyCounts[i] as number);
}

/**
 * Buffers per-tenant activity and writes it periodically. Written as the operator role:
 * one flush covers many tenants in one statement, which a tenant transaction (one tenant per
 * transaction, under RLS) could only do in N transactions; and the app role keeps no privilege
 * on platform records (docs/health-and-analytics.md).
 *
 * @example
 * const activity = createActivityRecorder({ operator: operatorPool });
 * app.addHook('onResponse', (req, reply) => activity.record(tenantId, { statusCode: reply.statusCode, durationMs: reply.elapsedTime }));
 * await activity.close(); // at shutdown, after the HTTP server closed
 */
export function createActivityRecorder(options: ActivityRecorderOptions): ActivityRecorder {
  const clock = options.clock ?? systemClock;
  const flushIntervalMs = positiveInteger(options.flushIntervalMs ?? 10_000, 'flushIntervalMs', true);
  const maxEntries = positiveInteger(options.maxBufferedEntries ?? 100_000, 'maxBufferedEntries', false);
  let pending = new Map<string, Entry>();
  // Each tenant's entry of `pending` for its latest bucket: the per-request path finds it by
  // the tenant id alone, without building the composite key.
  let latest = new Map<string, Entry>();
  let dropped = 0;
  let closed = false;
  let running: Promise<FlushResult> | undefined;

  function add(entry: Entry): Entry {
    const key = `${entry.tenantId}|${entry.bucketStart}`;
    const existing = pending.get(key);
    if (existing) {
      merge(existing, entry);
      return existing;
    }
    if (pending.size >= maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const [oldestKey, oldest] = pending.entries().next().value ?? [];
      if (oldestKey !== undefined) pending.delete(oldestKey);
      if (oldest && latest.get(oldest.tenantId) === oldest) latest.delete(oldest.tenantId);
      dropped += 1;
    }
    pending.set(key, entry);
    return entry;
  }

  async function write(): Promise<FlushResult> {
    const batch = pending;
    pending = new Map();
    latest = new Map();
    if (batch.size === 0) return { rows: 0, requests: 0 };
    const rows = [...batch.values()].sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : a.bucketStart - b.bucketStart));
    // Statements of at most CHUNK rows: after a backlog (the database was down) one flush does
    // not become one huge statement holding thousands of row locks.
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      try {
        await options.operator.query(UPSERT, [
          chunk.map((r) => r.tenantId),
          chunk.map((r) => new Date(r.bucketStart).toISOString()),
          chunk.map((r) => r.requests),
          chunk.map((r) => r.serverErrors),
          chunk.map((r) => r.clientErrors),
          chunk.map((r) => r.durationMsSum),
          chunk.map((r) => `{${r.latencyCounts.join(',')}}`),
          chunk.map((r) => r.dbMsSum),
        ]);
      } catch (err) {
        // Put back what was not written (before anything recorded meanwhile, which is newer)
        // for the next flush; the chunks before this one are committed.
        const newer = pending;
        pending = new Map();
        latest = new Map();
        for (const row of rows.slice(start)) add(row);
        for (const entry of newer.values()) add(entry);
        throw err;
      }
    }
    return { rows: rows.length, requests: rows.reduce((sum, r) => sum + r.requests, 0) };
  }

  function flush(): Promise<FlushResult> {
    // One flush at a time: a second caller waits for the one in flight, then writes what came after.
    const next: Promise<FlushResult> = (running ?? Promise.resolve({ rows: 0, requests: 0 }))
      .catch(() => undefined)
      .then(write)
      .finally(() => { if (running === next) running = undefined; });
    running = next;
    return next;
  }

  const timer = flushIntervalMs > 0
    ? setInterval(() => { flush().catch((err: unknown) => options.onFlushError?.(err)); }, flushIntervalMs)
    : undefined;
  // The timer must not keep a process alive on its own; close() does the last flush.
  timer?.unref();
  let closing: Promise<FlushResult> | undefined;

  return {
    record(tenantId, sample) {
      if (closed) throw healthErrors.create('ACTIVITY_RECORDER_CLOSED');
      const now = clock.now().getTime();
      const bucketStart = now - (now % ACTIVITY_BUCKET_MS);
      const duration = Number.isFinite(sample.durationMs) && sample.durationMs > 0 ? sample.durationMs : 0;
      const serverErrors = sample.statusCode >= 500 ? 1 : 0;
      const clientErrors = sample.statusCode >= 400 && sample.statusCode < 500 ? 1 : 0;
      const bucket = latencyBucket(duration);
      // The common case (the tenant's current bucket exists) allocates nothing.
      const existing = latest.get(tenantId);
      if (existing && existing.bucketStart === bucketStart) {
        existing.requests += 1;
        existing.serverErrors += serverErrors;
        existing.clientErrors += clientErrors;
        existing.durationMsSum += duration;
        existing.latencyCounts[bucket] = (existing.latencyCounts[bucket] as number) + 1;
        return;
      }
      const latencyCounts = new Array<number>(LATENCY_BUCKETS).fill(0);
      latencyCounts[bucket] = 1;
      latest.set(tenantId, add({ tenantId, bucketStart, requests: 1, serverErrors, clientErrors, durationMsSum: duration, dbMsSum: 0, latencyCounts }));
    },
    recordDatabase(tenantId, durationMs) {
      if (closed) throw healthErrors.create('ACTIVITY_RECORDER_CLOSED');
      if (!(Number.isFinite(durationMs) && durationMs > 0)) return;
      const now = clock.now().getTime();
      const bucketStart = now - (now % ACTIVITY_BUCKET_MS);
      const existing = latest.get(tenantId);
      if (existing && existing.bucketStart === bucketStart) {
        existing.dbMsSum += durationMs;
        return;
      }
      // An entry with no request yet (the request's own answer comes after its statements).
      latest.set(tenantId, add({ tenantId, bucketStart, requests: 0, serverErrors: 0, clientErrors: 0, durationMsSum: 0, dbMsSum: durationMs, latencyCounts: new Array<number>(LATENCY_BUCKETS).fill(0) }));
    },
    flush,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      return (closing ??= flush());
    },
    get dropped() { return dropped; },
    get buffered() { return pending.size; },
  };
}
