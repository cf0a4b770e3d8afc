// The pg-boss 10 backend (PostgreSQL; the default). The application creates and starts the
// PgBoss instance (its schema, pool size, maintenance intervals are its choice) and stops it
// after `queue.stop()`; this file only moves job records. pg-boss is imported for its types:
// it is an optional peer of the package.
import type PgBoss from 'pg-boss';
import { jobsErrors } from './errors.js';
import { deadLetterQueue, type DeadLetter, type JobBackend, type JobDelivery, type JobRecord, type JobState, type QueueSettings, type SendOptions } from './job-backend.js';
import { startFetchLoop, type FetchLoop } from './fetch-loop.js';

export interface PgBossBackendOptions {
  /** A started PgBoss instance. */
  readonly boss: PgBoss;
  /** The schema the instance was created with (default `pgboss`): dead letters are read from it. */
  readonly schema?: string;
  /** How long a worker with nothing to do waits before asking again (ms, default 500). */
  readonly pollIntervalMs?: number;
}

/**
 * @example
 * const boss = new PgBoss({ connectionString, schema: 'jobs' }); await boss.start();
 * const queue = createJobQueue({ backend: pgBossBackend({ boss, schema: 'jobs' }), tenants: registry });
 */
export function pgBossBackend(options: PgBossBackendOptions): JobBackend {
  const { boss } = options;
  const schema = options.schema ?? 'pgboss';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw jobsErrors.create('JOB_OPTIONS_INVALID', { details: { path: 'schema', reason: 'a lower-case SQL identifier' } });
  }
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const loops: FetchLoop[] = [];
  const fetchSql = fetchNextJobsSql(schema);
  const prepared = new Map<string, Promise<void>>();
  // pg-boss's own connection pool, typed: executeSql answers `any`.
  async function query<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    const result: unknown = await boss.getDb().executeSql(sql, params);
    return (result as { rows: Row[] }).rows;
  }

  async function createQueue(name: string, settings: QueueSettings | undefined): Promise<void> {
    // Several processes preparing queues at once (servers starting together) can deadlock in
    // pg-boss's DDL; PostgreSQL aborts one of them, which simply tries again.
    for (let attempt = 1; ; attempt++) {
      if (await boss.getQueue(name)) return;
      try {
        await boss.createQueue(name, settings === undefined ? { name } : {
          name,
          retryLimit: settings.retryLimit,
          // pg-boss counts in whole seconds.
          retryDelay: Math.ceil(settings.retryDelayMs / 1000),
          retryBackoff: settings.retryBackoff,
          expireInSeconds: settings.expireInSeconds,
        });
        return;
      } catch (err) {
        // Two processes preparing the same queue at once: the loser finds it created.
        if (await boss.getQueue(name)) return;
        if ((err as { code?: unknown }).code !== '40P01' || attempt >= 5) throw err;
      }
    }
  }

  return {
    kind: 'pg-boss',
    prepare(queue, settings) {
      let ready = prepared.get(queue);
      if (ready === undefined) {
        ready = (async () => {
          await createQueue(queue, settings);
          await createQueue(deadLetterQueue(queue), undefined);
        })();
        ready.catch(() => prepared.delete(queue));
        prepared.set(queue, ready);
      }
      return ready;
    },
    async send(queue, data, sendOptions: SendOptions = {}) {
      const id = await boss.send(queue, data as object, {
        ...(sendOptions.id === undefined ? {} : { id: sendOptions.id }),
        ...(sendOptions.delayMs === undefined || sendOptions.delayMs <= 0 ? {} : { startAfter: new Date(Date.now() + sendOptions.delayMs) }),
      });
      for (const loop of loops) if (loop.queue === queue) loop.wake();
      return id ?? undefined;
    },
    async work(queue, concurrency, handler, workOptions = {}) {
      const loop = startFetchLoop({
        queue,
        concurrency,
        pollIntervalMs,
        fetch: async (count) => {
          const skip = workOptions.busyTenants?.() ?? [];
          const rows = await query<{ id: string; data: unknown; retry_count: number }>(fetchSql, [queue, count, skip]);
          return rows.map((job): JobDelivery => ({ id: job.id, data: job.data, attempt: job.retry_count + 1 }));
        },
        complete: async (delivery) => { await boss.complete(queue, delivery.id); },
        fail: async (delivery, err) => { await boss.fail(queue, delivery.id, failureOutput(err)); },
      }, handler);
      loops.push(loop);
      return Promise.resolve();
    },
    async deadLetter(queue, delivery, reason) {
      await boss.send(deadLetterQueue(queue), { id: delivery.id, data: delivery.data, reason } as object);
    },
    async deadLetters(queue, limit = 100): Promise<readonly DeadLetter[]> {
      const rows = await query<{ data: { id: string; data: unknown; reason: string } }>(
        `SELECT data FROM ${schema}.job WHERE name = $1 ORDER BY created_on, id LIMIT $2`,
        [deadLetterQueue(queue), limit],
      );
      return rows.map((row) => ({ id: row.data.id, data: row.data.data, reason: row.data.reason }));
    },
    async list(filter) {
      // pg-boss's states → ours: `created` is queued, `retry` retrying, `cancelled` failed. The
      // tenant is the record's `tenant` field (null for cross-tenant records).
      const states = (filter.states ?? []).flatMap((state) => PG_BOSS_STATES[state]);
      const rows = await query<{ id: string; name: string; state: string; retry_count: number; tenant: string | null; created_on: Date; started_on: Date | null; completed_on: Date | null; output: { name?: string; message?: string; code?: string } | null }>(
        `SELECT id, name, state::text AS state, retry_count, data->>'tenant' AS tenant, created_on, started_on, completed_on, output
           FROM ${schema}.job
          WHERE name = ANY ($1::text[])
            AND ($2::boolean IS FALSE OR data->>'tenant' IS NOT DISTINCT FROM $3::text)
            AND (cardinality($4::text[]) = 0 OR state::text = ANY ($4::text[]))
          ORDER BY created_on DESC, id
          LIMIT $5`,
        [filter.queues, filter.tenant !== undefined, filter.tenant ?? null, states, filter.limit],
      );
      return rows.map((row): JobRecord => {
        const state = fromPgBossState(row.state);
        const attempts = row.started_on === null ? 0 : row.retry_count + 1;
        const error = state === 'failed' || state === 'retrying' ? outputMessage(row.output) : undefined;
        return {
          id: row.id, name: row.name, state, attempts, tenant: row.tenant, createdAt: row.created_on,
          ...(row.started_on === null ? {} : { startedAt: row.started_on }),
          ...(row.completed_on === null ? {} : { finishedAt: row.completed_on }),
          ...(error === undefined ? {} : { error }),
        };
      });
    },
    async retry(queue, id, tenant) {
      if (!UUID.test(id)) return false;
      // pg-boss's own retry (one more attempt allowed), only for a failed record of this tenant.
      const rows = await query<{ id: string }>(
        `UPDATE ${schema}.job SET state = 'retry', retry_limit = retry_limit + 1, start_after = now()
          WHERE name = $1 AND id = $2::uuid AND state = 'failed' AND ($3::text IS NULL OR data->>'tenant' = $3::text)
          RETURNING id`,
        [queue, id, tenant ?? null],
      );
      for (const loop of loops) if (loop.queue === queue) loop.wake();
      return rows.length > 0;
    },
    async failedCounts(queues) {
      const rows = await query<{ tenant: string | null; n: number }>(
        `SELECT data->>'tenant' AS tenant, count(*)::int AS n FROM ${schema}.job WHERE name = ANY ($1::text[]) AND state = 'failed' GROUP BY 1`,
        [queues],
      );
      return new Map(rows.map((row) => [row.tenant ?? '', row.n]));
    },
    async stop() {
      await Promise.all(loops.splice(0).map((loop) => loop.stop()));
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PG_BOSS_STATES: Readonly<Record<JobState, readonly string[]>> = {
  queued: ['created'], retrying: ['retry'], running: ['active'], completed: ['completed'], failed: ['failed', 'cancelled'],
};

function fromPgBossState(state: string): JobState {
  if (state === 'created') return 'queued';
  if (state === 'retry') return 'retrying';
  if (state === 'active') return 'running';
  if (state === 'completed') return 'completed';
  return 'failed';
}

function outputMessage(output: { name?: string; message?: string; code?: string } | null): string | undefined {
  if (output === null || typeof output.message !== 'string') return undefined;
  return (output.code === undefined ? output.message : `${output.code}: ${output.message}`).slice(0, 500);
}

/** What pg-boss stores as the failed attempt's output: the code and message, not the stack. */
function failureOutput(err: unknown): object {
  if (err instanceof Error) return { name: err.name, message: err.message, ...('code' in err ? { code: String(err.code) } : {}) };
  return { message: String(err) };
}

/**
 * pg-boss 10's own fetch (`plans.fetchNextJob`, standard queues), plus one condition: jobs of
 * the tenants named in $3 (those at their cap in this worker) are passed over, so a tenant
 * with a long backlog cannot fill every free slot while another tenant's jobs wait behind it.
 * The tenant is read from the stored record's `tenant` field, which the runner wrote.
 */
function fetchNextJobsSql(schema: string): string {
  return `
    WITH next AS (
      SELECT id
      FROM ${schema}.job
      WHERE name = $1
        AND state < 'active'
        AND start_after < now()
        AND NOT (COALESCE(data->>'tenant', '') = ANY ($3::text[]))
      ORDER BY priority DESC, created_on, id
      LIMIT $2
      FOR UPDATE SKIP LOCKED
    )
    UPDATE ${schema}.job j SET
      state = 'active',
      started_on = now(),
      retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END
    FROM next
    WHERE j.name = $1 AND j.id = next.id
    RETURNING j.id, j.data, j.retry_count`;
}
