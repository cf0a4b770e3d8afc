// Typed per-tenant settings: the application declares them once as a TypeBox object schema with
// defaults; each tenant stores only the values it chose; reads go through the instance's cache.
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import { auditChange } from './audit-change.js';
import { checkKnownKeys } from './check-options.js';
import { checkActor, sqlOf } from './control-sql.js';
import { controlErrors } from './errors.js';
import type { Actor } from './permissions.js';
import { createTenantCache } from './tenant-cache.js';
import { deepFreeze, plainObject, tenantOf, type CacheOptions } from './tenant-document.js';

export interface TenantSettingsOptions<S extends TObject> {
  /** The app-role tenant database. */
  readonly db: TenantDatabase;
  /**
   * Every setting, with a default for each required one: `Value.Default(schema, {})` must pass
   * the schema. Nested objects, unions, formats — anything TypeBox's `Value` checks.
   */
  readonly schema: S;
  /** Tells the other instances to drop their cached copy (docs/settings.md); without it nothing is cached. */
  readonly feed?: ChangeFeed;
  readonly clock?: Clock;
  readonly cache?: CacheOptions;
}

export interface TenantSettings<T> {
  /** The tenant's settings: its choices over the defaults, from the cache when it holds them. */
  get(tenantId: TenantId | string): Promise<Readonly<T>>;
  /** The cached settings, synchronously — the hot path; undefined on a miss (then call get). */
  peek(tenantId: TenantId | string): Readonly<T> | undefined;
  /**
   * Changes the settings named in `patch` (top-level keys; a nested object is replaced whole),
   * audited in the same transaction, and tells every instance. Throws SETTINGS_INVALID naming
   * the field (`details.field`, `a.b` when nested).
   *
   * @example await settings.update(tenantId, { timezone: 'Europe/Paris' }, actor);
   */
  update(tenantId: TenantId | string, patch: Partial<T>, actor: Actor): Promise<Readonly<T>>;
  /** Puts settings back to their defaults. */
  reset(tenantId: TenantId | string, fields: readonly (keyof T & string)[], actor: Actor): Promise<Readonly<T>>;
  /** Drops every instance's cached copy (after changing the rows behind the library's back). */
  invalidate(tenantId: TenantId | string): Promise<void>;
  /** Resolves once reads can be served from the cache. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function fieldOf(path: string): string {
  return path.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/**
 * @example
 * const Settings = Type.Object({ timezone: Type.String({ default: 'UTC' }), seats: Type.Integer({ minimum: 1, default: 5 }) });
 * const settings = createTenantSettings({ db, schema: Settings, feed });
 * const { timezone } = settings.peek(tenantId) ?? await settings.get(tenantId);
 */
export function createTenantSettings<S extends TObject>(options: TenantSettingsOptions<S>): TenantSettings<Static<S>> {
  checkKnownKeys(options, ['db', 'schema', 'feed', 'clock', 'cache'], '');
  type T = Static<S>;
  const { db, schema } = options;
  const clock = options.clock ?? systemClock;
  const keys = new Set(Object.keys(schema.properties));
  const defaults = Value.Default(schema, {}) as Json;
  const broken = Value.Errors(schema, defaults).First();
  if (broken !== undefined) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: `schema.${fieldOf(broken.path) || '(root)'}`, reason: 'needs a default (or Type.Optional) so a tenant that chose nothing has valid settings' } });
  }
  const cache = createTenantCache<Readonly<T>>({ topic: 'settings', ...(options.feed ? { feed: options.feed } : {}), ...options.cache });

  /**
   * The stored choices the schema still accepts, and the values they give over the defaults. A
   * choice the application's schema no longer knows or accepts falls back to the default.
   */
  function validChoices(stored: Json): { kept: Json; values: Json } {
    const kept: Json = {};
    for (const [key, value] of Object.entries(stored)) if (keys.has(key)) kept[key] = value;
    for (;;) {
      const values = Value.Default(schema, structuredClone(kept)) as Json;
      const error = Value.Errors(schema, values).First();
      if (error === undefined) return { kept, values };
      const key = fieldOf(error.path).split('.')[0] ?? '';
      if (!(key in kept)) throw coreErrors.create('INTERNAL', { message: 'settings defaults do not pass the schema' });
      delete kept[key];
    }
  }
  const resolve = (stored: Json): Readonly<T> => deepFreeze(validChoices(stored).values) as Readonly<T>;

  async function readChosen(tenantId: TenantId): Promise<Json> {
    const { rows } = await db.withTenant(tenantId, (scope) =>
      sqlOf(scope).query<{ settings: Json }>('SELECT settings FROM tenantry.tenant_settings WHERE tenant_id = $1', [tenantId]));
    return rows[0]?.settings ?? {};
  }

  async function change(tenantId: TenantId, actor: Actor, action: string, edit: (chosen: Json) => { chosen: Json; fields: string[] }): Promise<Readonly<T>> {
    checkActor(actor);
    const values = await db.transaction(tenantId, async (tx) => {
      const sql = sqlOf(tx);
      const now = clock.now();
      // Create the row first, then lock it: two first writers must not both start from `{}`.
      await sql.query(
        `INSERT INTO tenantry.tenant_settings (tenant_id, settings, updated_at, updated_by) VALUES ($1, '{}', $2, $3) ON CONFLICT (tenant_id) DO NOTHING`,
        [tenantId, now, actor.id],
      );
      const { rows } = await sql.query<{ settings: Json }>('SELECT settings FROM tenantry.tenant_settings WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
      // A stale stored value (the schema changed) must not block a patch of another setting.
      const { chosen, fields } = edit(validChoices(rows[0]?.settings ?? {}).kept);
      const candidate = Value.Default(schema, structuredClone(chosen)) as Json;
      const error = Value.Errors(schema, candidate).First();
      if (error !== undefined) throw controlErrors.create('SETTINGS_INVALID', { details: { field: fieldOf(error.path), reason: error.message } });
      const text = JSON.stringify(chosen);
      if (Buffer.byteLength(text) > 65_536) throw controlErrors.create('SETTINGS_INVALID', { details: { field: fields[0] ?? '', reason: 'the settings together exceed 64 KiB' } });
      await sql.query('UPDATE tenantry.tenant_settings SET settings = $2::jsonb, updated_at = $3, updated_by = $4 WHERE tenant_id = $1', [tenantId, text, now, actor.id]);
      await auditChange(tx, actor.id, action, 'settings', { fields }, clock);
      return deepFreeze(candidate) as Readonly<T>;
    });
    await cache.changed(tenantId);
    return values;
  }

  return Object.freeze({
    get(rawTenantId) {
      const tenantId = tenantOf(rawTenantId);
      return cache.get(tenantId, async () => resolve(await readChosen(tenantId)));
    },
    peek: (tenantId) => cache.peek(tenantId as TenantId),
    async update(rawTenantId, patch, actor) {
      const tenantId = tenantOf(rawTenantId);
      const fields = Object.keys(plainObject(patch, 'SETTINGS_INVALID'));
      for (const field of fields) {
        if (!keys.has(field)) throw controlErrors.create('SETTINGS_INVALID', { details: { field, reason: 'not a known setting' } });
      }
      return change(tenantId, actor, 'settings.update', (current) => ({ chosen: { ...current, ...structuredClone(patch) }, fields }));
    },
    async reset(rawTenantId, fields, actor) {
      const tenantId = tenantOf(rawTenantId);
      for (const field of fields) {
        if (!keys.has(field)) throw controlErrors.create('SETTINGS_INVALID', { details: { field, reason: 'not a known setting' } });
      }
      return change(tenantId, actor, 'settings.reset', (current) => {
        const chosen = { ...current };
        for (const field of fields) delete chosen[field];
        return { chosen, fields: [...fields] };
      });
    },
    invalidate: (tenantId) => cache.changed(tenantOf(tenantId)),
    ready: () => cache.ready(),
    close: () => cache.close(),
  } satisfies TenantSettings<T>);
}
