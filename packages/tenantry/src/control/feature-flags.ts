// Feature flags per tenant: a tenant's override, else its plan's answer, else a percentage
// rollout stable per tenant, else the flag's default — resolved once per load and cached.
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import { auditChange } from './audit-change.js';
import { checkKnownKeys } from './check-options.js';
import { checkActor, sqlOf } from './control-sql.js';
import { controlErrors } from './errors.js';
import { rolloutBucket } from './flag-rollout.js';
import type { Actor } from './permissions.js';
import { createTenantCache } from './tenant-cache.js';
import { tenantOf, type CacheOptions } from './tenant-document.js';

/** How many overrides one tenant may hold: each is resolved on every load of its flags. */
export const MAX_FLAG_OVERRIDES = 256;

/** Where a flag's answer came from, in the order they are asked. */
export type FlagSource = 'override' | 'plan' | 'rollout' | 'default';

export interface FlagState {
  readonly key: string;
  readonly enabled: boolean;
  readonly source: FlagSource;
}

export interface FlagDefinition {
  /** The answer when nothing else decides. Default false. */
  readonly default?: boolean;
  /** On for this share of tenants (0–100, hundredths count), chosen by a hash of key and tenant id. */
  readonly rolloutPercent?: number;
  readonly description?: string;
}

export interface FeatureFlagsOptions {
  readonly db: TenantDatabase;
  /** The flags the application knows. Keys seen only in a plan or an override are listed too. */
  readonly flags?: Readonly<Record<string, FlagDefinition>>;
  /** The features a plan turns on or off (`tenantry.tenants.plan` names the tenant's). */
  readonly planFeatures?: (plan: string) => Readonly<Record<string, boolean>>;
  readonly feed?: ChangeFeed;
  readonly clock?: Clock;
  readonly cache?: CacheOptions;
}

/** One tenant's flags, resolved: what the cache holds. */
export interface TenantFlags {
  readonly plan: string;
  /** Every flag known for the tenant, by key. */
  readonly items: readonly FlagState[];
  /** The state of `key` (an unknown key is off, source `default`). */
  get(key: string): FlagState;
  isEnabled(key: string): boolean;
}

export interface FeatureFlags {
  /** The tenant's resolved flags, from the cache when it holds them. */
  load(tenantId: TenantId | string): Promise<TenantFlags>;
  /** The cached flags, synchronously; undefined on a miss (then call load). */
  peek(tenantId: TenantId | string): TenantFlags | undefined;
  /** @example if (await flags.isEnabled(tenantId, 'new-editor')) … */
  isEnabled(tenantId: TenantId | string, key: string): Promise<boolean>;
  /** Sets the tenant's override of `key` (audited) and tells every instance. */
  set(tenantId: TenantId | string, key: string, enabled: boolean, actor: Actor): Promise<FlagState>;
  /** Removes the override: the plan, rollout or default decides again. Idempotent. */
  clear(tenantId: TenantId | string, key: string, actor: Actor): Promise<FlagState>;
  /**
   * Drops every instance's cached flags of the tenant. Call it after changing the tenant's
   * plan (the registry changes that column, not this service).
   */
  invalidate(tenantId: TenantId | string): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

const FLAG_KEY = /^[a-z][a-z0-9._-]{0,63}$/;

/** A flag key, or FLAG_KEY_INVALID. */
export function flagKey(value: unknown): string {
  if (typeof value !== 'string' || !FLAG_KEY.test(value)) throw controlErrors.create('FLAG_KEY_INVALID');
  return value;
}

function checkDefinitions(flags: Readonly<Record<string, FlagDefinition>>): void {
  for (const [key, def] of Object.entries(flags)) {
    const path = `flags.${key}`;
    if (!FLAG_KEY.test(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: 'a flag key is a-z, 0-9, ".", "_" or "-", starting with a letter' } });
    const p = def.rolloutPercent;
    if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 100))) {
      throw coreErrors.create('CONFIG_INVALID', { details: { path: `${path}.rolloutPercent`, reason: 'a number from 0 to 100' } });
    }
  }
}

/**
 * @example
 * const flags = createFeatureFlags({ db, feed, flags: { 'new-editor': { rolloutPercent: 10 } }, planFeatures: (plan) => catalog[plan]?.features ?? {} });
 * const on = (flags.peek(tenantId) ?? await flags.load(tenantId)).isEnabled('new-editor');
 */
export function createFeatureFlags(options: FeatureFlagsOptions): FeatureFlags {
  checkKnownKeys(options, ['db', 'flags', 'planFeatures', 'feed', 'clock', 'cache'], '');
  const { db } = options;
  const definitions = options.flags ?? {};
  checkDefinitions(definitions);
  const planFeatures = options.planFeatures ?? (() => ({}));
  const clock = options.clock ?? systemClock;
  const cache = createTenantCache<TenantFlags>({ topic: 'flags', ...(options.feed ? { feed: options.feed } : {}), ...options.cache });

  function stateOf(key: string, tenantId: TenantId, overrides: ReadonlyMap<string, boolean>, plan: Readonly<Record<string, boolean>>): FlagState {
    const override = overrides.get(key);
    if (override !== undefined) return { key, enabled: override, source: 'override' };
    const fromPlan = Object.hasOwn(plan, key) ? plan[key] : undefined;
    if (typeof fromPlan === 'boolean') return { key, enabled: fromPlan, source: 'plan' };
    const def = Object.hasOwn(definitions, key) ? definitions[key] : undefined;
    if (def?.rolloutPercent !== undefined) {
      return { key, enabled: rolloutBucket(key, tenantId) < Math.round(def.rolloutPercent * 100), source: 'rollout' };
    }
    return { key, enabled: def?.default ?? false, source: 'default' };
  }

  function resolve(tenantId: TenantId, planName: string, overrides: ReadonlyMap<string, boolean>): TenantFlags {
    const plan = planFeatures(planName);
    const keys = [...new Set([...Object.keys(definitions), ...Object.keys(plan), ...overrides.keys()])].filter((k) => FLAG_KEY.test(k)).sort();
    const byKey = new Map(keys.map((key) => [key, Object.freeze(stateOf(key, tenantId, overrides, plan))]));
    const items = Object.freeze([...byKey.values()]);
    const get = (key: string) => byKey.get(key) ?? Object.freeze(stateOf(key, tenantId, overrides, plan));
    return Object.freeze({ plan: planName, items, get, isEnabled: (key: string) => get(key).enabled });
  }

  async function read(tenantId: TenantId): Promise<TenantFlags> {
    // One statement, one round trip. The app role may read its own tenant's registry row
    // (0002's tenants_self policy); the overrides come under the tenant's isolation policy.
    const { rows } = await db.withTenant(tenantId, (scope) => sqlOf(scope).query<{ plan: string; overrides: Record<string, boolean> }>(
      `SELECT t.plan, coalesce((SELECT jsonb_object_agg(o.flag_key, o.enabled) FROM tenantry.feature_flag_overrides o WHERE o.tenant_id = $1), '{}') AS overrides
         FROM tenantry.tenants t WHERE t.id = $1`, [tenantId]));
    const row = rows[0];
    return resolve(tenantId, row?.plan ?? '', new Map(Object.entries(row?.overrides ?? {})));
  }

  const load = (rawTenantId: TenantId | string) => {
    const tenantId = tenantOf(rawTenantId);
    return cache.get(tenantId, () => read(tenantId));
  };

  return Object.freeze({
    load,
    peek: (tenantId) => cache.peek(tenantId as TenantId),
    async isEnabled(tenantId, key) {
      return (await load(tenantId)).isEnabled(key);
    },
    async set(rawTenantId, rawKey, enabled, actor) {
      const tenantId = tenantOf(rawTenantId);
      const key = flagKey(rawKey);
      checkActor(actor);
      if (typeof enabled !== 'boolean') throw controlErrors.create('CONTROL_FIELD_INVALID', { details: { field: 'enabled', reason: 'must be a boolean' } });
      await db.transaction(tenantId, async (tx) => {
        const sql = sqlOf(tx);
        const now = clock.now();
        const { rowCount } = await sql.query(
          `INSERT INTO tenantry.feature_flag_overrides (tenant_id, flag_key, enabled, updated_at, updated_by)
           SELECT $1, $2, $3, $4, $5
            WHERE (SELECT count(*) FROM tenantry.feature_flag_overrides WHERE tenant_id = $1 AND flag_key <> $2) < $6
           ON CONFLICT (tenant_id, flag_key) DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
          [tenantId, key, enabled, now, actor.id, MAX_FLAG_OVERRIDES],
        );
        if (rowCount !== 1) throw controlErrors.create('FLAG_OVERRIDE_LIMIT_REACHED', { details: { limit: MAX_FLAG_OVERRIDES } });
        await auditChange(tx, actor.id, 'feature_flag.set', `flag:${key}`, { enabled }, clock);
      });
      await cache.changed(tenantId);
      return { key, enabled, source: 'override' };
    },
    async clear(rawTenantId, rawKey, actor) {
      const tenantId = tenantOf(rawTenantId);
      const key = flagKey(rawKey);
      checkActor(actor);
      const removed = await db.transaction(tenantId, async (tx) => {
        const { rowCount } = await sqlOf(tx).query('DELETE FROM tenantry.feature_flag_overrides WHERE tenant_id = $1 AND flag_key = $2', [tenantId, key]);
        if (rowCount === 1) await auditChange(tx, actor.id, 'feature_flag.clear', `flag:${key}`, {}, clock);
        return rowCount === 1;
      });
      if (removed) await cache.changed(tenantId);
      return (await load(tenantId)).get(key);
    },
    invalidate: (tenantId) => cache.changed(tenantOf(tenantId)),
    ready: () => cache.ready(),
    close: () => cache.close(),
  } satisfies FeatureFlags);
}
