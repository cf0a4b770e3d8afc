// Tenant webhooks: each tenant's endpoints, subscribed to event types; an event becomes one
// delivery per subscribed endpoint, sent from the job queue (retries with backoff, in the
// tenant's context), signed in the Standard Webhooks format with the tenant's signing secrets,
// every attempt logged. An endpoint that keeps failing is disabled. Endpoints, deliveries and
// attempts are tenant data under row-level security: one tenant's event can only ever be read,
// and so sent, for that tenant's own endpoints.
import { randomUUID } from 'node:crypto';
import { runWithTenant, systemClock, requireTenant, type Clock, type TenantId } from '../core/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import { auditChange } from './audit-change.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { checkActor, inTransaction, newRecordId, recordId, sqlOf, textField, type ControlScope } from './control-sql.js';
import { controlErrors } from './errors.js';
import { systemActor, type Actor } from './permissions.js';
import { signStandardWebhook } from './request-signature.js';
import type { SigningSecrets } from './signing-secrets.js';
import { postWebhook } from './webhook-sender.js';
import { parseWebhookUrl, type PrivateTargets } from './webhook-target.js';

/** The events Tenantry sends. Endpoints subscribe to exact types, a family (`member.*`) or `*`. */
export const WEBHOOK_EVENT_TYPES = [
  'tenant.activated', 'tenant.suspended', 'tenant.restored', 'tenant.offboarding', 'tenant.updated',
  'member.added', 'member.updated', 'member.removed',
  'usage.alert',
  'audit.recorded',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The job that sends deliveries (one job per delivery, on the queue passed in). */
export const WEBHOOK_DELIVERY_JOB = 'tenantry.webhook.deliver';

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description?: string;
  readonly enabled: boolean;
  readonly disabledReason?: string;
  readonly consecutiveFailures: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface WebhookAttempt {
  readonly attempt: number;
  readonly at: Date;
  readonly durationMs: number;
  readonly statusCode?: number;
  readonly error?: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly replayOf?: string;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
}

export interface WebhookEndpointInput {
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description?: string;
}

export interface EmitOptions {
  /**
   * The event's id (`webhook-id`), for an event that may be emitted again (a job retried after a
   * crash): an endpoint that already has a delivery of this id gets no second one. Default: a
   * new random id. 1–100 printable ASCII characters.
   */
  readonly eventId?: string;
}

export interface TenantWebhooksOptions {
  readonly signingSecrets: SigningSecrets;
  /** The queue deliveries are sent from; its job `tenantry.webhook.deliver` is defined here. */
  readonly queue: JobQueue;
  /** Where the delivery job reads and logs (the app-role tenant database). */
  readonly db: TenantDatabase;
  readonly clock?: Clock;
  /** Default `refuse`: loopback, private and link-local targets are refused (SSRF). */
  readonly privateTargets?: PrivateTargets;
  /** One attempt's limit, connection and answer included. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 5), from `retryDelayMs` (default 10,000), doubling. */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** Deliveries failed in a row (after all their retries) that disable an endpoint. Default 5. */
  readonly disableAfterFailures?: number;
  /** Endpoints per tenant. Default 20. */
  readonly maxEndpoints?: number;
}

export interface TenantWebhooks {
  /** Saves an endpoint; makes the tenant's first signing secret if it has none (returned, shown once). */
  create(scope: ControlScope, input: WebhookEndpointInput, actor?: Actor): Promise<{ endpoint: WebhookEndpoint; signingSecret?: string }>;
  list(scope: ControlScope): Promise<WebhookEndpoint[]>;
  get(scope: ControlScope, id: string): Promise<WebhookEndpoint>;
  /** Changes an endpoint; enabling it again clears its failure count. */
  update(scope: ControlScope, id: string, change: Partial<WebhookEndpointInput> & { readonly enabled?: boolean }, actor?: Actor): Promise<WebhookEndpoint>;
  /** Deletes an endpoint and its delivery log. */
  remove(scope: ControlScope, id: string, actor?: Actor): Promise<void>;
  /**
   * Records `type` for every enabled endpoint of the tenant subscribed to it and enqueues one
   * delivery job each. In a transaction, the deliveries commit with it; the jobs are enqueued
   * when the rows are written (a job whose rows rolled back finds nothing and ends).
   */
  emit(scope: ControlScope, type: WebhookEventType, data: Readonly<Record<string, unknown>>, options?: EmitOptions): Promise<WebhookDelivery[]>;
  /** The delivery log, newest first: all endpoints', or one endpoint's. */
  deliveries(scope: ControlScope, filter?: { readonly endpointId?: string; readonly limit?: number }): Promise<WebhookDelivery[]>;
  /** One delivery with every attempt. */
  delivery(scope: ControlScope, id: string): Promise<WebhookDelivery & { readonly attemptLog: WebhookAttempt[] }>;
  /** Sends a logged delivery again, as a new delivery of the same event (same `webhook-id`). */
  replay(scope: ControlScope, deliveryId: string, actor?: Actor): Promise<WebhookDelivery>;
  /**
   * One attempt of a delivery (what the delivery job runs): sends it, logs the attempt, and
   * throws when it failed so the queue retries it; `final` marks the last attempt, which fails
   * the delivery and counts against its endpoint.
   */
  attempt(scope: ControlScope, deliveryId: string, attempt: { readonly number: number; readonly final: boolean }): Promise<'delivered' | 'failed' | 'skipped'>;
}

interface EndpointRow { id: string; url: string; event_types: string[]; description: string | null; enabled: boolean; disabled_reason: string | null; consecutive_failures: number; created_at: Date; updated_at: Date }
interface DeliveryRow { id: string; endpoint_id: string; event_id: string; event_type: string; payload: string; status: WebhookDelivery['status']; attempts: number; replay_of: string | null; created_at: Date; finished_at: Date | null }

const ENDPOINT_COLUMNS = 'id, url, event_types, description, enabled, disabled_reason, consecutive_failures, created_at, updated_at';
const DELIVERY_COLUMNS = 'id, endpoint_id, event_id, event_type, payload, status, attempts, replay_of, created_at, finished_at';

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return Object.freeze({
    id: row.id, url: row.url, eventTypes: Object.freeze([...row.event_types]), enabled: row.enabled, consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at, updatedAt: row.updated_at,
    ...(row.description === null ? {} : { description: row.description }),
    ...(row.disabled_reason === null ? {} : { disabledReason: row.disabled_reason }),
  });
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return Object.freeze({
    id: row.id, endpointId: row.endpoint_id, eventId: row.event_id, eventType: row.event_type, status: row.status, attempts: row.attempts, createdAt: row.created_at,
    ...(row.replay_of === null ? {} : { replayOf: row.replay_of }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
  });
}

/** Event types as stored: known exact types, `family.*` of a known family, or `*`; deduplicated. */
export function parseEventTypes(value: unknown): string[] {
  const families = new Set(WEBHOOK_EVENT_TYPES.map((type) => type.split('.')[0] as string));
  const refuse = () => controlErrors.create('WEBHOOK_EVENT_TYPE_INVALID', { details: { known: [...WEBHOOK_EVENT_TYPES, ...[...families].map((f) => `${f}.*`), '*'] } });
  if (!Array.isArray(value) || value.length === 0 || value.length > 50) throw refuse();
  const types = new Set<string>();
  for (const type of value) {
    if (typeof type !== 'string') throw refuse();
    const ok = type === '*' || (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type) || (type.endsWith('.*') && families.has(type.slice(0, -2)));
    if (!ok) throw refuse();
    types.add(type);
  }
  return [...types].sort();
}

/** Whether an endpoint subscribed to `types` receives `type`. */
export function subscribes(types: readonly string[], type: string): boolean {
  return types.some((t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}

/**
 * @example
 * const webhooks = createTenantWebhooks({ signingSecrets: control.signingSecrets, queue: jobs, db });
 * await db.withTenant(tenantId, (scope) => webhooks.create(scope, { url: 'https://hooks.example.com/t', eventTypes: ['member.*'] }));
 * await db.withTenant(tenantId, (scope) => webhooks.emit(scope, 'member.added', { userId }));
 */
export function createTenantWebhooks(options: TenantWebhooksOptions): TenantWebhooks {
  checkKnownKeys(options, ['signingSecrets', 'queue', 'db', 'clock', 'privateTargets', 'timeoutMs', 'retries', 'retryDelayMs', 'disableAfterFailures', 'maxEndpoints'], '');
  const { signingSecrets, queue, db } = options;
  const clock = options.clock ?? systemClock;
  const privateTargets: PrivateTargets = options.privateTargets ?? 'refuse';
  if (privateTargets !== 'refuse' && privateTargets !== 'allow') throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'privateTargets', reason: "'refuse' or 'allow'" } });
  const timeoutMs = integerOption(options.timeoutMs, 10_000, 100, 120_000, 'timeoutMs');
  const retries = integerOption(options.retries, 5, 0, 20, 'retries');
  const retryDelayMs = integerOption(options.retryDelayMs, 10_000, 0, 3_600_000, 'retryDelayMs');
  const disableAfterFailures = integerOption(options.disableAfterFailures, 5, 1, 1000, 'disableAfterFailures');
  const maxEndpoints = integerOption(options.maxEndpoints, 20, 1, 1000, 'maxEndpoints');

  queue.define<{ deliveryId: string }>(WEBHOOK_DELIVERY_JOB, {
    retry: { limit: retries, delayMs: retryDelayMs, backoff: true },
    // An attempt never runs past its timeout: a job still in flight a minute after that belongs
    // to a worker that died, and is run again then (not after the queue's default 15 minutes).
    expireInSeconds: Math.ceil(timeoutMs / 1000) + 60,
    concurrency: 8,
    // The queue re-enters the job's tenant (checked active) before this runs.
    handler: async ({ deliveryId }, job) => {
      const outcome = await db.withTenant(requireTenant().tenantId, (scope) => attempt(scope, deliveryId, { number: job.attempt, final: job.attempt > retries }));
      // A failure is thrown so the queue retries it with backoff (and dead-letters the last one).
      if (outcome === 'failed') throw controlErrors.create('WEBHOOK_DELIVERY_FAILED', { details: { deliveryId, attempt: job.attempt } });
    },
  });

  async function endpointRow(scope: ControlScope, id: string): Promise<EndpointRow> {
    const key = recordId(id);
    const { rows } = key === undefined ? { rows: [] } : await sqlOf(scope).query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM tenantry.webhook_endpoints WHERE tenant_id = $1 AND id = $2`, [scope.tenantId, key]);
    const row = rows[0];
    if (row === undefined) throw controlErrors.create('WEBHOOK_ENDPOINT_NOT_FOUND', { details: { id } });
    return row;
  }

  async function deliveryRow(scope: ControlScope, id: string): Promise<DeliveryRow | undefined> {
    const key = recordId(id);
    if (key === undefined) return undefined;
    const { rows } = await sqlOf(scope).query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM tenantry.webhook_deliveries WHERE tenant_id = $1 AND id = $2`, [scope.tenantId, key]);
    return rows[0];
  }

  /** Enqueues one delivery job per delivery, in the scope's tenant (never another's). */
  async function dispatch(tenantId: TenantId, deliveries: readonly WebhookDelivery[]): Promise<void> {
    await runWithTenant(tenantId, async () => {
      for (const delivery of deliveries) await queue.enqueue(WEBHOOK_DELIVERY_JOB, { deliveryId: delivery.id }, { idempotencyKey: delivery.id });
    });
  }

  async function insertDelivery(scope: ControlScope, endpointId: string, eventId: string, type: string, payload: string, replayOf: string | null): Promise<WebhookDelivery> {
    const { rows } = await sqlOf(scope).query<DeliveryRow>(
      `INSERT INTO tenantry.webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload, status, replay_of, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING ${DELIVERY_COLUMNS}`,
      [scope.tenantId, newRecordId(), endpointId, eventId, type, payload, replayOf, clock.now()],
    );
    return toDelivery(rows[0] as DeliveryRow);
  }

  async function attempt(scope: ControlScope, deliveryId: string, { number, final }: { readonly number: number; readonly final: boolean }): Promise<'delivered' | 'failed' | 'skipped'> {
    const delivery = await deliveryRow(scope, deliveryId);
    // Not there yet: emitted in a transaction that has not committed (the job can start first),
    // so it is tried again; on the last attempt it is taken as rolled back (or deleted with its
    // endpoint). Already settled by an earlier run of this job (at least once): nothing to send.
    if (delivery === undefined) return final ? 'skipped' : 'failed';
    if (delivery.status !== 'pending') return 'skipped';
    const endpoint = await endpointRow(scope, delivery.endpoint_id).catch(() => undefined);
    const started = clock.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    if (endpoint === undefined || !endpoint.enabled) {
      error = 'the endpoint is disabled';
    } else {
      try {
        // The current secret and any still in their grace period: a receiver holding either verifies.
        const secrets = (await signingSecrets.activeSecrets(scope)).map((s) => s.secret);
        if (secrets.length === 0) throw controlErrors.create('SIGNING_SECRET_NOT_FOUND');
        const headers = signStandardWebhook(secrets, delivery.event_id, clock.now(), delivery.payload);
        statusCode = await postWebhook(endpoint.url, headers, delivery.payload, { timeoutMs, privateTargets });
        if (statusCode < 200 || statusCode > 299) error = `the receiver answered ${statusCode}`;
      } catch (err) {
        error = (err instanceof Error ? `${'code' in err && typeof err.code === 'string' ? `${err.code}: ` : ''}${err.message}` : String(err)).slice(0, 500);
      }
    }
    const delivered = error === undefined;
    const settled = delivered || final || endpoint === undefined || !endpoint.enabled;
    const now = clock.now();
    await inTransaction(scope, async (tx) => {
      const sql = sqlOf(tx);
      await sql.query(
        `INSERT INTO tenantry.webhook_attempts (tenant_id, delivery_id, attempt, at, duration_ms, status_code, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, delivery_id, attempt) DO NOTHING`,
        [tx.tenantId, delivery.id, number, started, Math.max(0, now.getTime() - started.getTime()), statusCode ?? null, error ?? null],
      );
      await sql.query(
        `UPDATE tenantry.webhook_deliveries SET attempts = GREATEST(attempts, $3), status = $4, finished_at = $5 WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
        [tx.tenantId, delivery.id, number, delivered ? 'delivered' : settled ? 'failed' : 'pending', settled ? now : null],
      );
      if (endpoint === undefined || !endpoint.enabled) return;
      if (delivered) {
        await sql.query('UPDATE tenantry.webhook_endpoints SET consecutive_failures = 0 WHERE tenant_id = $1 AND id = $2 AND consecutive_failures <> 0', [tx.tenantId, endpoint.id]);
      } else if (settled) {
        // A failed delivery (all its retries spent) counts; enough in a row disable the endpoint.
        await sql.query(
          `UPDATE tenantry.webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
             enabled = consecutive_failures + 1 < $3,
             disabled_reason = CASE WHEN consecutive_failures + 1 >= $3 THEN $4 ELSE disabled_reason END,
             updated_at = $5
           WHERE tenant_id = $1 AND id = $2`,
          [tx.tenantId, endpoint.id, disableAfterFailures, `disabled after ${disableAfterFailures} failed deliveries in a row`, now],
        );
      }
    });
    if (delivered) return 'delivered';
    return settled && (endpoint === undefined || !endpoint.enabled) ? 'skipped' : 'failed';
  }

  return Object.freeze({
    async create(scope, input, actor = systemActor()) {
      checkKnownKeys(input, ['url', 'eventTypes', 'description'], 'input');
      checkActor(actor);
      const url = parseWebhookUrl(input.url, privateTargets);
      const eventTypes = parseEventTypes(input.eventTypes);
      const description = input.description === undefined ? null : textField(input.description, 'description', 1, 500);
      let signingSecret: string | undefined;
      const endpoint = await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const { rows: counted } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.webhook_endpoints WHERE tenant_id = $1', [tx.tenantId]);
        if ((counted[0]?.n ?? 0) >= maxEndpoints) throw controlErrors.create('WEBHOOK_LIMIT_REACHED', { details: { limit: maxEndpoints } });
        const now = clock.now();
        const { rows } = await sql.query<EndpointRow>(
          `INSERT INTO tenantry.webhook_endpoints (tenant_id, id, url, event_types, description, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${ENDPOINT_COLUMNS}`,
          [tx.tenantId, newRecordId(), url, eventTypes, description, now],
        );
        const made = toEndpoint(rows[0] as EndpointRow);
        await auditChange(tx, actor.id, 'webhook_endpoint.create', `webhook_endpoint:${made.id}`, { url, eventTypes }, clock);
        if ((await signingSecrets.list(tx)).length === 0) signingSecret = (await signingSecrets.rotate(tx, {}, actor)).secret;
        return made;
      });
      return signingSecret === undefined ? { endpoint } : { endpoint, signingSecret };
    },

    async list(scope) {
      const { rows } = await sqlOf(scope).query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM tenantry.webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`, [scope.tenantId]);
      return rows.map(toEndpoint);
    },

    async get(scope, id) {
      return toEndpoint(await endpointRow(scope, id));
    },

    async update(scope, id, change, actor = systemActor()) {
      checkKnownKeys(change, ['url', 'eventTypes', 'description', 'enabled'], 'change');
      checkActor(actor);
      if (change.enabled !== undefined && typeof change.enabled !== 'boolean') throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'enabled', reason: 'true or false' } });
      const url = change.url === undefined ? undefined : parseWebhookUrl(change.url, privateTargets);
      const eventTypes = change.eventTypes === undefined ? undefined : parseEventTypes(change.eventTypes);
      const description = change.description === undefined ? undefined : textField(change.description, 'description', 1, 500);
      return inTransaction(scope, async (tx) => {
        const before = await endpointRow(tx, id);
        const enabled = change.enabled ?? before.enabled;
        const reenabled = enabled && !before.enabled;
        const { rows } = await sqlOf(tx).query<EndpointRow>(
          `UPDATE tenantry.webhook_endpoints SET url = $3, event_types = $4, description = $5, enabled = $6,
             disabled_reason = CASE WHEN $6 THEN NULL WHEN $7 THEN 'disabled by the tenant' ELSE disabled_reason END,
             consecutive_failures = CASE WHEN $8 THEN 0 ELSE consecutive_failures END, updated_at = $9
           WHERE tenant_id = $1 AND id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
          [tx.tenantId, before.id, url ?? before.url, eventTypes ?? before.event_types, description ?? before.description, enabled, before.enabled && !enabled, reenabled, clock.now()],
        );
        await auditChange(tx, actor.id, 'webhook_endpoint.update', `webhook_endpoint:${before.id}`, {
          from: { url: before.url, eventTypes: before.event_types, enabled: before.enabled }, to: { url: url ?? before.url, eventTypes: eventTypes ?? before.event_types, enabled },
        }, clock);
        return toEndpoint(rows[0] as EndpointRow);
      });
    },

    async remove(scope, id, actor = systemActor()) {
      checkActor(actor);
      await inTransaction(scope, async (tx) => {
        const endpoint = await endpointRow(tx, id);
        const sql = sqlOf(tx);
        await sql.query(
          `DELETE FROM tenantry.webhook_attempts WHERE tenant_id = $1 AND delivery_id IN (SELECT id FROM tenantry.webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2)`,
          [tx.tenantId, endpoint.id],
        );
        await sql.query('DELETE FROM tenantry.webhook_deliveries WHERE tenant_id = $1 AND endpoint_id = $2', [tx.tenantId, endpoint.id]);
        await sql.query('DELETE FROM tenantry.webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tx.tenantId, endpoint.id]);
        await auditChange(tx, actor.id, 'webhook_endpoint.remove', `webhook_endpoint:${endpoint.id}`, { url: endpoint.url }, clock);
      });
    },

    async emit(scope, type, data, emitOptions = {}) {
      if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)) throw controlErrors.create('WEBHOOK_EVENT_TYPE_INVALID', { details: { known: [...WEBHOOK_EVENT_TYPES] } });
      const eventId = emitOptions.eventId ?? `msg_${randomUUID().replaceAll('-', '')}`;
      if (!/^[\x21-\x7e]{1,100}$/.test(eventId)) throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'eventId', reason: '1–100 printable ASCII characters' } });
      // Enabled endpoints with no delivery of this event yet (a re-emitted event is sent once).
      const { rows: endpoints } = await sqlOf(scope).query<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM tenantry.webhook_endpoints e WHERE tenant_id = $1 AND enabled
           AND NOT EXISTS (SELECT 1 FROM tenantry.webhook_deliveries d WHERE d.tenant_id = $1 AND d.endpoint_id = e.id AND d.event_id = $2 AND d.replay_of IS NULL)
         ORDER BY created_at, id`,
        [scope.tenantId, eventId],
      );
      const subscribed = endpoints.filter((endpoint) => subscribes(endpoint.event_types, type));
      if (subscribed.length === 0) return [];
      // The Standard Webhooks body: type, timestamp, data. The tenant is named in it so a
      // receiver shared by tenants can route, but the tenant never chooses it.
      const payload = JSON.stringify({ type, timestamp: clock.now().toISOString(), tenantId: scope.tenantId, data });
      const deliveries = await inTransaction(scope, async (tx) => {
        const made: WebhookDelivery[] = [];
        for (const endpoint of subscribed) made.push(await insertDelivery(tx, endpoint.id, eventId, type, payload, null));
        return made;
      });
      await dispatch(scope.tenantId, deliveries);
      return deliveries;
    },

    async deliveries(scope, filter = {}) {
      const limit = integerOption(filter.limit, 50, 1, 500, 'limit');
      const endpointId = filter.endpointId === undefined ? undefined : (await endpointRow(scope, filter.endpointId)).id;
      const { rows } = await sqlOf(scope).query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM tenantry.webhook_deliveries WHERE tenant_id = $1 AND ($2::uuid IS NULL OR endpoint_id = $2)
         ORDER BY created_at DESC, id LIMIT $3`,
        [scope.tenantId, endpointId ?? null, limit],
      );
      return rows.map(toDelivery);
    },

    async delivery(scope, id) {
      const row = await deliveryRow(scope, id);
      if (row === undefined) throw controlErrors.create('WEBHOOK_DELIVERY_NOT_FOUND', { details: { id } });
      const { rows } = await sqlOf(scope).query<{ attempt: number; at: Date; duration_ms: number; status_code: number | null; error: string | null }>(
        'SELECT attempt, at, duration_ms, status_code, error FROM tenantry.webhook_attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY attempt', [scope.tenantId, row.id],
      );
      const attemptLog = rows.map((a) => Object.freeze({
        attempt: a.attempt, at: a.at, durationMs: a.duration_ms, ...(a.status_code === null ? {} : { statusCode: a.status_code }), ...(a.error === null ? {} : { error: a.error }),
      }));
      return Object.freeze({ ...toDelivery(row), attemptLog });
    },

    async replay(scope, deliveryId, actor = systemActor()) {
      checkActor(actor);
      const replayed = await inTransaction(scope, async (tx) => {
        const original = await deliveryRow(tx, deliveryId);
        if (original === undefined) throw controlErrors.create('WEBHOOK_DELIVERY_NOT_FOUND', { details: { id: deliveryId } });
        await endpointRow(tx, original.endpoint_id);
        const made = await insertDelivery(tx, original.endpoint_id, original.event_id, original.event_type, original.payload, original.id);
        await auditChange(tx, actor.id, 'webhook_delivery.replay', `webhook_delivery:${original.id}`, { replay: made.id }, clock);
        return made;
      });
      await dispatch(scope.tenantId, [replayed]);
      return replayed;
    },

    attempt,
  } satisfies TenantWebhooks);
}
