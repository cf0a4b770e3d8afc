// The pg-boss 10 backend (PostgreSQL; the default). The application creates and starts the
// PgBoss instance (its schema, pool size, maintenance intervals are its choice) and stops it
// after `queue.stop()`; this file only moves job records. pg-boss is imported for its types:
// it is an optional peer of the package.
import type PgBoss from 'pg-boss';
import { jobsErrors } from './errors.js';
import { deadLetterQueue, type DeadLetter, type JobBackend, type JobDelivery, type QueueSettings, type SendOptions } from './job-backend.js';
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
    } catch (err) {
      // Two processes preparing the same queue at once: the loser finds it created.
      if (!(await boss.getQueue(name))) throw err;
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
    async stop() {
      await Promise.all(loops.splice(0).map((loop) => loop.stop()));
    },
  };
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
