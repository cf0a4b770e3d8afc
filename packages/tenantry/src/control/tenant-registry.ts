// The tenant registry: creating, finding and listing tenants, and persisting lifecycle
// transitions with concurrent transitions on one tenant serialized (exactly one wins).
import {
  coreErrors, ISOLATION_TIERS, newTenantId, parseTenantId, systemClock, TENANT_STATUSES,
  type Clock, type IsolationTier, type Tenant, type TenantId, type TenantStatus,
} from '../core/index.js';
import { appendAuditEvent, operatorAuditTransaction } from '../audit/index.js';
import type { TenantEncryption } from '../crypto/index.js';
import { toTenantryError, withPoolTransaction, type SqlConnection, type SqlPool, type TenantDatabase } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import type { TenantLookup } from '../resolve/index.js';
import type { Residency, TierPlacement } from '../placement/index.js';
import { ACCESS_MAX_AGE_MS, ACCESS_TOPIC } from './access-cache.js';
import { controlErrors } from './errors.js';
import { createTenantCache, type TenantCacheStats } from './tenant-cache.js';
import type { CacheOptions } from './tenant-document.js';
import { isolatedTables, purgeTenantData, type PurgeResult } from './tenant-purge.js';
import { nextStatus, type LifecycleEvent } from './tenant-lifecycle.js';
import { parseSlug } from './slug.js';

export interface CreateTenantInput {
  readonly slug: string;
  readonly displayName?: string;
  readonly tier?: IsolationTier;
  readonly plan?: string;
  readonly region?: string;
  /**
   * `pinned`: the region is a constraint — placing the tenant on a target of another region is
   * refused with RESIDENCY_VIOLATION. `preferred` (default): targets of the region come first.
   * Needs the registry's `placement`.
   */
  readonly residency?: Residency;
}

export interface ListTenantsOptions {
  /** Only tenants in this status. Without it, every tenant but the deleted ones (see `deleted`). */
  readonly status?: TenantStatus;
  /** Without `status`: `'include'` lists deleted tenants' tombstones too. Default `'exclude'`. */
  readonly deleted?: 'exclude' | 'include';
  readonly plan?: string;
  readonly tier?: IsolationTier;
  readonly region?: string;
  /** Case-insensitive substring of the slug or the display name (1–200 characters). */
  readonly search?: string;
  /** 1–500, default 50. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** What an operator may change on a tenant (its tier changes by moving it, not by an edit). */
export interface UpdateTenantInput {
  readonly displayName?: string;
  readonly plan?: string;
  readonly region?: string;
}

export interface TenantPage {
  readonly tenants: readonly Tenant[];
  /** Absent on the last page. */
  readonly nextCursor?: string;
}

/** Whether a lookup by id sees deleted tenants' tombstones. Default `'exclude'`. */
export interface GetTenantOptions {
  readonly deleted?: 'exclude' | 'include';
}

export interface TenantRegistry {
  /** Creates a tenant, provisions it and makes it active (onboarding a pooled tenant needs no DDL). */
  create(input: CreateTenantInput, by?: ChangeAuthor): Promise<Tenant>;
  /**
   * A tenant by id; a deleted one is not found unless `{ deleted: 'include' }` (its tombstone,
   * for what outlives it: its audit log).
   */
  get(id: TenantId | string, options?: GetTenantOptions): Promise<Tenant>;
  tryGet(id: TenantId | string, options?: GetTenantOptions): Promise<Tenant | undefined>;
  getBySlug(slug: string): Promise<Tenant>;
  tryGetBySlug(slug: string): Promise<Tenant | undefined>;
  list(options?: ListTenantsOptions): Promise<TenantPage>;
  /**
   * Changes the display name, plan or region, recorded in the tenant's audit log with each
   * field's old and new value; with `expectedVersion`, only if nobody changed the tenant since.
   * A plan change takes effect at once for quotas and rate limits (they read this row); feature
   * flags cache plan defaults per instance: call `control.flags.invalidate(id)` after a plan
   * change (the server's PATCH route does).
   */
  update(id: TenantId | string, input: UpdateTenantInput, options?: { expectedVersion?: number; by?: ChangeAuthor }): Promise<Tenant>;
  /**
   * Applies a lifecycle event, recorded in the tenant's audit log in the same transaction;
   * with `expectedVersion`, only if nobody changed the tenant since. A `reason` (e.g. `billing`)
   * is recorded in the event's details.
   */
  transition(id: TenantId | string, event: LifecycleEvent, options?: { expectedVersion?: number; by?: ChangeAuthor; reason?: string }): Promise<Tenant>;
  /** With a `reason`, it is kept on the tenant (`statusReason`) and in the audit event. */
  suspend(id: TenantId | string, by?: ChangeAuthor, options?: StatusChangeOptions): Promise<Tenant>;
  restore(id: TenantId | string, by?: ChangeAuthor, options?: StatusChangeOptions): Promise<Tenant>;
  offboard(id: TenantId | string, by?: ChangeAuthor, options?: StatusChangeOptions): Promise<Tenant>;
  /**
   * Destroys the tenant's data keys (when encryption is configured), purges its rows from
   * every isolated table, then marks it deleted. Needs `offboarding`. The audit log is kept.
   */
  delete(id: TenantId | string, by?: ChangeAuthor, options?: StatusChangeOptions): Promise<{ tenant: Tenant; purged: PurgeResult }>;
  /**
   * The resolver's lookup: with a change feed, tenants found are kept per instance and dropped
   * on every instance when this registry changes them (an update, any lifecycle transition),
   * so a suspension refuses requests everywhere within the feed's delivery time; without one,
   * `tryGet` and `tryGetBySlug` as they are.
   *
   * @example createTenantResolver({ strategies, tenants: registry.lookup })
   */
  readonly lookup: TenantLookup;
  /** The lookup cache's size, hits, misses and evictions (all zero without a change feed). */
  lookupStats(): TenantCacheStats;
  /** Resolves once the lookup's cache follows the change feed (before, it reads through). */
  ready(): Promise<void>;
  /** Unsubscribes the lookup's cache (the feed's connections stay the caller's). */
  close(): Promise<void>;
}

/** The feed topic on which the registry announces a changed tenant record. */
export const TENANTS_TOPIC = 'tenants';

export interface TenantRegistryOptions {
  /** Operator-role pool: the registry is cross-tenant and never touched by the app role's writes. */
  readonly operator: SqlPool;
  /** The app-role tenant database, used to purge a tenant's rows under its own isolation. */
  readonly data: TenantDatabase;
  /** When given, deleting a tenant first destroys its data keys (crypto-shredding), audited. */
  readonly encryption?: Pick<TenantEncryption, 'destroyTenantKeys'>;
  readonly clock?: Clock;
  /**
   * Tells every instance about changed tenants (the control plane's feed): the `lookup` caches
   * what it finds, and a change also drops the tenant's cached principals (`access` topic).
   */
  readonly changeFeed?: ChangeFeed;
  /** Tuning of the lookup's cache; its max age defaults to 5 000 ms (a lost announcement lags at most that). */
  readonly cache?: CacheOptions;
  /**
   * How long suspend, offboard and delete wait, after committing the new status, for the app
   * transactions that began before it (default 30 s). Past it they throw TENANT_WORK_IN_FLIGHT
   * (503): the status is changed, but work admitted before it may still be running.
   */
  readonly drainTimeoutMs?: number;
  /**
   * The placement directory (`createPlacement` of `tenantry/placement`): with it, tenants may be
   * created in the schema and database tiers and are placed by region and residency; without
   * it, every tenant is pooled.
   */
  readonly placement?: Pick<TierPlacement, 'tierFor' | 'choose' | 'record' | 'provision' | 'statusChanged' | 'remove'>;
}

/** What an operator says about a lifecycle change. */
export interface StatusChangeOptions {
  /**
   * Why (1–500 characters, trimmed): kept on the tenant as `statusReason` until its status
   * changes again, and in the transition's audit event.
   */
  readonly reason?: string;
}

/** Who asks for a change: recorded in the tenant's audit log with the change. */
export interface ChangeAuthor {
  /** `user:<id>`, `operator:<name>`, `cli`, `system` … */
  readonly actor: string;
  readonly requestId?: string;
}

const SYSTEM: ChangeAuthor = Object.freeze({ actor: 'system' });

interface TenantRow {
  id: string; slug: string; display_name: string; status: TenantStatus; tier: IsolationTier;
  plan: string; region: string; created_at: Date; updated_at: Date; status_changed_at: Date; version: number; status_reason: string | null;
}

const COLUMNS = 'id, slug, display_name, status, tier, plan, region, created_at, updated_at, status_changed_at, version, status_reason';

function toTenant(row: TenantRow): Tenant {
  return Object.freeze({
    id: row.id as TenantId,
    slug: row.slug,
    displayName: row.display_name,
    status: row.status,
    tier: row.tier,
    plan: row.plan,
    region: row.region,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    statusChangedAt: row.status_changed_at,
    ...(row.status_reason === null ? {} : { statusReason: row.status_reason }),
    version: row.version,
  });
}

const LABEL = /^[a-z0-9][a-z0-9_-]{0,63}$/;
function checkLabel(field: string, value: string | undefined, fallback: string): string {
  const v = value ?? fallback;
  if (!LABEL.test(v)) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field, reason: 'use 1–64 characters a–z, 0–9, "-" or "_"' } });
  return v;
}

function checkDisplayName(value: string): string {
  const displayName = value.trim();
  if (displayName.length < 1 || displayName.length > 200) {
    throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'displayName', reason: 'must be 1–200 characters' } });
  }
  return displayName;
}

function checkCreateInput(input: CreateTenantInput, placement: TenantRegistryOptions['placement']) {
  const slug = parseSlug(input.slug);
  const displayName = checkDisplayName(input.displayName ?? slug);
  const plan = checkLabel('plan', input.plan, 'free');
  if (input.tier !== undefined && !ISOLATION_TIERS.includes(input.tier)) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'tier', reason: `one of ${ISOLATION_TIERS.join(', ')}` } });
  const residency = input.residency ?? 'preferred';
  if (residency !== 'preferred' && residency !== 'pinned') throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'residency', reason: 'one of preferred, pinned' } });
  const tier = placement ? placement.tierFor(plan, input.tier) : (input.tier ?? 'pooled');
  if (!placement && (tier !== 'pooled' || residency === 'pinned')) {
    // Without a placement directory there is nowhere to put a schema or a database, and no
    // target whose region could be checked: refusing beats recording what the data does not have.
    throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: tier !== 'pooled' ? 'tier' : 'residency', reason: 'needs a placement directory (docs/tiers.md)' } });
  }
  return { slug, displayName, tier, plan, region: checkLabel('region', input.region, 'default'), residency };
}

function checkReason(reason: unknown): string | undefined {
  if (reason === undefined) return undefined;
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text.length < 1 || text.length > 500) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'reason', reason: 'must be 1–500 characters' } });
  return text;
}

/** The columns an update sets, checked; empty when the input names no field. */
function checkUpdateInput(input: UpdateTenantInput): Partial<Record<'display_name' | 'plan' | 'region', string>> {
  const known = new Set(['displayName', 'plan', 'region']);
  const unknown = Object.keys(input).find((k) => !known.has(k));
  if (unknown !== undefined) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: unknown, reason: 'not a field an update can change' } });
  return {
    ...(input.displayName !== undefined ? { display_name: checkDisplayName(input.displayName) } : {}),
    ...(input.plan !== undefined ? { plan: checkLabel('plan', input.plan, '') } : {}),
    ...(input.region !== undefined ? { region: checkLabel('region', input.region, '') } : {}),
  };
}

function checkListOptions(opts: ListTenantsOptions): { limit: number; search: string | null } {
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'limit', reason: 'an integer from 1 to 500' } });
  if (opts.status !== undefined && !TENANT_STATUSES.includes(opts.status)) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'status', reason: `one of ${TENANT_STATUSES.join(', ')}` } });
  if (opts.tier !== undefined && !ISOLATION_TIERS.includes(opts.tier)) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'tier', reason: `one of ${ISOLATION_TIERS.join(', ')}` } });
  if (opts.plan !== undefined) checkLabel('plan', opts.plan, '');
  if (opts.region !== undefined) checkLabel('region', opts.region, '');
  const search = opts.search?.trim().toLowerCase() ?? '';
  if (search.length > 200) throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'search', reason: 'at most 200 characters' } });
  return { limit, search: search === '' ? null : search };
}

function encodeCursor(t: Tenant): string {
  return Buffer.from(JSON.stringify([t.createdAt.toISOString(), t.id])).toString('base64url');
}
function decodeCursor(cursor: string): [string, TenantId] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) throw new Error('bad time');
    return [at, parseTenantId(id)];
  } catch {
    throw controlErrors.create('TENANT_FIELD_INVALID', { details: { field: 'cursor', reason: 'not a cursor this API returned' } });
  }
}

/**
 * The registry over the operator pool.
 *
 * @example
 * const registry = createTenantRegistry({ operator, data: db });
 * const acme = await registry.create({ slug: 'acme', displayName: 'Acme Inc.' });
 * await registry.suspend(acme.id);
 */
export function createTenantRegistry(options: TenantRegistryOptions): TenantRegistry {
  const { operator, data, placement } = options;
  const clock = options.clock ?? systemClock;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;

  const inTransaction = <T>(work: (c: SqlConnection) => Promise<T>): Promise<T> => withPoolTransaction(operator, work);
  const feed = options.changeFeed === undefined ? {} : { feed: options.changeFeed };
  const { onError, publishTimeoutMs, maxEntries } = options.cache ?? {};
  const tuning = {
    maxAgeMs: options.cache?.maxAgeMs ?? ACCESS_MAX_AGE_MS,
    ...(onError ? { onError } : {}),
    ...(publishTimeoutMs === undefined ? {} : { publishTimeoutMs }),
    ...(maxEntries === undefined ? {} : { maxEntries }),
  };
  const byId = createTenantCache<Tenant | undefined>({ ...feed, topic: TENANTS_TOPIC, ...tuning });
  // Only to announce on the access topic (the control plane's access cache listens there).
  const accessNotice = createTenantCache<never>({ ...feed, topic: ACCESS_TOPIC, ...tuning });
  // Slugs found, by slug; checked against the record on every hit (a deleted tenant's slug may be taken again).
  const slugs = new Map<string, TenantId>();
  /** After a change committed: every instance drops the tenant's record and cached principals. */
  const announce = async (id: TenantId): Promise<void> => {
    await Promise.all([byId.changed(id), accessNotice.changed(id)]);
  };

  async function tryGet(rawId: TenantId | string, getOptions: GetTenantOptions = {}): Promise<Tenant | undefined> {
    const id = parseTenantId(rawId);
    // A deleted tenant is a tombstone: not found, like an id that never existed, unless asked for.
    const deleted = getOptions.deleted === 'include';
    const { rows } = await operator.query<TenantRow>(`SELECT ${COLUMNS} FROM tenantry.tenants WHERE id = $1 AND (status <> 'deleted' OR $2)`, [id, deleted]).catch((e: unknown) => { throw toTenantryError(e); });
    return rows[0] ? toTenant(rows[0]) : undefined;
  }

  async function tryGetBySlug(rawSlug: string): Promise<Tenant | undefined> {
    const slug = typeof rawSlug === 'string' ? rawSlug.trim().toLowerCase() : '';
    const { rows } = await operator
      .query<TenantRow>(`SELECT ${COLUMNS} FROM tenantry.tenants WHERE slug = $1 AND status <> 'deleted'`, [slug])
      .catch((e: unknown) => { throw toTenantryError(e); });
    return rows[0] ? toTenant(rows[0]) : undefined;
  }

  async function audit(c: SqlConnection, id: TenantId, by: ChangeAuthor, action: string, details: Record<string, string | number | Record<string, number> | Record<string, string>>): Promise<void> {
    const tx = await operatorAuditTransaction(c, id);
    await appendAuditEvent(tx, { actor: by.actor, action, target: `tenant:${id}`, ...(by.requestId ? { requestId: by.requestId } : {}), details }, { clock });
  }

  async function transition(rawId: TenantId | string, event: LifecycleEvent, opts: { expectedVersion?: number; by?: ChangeAuthor; reason?: string; details?: Record<string, Record<string, number>> } = {}): Promise<Tenant> {
    const id = parseTenantId(rawId);
    const reason = checkReason(opts.reason);
    const tenant = await inTransaction(async (c) => {
      // The row lock serializes concurrent transitions: the second waits, then sees the first's
      // result and is judged against it.
      const { rows } = await c.query<TenantRow>(`SELECT ${COLUMNS} FROM tenantry.tenants WHERE id = $1 FOR UPDATE`, [id]);
      const current = rows[0];
      if (!current || current.status === 'deleted') throw coreErrors.create('TENANT_NOT_FOUND');
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== current.version) {
        throw controlErrors.create('TENANT_VERSION_CONFLICT', { details: { expectedVersion: opts.expectedVersion, version: current.version } });
      }
      const to = nextStatus(current.status, event);
      const { rows: updated } = await c.query<TenantRow>(
        `UPDATE tenantry.tenants SET status = $2, status_changed_at = $3, updated_at = $3, version = version + 1, status_reason = $4
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, to, clock.now(), reason ?? null],
      );
      const tenant = toTenant(updated[0] as TenantRow);
      await audit(c, id, opts.by ?? SYSTEM, `tenant.${event}`, { from: current.status, to, version: tenant.version, ...(reason === undefined ? {} : { reason }), ...opts.details });
      return tenant;
    });
    await announce(id);
    // A database-tier tenant's gate reads its status in its own database: mirror it there first.
    if (placement) await placement.statusChanged(tenant, drainTimeoutMs);
    // Committed: every app transaction that begins from now on reads the new status. Those that
    // began before may still be working under the old one; a transition that stops work
    // returns only once they have ended, so after it no row of the tenant is read or written
    // (and the purge, which waits the same way, finds every row such a transaction wrote).
    if (tenant.status !== 'active') await awaitAppTransactions();
    return tenant;
  }

  /** Waits until every app-role transaction that began before this call has ended (migration 0012). */
  async function awaitAppTransactions(): Promise<void> {
    await operator.query('SELECT tenantry.await_app_transactions($1)', [drainTimeoutMs]).catch((e: unknown) => { throw toTenantryError(e); });
  }

  const cachedTryGet = (rawId: TenantId | string): Promise<Tenant | undefined> => {
    const id = parseTenantId(rawId);
    return byId.get(id, () => tryGet(id));
  };
  const lookup: TenantLookup = options.changeFeed === undefined ? { tryGet: (id) => tryGet(id), tryGetBySlug } : {
    tryGet: cachedTryGet,
    async tryGetBySlug(rawSlug) {
      const slug = typeof rawSlug === 'string' ? rawSlug.trim().toLowerCase() : '';
      const known = slugs.get(slug);
      if (known !== undefined) {
        const tenant = await cachedTryGet(known);
        if (tenant?.slug === slug) return tenant;
        slugs.delete(slug);
      }
      const tenant = await tryGetBySlug(slug);
      if (tenant !== undefined) {
        if (slugs.size >= 10_000) slugs.delete(slugs.keys().next().value as string);
        slugs.set(slug, tenant.id);
      }
      return tenant;
    },
  };

  return {
    async create(input, by = SYSTEM) {
      const fields = checkCreateInput(input, placement);
      const request = { tier: fields.tier, region: fields.region, residency: fields.residency };
      // Chosen before anything is written: a residency refusal leaves no trace but its error.
      const target = placement ? await placement.choose(request) : undefined;
      const id = newTenantId();
      const now = clock.now();
      await inTransaction(async (c) => {
        try {
          await c.query(
            `INSERT INTO tenantry.tenants (id, slug, display_name, status, tier, plan, region, created_at, updated_at, status_changed_at)
             VALUES ($1, $2, $3, 'provisioning', $4, $5, $6, $7, $7, $7)`,
            [id, fields.slug, fields.displayName, fields.tier, fields.plan, fields.region, now],
          );
        } catch (err) {
          const mapped = toTenantryError(err);
          if (mapped.code === 'UNIQUE_VIOLATION') throw controlErrors.create('TENANT_SLUG_TAKEN', { details: { slug: fields.slug } });
          throw mapped;
        }
        // The placement is written with the tenant's row, so a route looked up at any moment
        // finds either no tenant or the tenant with its tier.
        const placed = placement && target ? await placement.record(c, id, request, target) : undefined;
        await audit(c, id, by, 'tenant.create', {
          slug: fields.slug, tier: fields.tier, plan: fields.plan, region: fields.region,
          ...(placed ? { target: placed.target, residency: placed.residency } : {}),
        });
      });
      // Pooled tenants need no provisioning steps: their tables already exist under RLS. A
      // schema or database is made (and migrated) while the tenant is still `provisioning`:
      // no statement runs for it until it is active. A failure leaves it provisioning.
      if (placement) await placement.provision((await tryGet(id)) as Tenant);
      return transition(id, 'activate', { by });
    },
    async get(id, getOptions) {
      const tenant = await tryGet(id, getOptions);
      if (!tenant) throw coreErrors.create('TENANT_NOT_FOUND');
      return tenant;
    },
    tryGet,
    async getBySlug(slug) {
      const tenant = await tryGetBySlug(slug);
      if (!tenant) throw coreErrors.create('TENANT_NOT_FOUND');
      return tenant;
    },
    tryGetBySlug,
    async list(opts = {}) {
      const { limit, search } = checkListOptions(opts);
      const after = opts.cursor === undefined ? null : decodeCursor(opts.cursor);
      // strpos, not LIKE: a search for "50%_off" means those characters, not wildcards.
      const { rows } = await operator
        .query<TenantRow>(
          `SELECT ${COLUMNS} FROM tenantry.tenants
            WHERE (status = $1 OR ($1::text IS NULL AND (status <> 'deleted' OR $9)))
              AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
              AND ($5::text IS NULL OR plan = $5) AND ($6::text IS NULL OR tier = $6) AND ($7::text IS NULL OR region = $7)
              AND ($8::text IS NULL OR strpos(slug, $8) > 0 OR strpos(lower(display_name), $8) > 0)
            ORDER BY created_at, id LIMIT $4`,
          [opts.status ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1, opts.plan ?? null, opts.tier ?? null, opts.region ?? null, search, opts.deleted === 'include'],
        )
        .catch((e: unknown) => { throw toTenantryError(e); });
      const tenants = rows.slice(0, limit).map(toTenant);
      const last = tenants.at(-1);
      return rows.length > limit && last ? { tenants, nextCursor: encodeCursor(last) } : { tenants };
    },
    async update(rawId, input, opts = {}) {
      const id = parseTenantId(rawId);
      const columns = checkUpdateInput(input);
      const updated = await inTransaction(async (c) => {
        const { rows } = await c.query<TenantRow>(`SELECT ${COLUMNS} FROM tenantry.tenants WHERE id = $1 FOR UPDATE`, [id]);
        const current = rows[0];
        if (!current || current.status === 'deleted') throw coreErrors.create('TENANT_NOT_FOUND');
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== current.version) {
          throw controlErrors.create('TENANT_VERSION_CONFLICT', { details: { expectedVersion: opts.expectedVersion, version: current.version } });
        }
        const changed = (Object.entries(columns) as [keyof typeof columns, string][]).filter(([column, value]) => current[column] !== value);
        if (changed.length === 0) return toTenant(current);
        const sets = changed.map(([column], i) => `${column} = $${i + 3}`).join(', ');
        const { rows: updated } = await c.query<TenantRow>(
          `UPDATE tenantry.tenants SET ${sets}, updated_at = $2, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, clock.now(), ...changed.map(([, value]) => value)],
        );
        const tenant = toTenant(updated[0] as TenantRow);
        const details = Object.fromEntries(changed.map(([column, value]) => [column, { from: current[column], to: value }]));
        await audit(c, id, opts.by ?? SYSTEM, 'tenant.update', { ...details, version: tenant.version });
        return tenant;
      });
      // Plan, display name: the record requests are resolved to (rate limits read its plan).
      await announce(id);
      return updated;
    },
    transition,
    suspend: (id, by, change) => transition(id, 'suspend', { ...(by ? { by } : {}), ...change }),
    restore: (id, by, change) => transition(id, 'restore', { ...(by ? { by } : {}), ...change }),
    offboard: (id, by, change) => transition(id, 'offboard', { ...(by ? { by } : {}), ...change }),
    async delete(rawId, by = SYSTEM, change = {}) {
      const id = parseTenantId(rawId);
      checkReason(change.reason); // before anything is purged
      const current = await tryGet(id);
      if (!current) throw coreErrors.create('TENANT_NOT_FOUND');
      nextStatus(current.status, 'delete'); // refuse early: purge only what is being offboarded
      // The offboard that got here may have run in another process, or timed out waiting: wait
      // again, so that no transaction admitted while the tenant was active writes after the purge.
      await awaitAppTransactions();
      // Shred, purge, then mark deleted: if a step fails the tenant stays `offboarding` and
      // delete can simply run again (every step is idempotent).
      if (options.encryption) {
        const { encryption } = options;
        await data.transaction(
          id,
          async (tx) => {
            const destroyed = await encryption.destroyTenantKeys(tx);
            await appendAuditEvent(tx, { actor: by.actor, action: 'tenant.keys.destroy', target: `tenant:${id}`, ...(by.requestId ? { requestId: by.requestId } : {}), details: { versions: destroyed.versions.length } }, { clock });
          },
          { admit: 'offboarding' },
        );
      }
      const purged = await purgeTenantData(data, id, await isolatedTables(operator).catch((e: unknown) => { throw toTenantryError(e); }));
      const tenant = await transition(id, 'delete', { by, ...change, details: { purged: { ...purged.deleted } } });
      // A schema or database of its own goes whole, once the tenant is marked deleted.
      if (placement) await placement.remove(id);
      return { tenant, purged };
    },
    lookup,
    lookupStats: () => byId.stats(),
    ready: async () => { await Promise.all([byId.ready(), accessNotice.ready()]); },
    close: async () => { await Promise.all([byId.close(), accessNotice.close()]); },
  };
}
