// The plan catalog: meters, and per plan its limits (hard and soft), feature flags and prices.
// Validated once at construction, so a typo in a limit or a float price fails at start, with
// the path of the entry, instead of at the first invoice.
import { quotaErrors } from './errors.js';
import type { TenantDatabaseLimits } from '../postgres/index.js';

/**
 * How a meter counts. `period`: a total that starts again each billing period (API calls).
 * `level`: a level that persists (storage bytes, seats) and can go down. `rate`: a per-minute
 * allowance the rate limiter enforces; it is a limit only, never metered here.
 */
export type MeterKind = 'period' | 'level' | 'rate';

export interface MeterDefinition {
  readonly kind: MeterKind;
  /** What one unit is, for people: 'requests', 'bytes', 'seats'. */
  readonly unit: string;
}

/** A limit as written: a number (the hard limit), or hard and soft apart; null is unlimited. */
export type LimitOption = number | null | { readonly hard?: number | null; readonly soft?: number | null };

export interface MeterPriceOption {
  /** Units included in the base price each period. Default 0. */
  readonly includedUnits?: number;
  /** Price in minor currency units (cents) of one block of `perUnits` units beyond that. */
  readonly unitPriceMinor: number;
  /** Units per priced block, e.g. 1000 for "0.05 € per 1000 requests". Default 1. */
  readonly perUnits?: number;
}

export interface PlanPriceOption {
  /** ISO 4217 code, e.g. 'EUR'. */
  readonly currency: string;
  /** The plan's price per billing period (a calendar month, UTC) in minor units. */
  readonly baseMinor: number;
  /** Overage pricing per meter; a meter without one is not billed beyond the base price. */
  readonly meters?: Readonly<Record<string, MeterPriceOption>>;
}

export interface PlanOption {
  readonly limits?: Readonly<Record<string, LimitOption>>;
  readonly features?: Readonly<Record<string, boolean>>;
  /**
   * The plan's database limits (docs/noisy-neighbours.md): statement, lock and idle-in-transaction
   * timeouts in its tenants' transactions, and their weight and connection cap in fair admission.
   * Absent: the app role's settings and weight 1.
   */
  readonly database?: TenantDatabaseLimits;
  readonly price: PlanPriceOption;
}

export interface PlanCatalogOptions {
  readonly meters: Readonly<Record<string, MeterDefinition>>;
  readonly plans: Readonly<Record<string, PlanOption>>;
}

/** A resolved limit: null where there is none. */
export interface Limit {
  readonly hard: number | null;
  readonly soft: number | null;
}

export interface MeterPrice {
  readonly includedUnits: number;
  readonly unitPriceMinor: number;
  readonly perUnits: number;
}

export interface Plan {
  readonly name: string;
  /** Every meter of the catalog; unlimited where the plan sets nothing. */
  readonly limits: Readonly<Record<string, Limit>>;
  readonly features: Readonly<Record<string, boolean>>;
  /** Pass to `createTenantDatabase({ limits })` for the plan's tenants; `{}` when the plan sets none. */
  readonly database: TenantDatabaseLimits;
  readonly price: { readonly currency: string; readonly baseMinor: number; readonly meters: Readonly<Record<string, MeterPrice>> };
}

export interface PlanCatalog {
  readonly meters: Readonly<Record<string, MeterDefinition>>;
  /** The plans in catalog order. */
  list(): readonly Plan[];
  has(name: string): boolean;
  /** The plan, or QUOTA_PLAN_UNKNOWN. */
  plan(name: string): Plan;
  tryPlan(name: string): Plan | undefined;
  /** The meter's definition, or QUOTA_METER_UNKNOWN. */
  meter(name: string): MeterDefinition;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const METER = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const CURRENCY = /^[A-Z]{3}$/;
const KINDS: readonly MeterKind[] = ['period', 'level', 'rate'];

const own = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined => (Object.hasOwn(record, key) ? record[key] : undefined);

const invalid = (path: string, reason: string) => quotaErrors.create('QUOTA_PLAN_CATALOG_INVALID', { message: `Plan catalog: ${path} ${reason}.`, details: { path, reason } });

function objectAt(value: unknown, path: string, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'must be an object');
  if (allowed) for (const key of Object.keys(value)) if (!allowed.includes(key)) throw invalid(`${path}.${key}`, 'is not a known option');
  return value as Record<string, unknown>;
}

function count(value: unknown, path: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw invalid(path, `must be an integer of at least ${min} (money in minor units, no floats)`);
  return value;
}

function limitOf(value: unknown, path: string): Limit {
  if (value === null) return { hard: null, soft: null };
  if (typeof value === 'number') return { hard: count(value, path), soft: null };
  const o = objectAt(value, path, ['hard', 'soft']);
  const hard = o.hard === undefined || o.hard === null ? null : count(o.hard, `${path}.hard`);
  const soft = o.soft === undefined || o.soft === null ? null : count(o.soft, `${path}.soft`);
  if (hard !== null && soft !== null && soft > hard) throw invalid(`${path}.soft`, 'must not be above the hard limit');
  return { hard, soft };
}

const DATABASE_MS = ['statementTimeoutMs', 'lockTimeoutMs', 'idleInTransactionTimeoutMs'] as const;

/** A plan's database limits: timeouts 1 ms – 1 day, a weight of 1–1000, a cap of at least 1 connection. */
function databaseOf(value: unknown, path: string): TenantDatabaseLimits {
  const o = objectAt(value, path, [...DATABASE_MS, 'weight', 'maxConnections']);
  const out: Record<string, number> = {};
  for (const key of DATABASE_MS) {
    if (o[key] === undefined) continue;
    const ms = count(o[key], `${path}.${key}`, 1);
    if (ms > 86_400_000) throw invalid(`${path}.${key}`, 'must be at most 86400000 (one day)');
    out[key] = ms;
  }
  if (o.weight !== undefined) {
    if (count(o.weight, `${path}.weight`, 1) > 1000) throw invalid(`${path}.weight`, 'must be at most 1000');
    out.weight = o.weight as number;
  }
  if (o.maxConnections !== undefined) out.maxConnections = count(o.maxConnections, `${path}.maxConnections`, 1);
  return Object.freeze(out);
}

function priceOf(value: unknown, path: string, meters: Readonly<Record<string, MeterDefinition>>): Plan['price'] {
  const o = objectAt(value, path, ['currency', 'baseMinor', 'meters']);
  if (typeof o.currency !== 'string' || !CURRENCY.test(o.currency)) throw invalid(`${path}.currency`, 'must be an ISO 4217 code like EUR');
  const prices: Record<string, MeterPrice> = {};
  for (const [meter, raw] of Object.entries(objectAt(o.meters ?? {}, `${path}.meters`))) {
    const at = `${path}.meters.${meter}`;
    const definition = own(meters, meter);
    if (!definition) throw invalid(at, 'names no meter of the catalog');
    if (definition.kind === 'rate') throw invalid(at, 'is a rate meter, which is not metered and cannot be billed');
    const p = objectAt(raw, at, ['includedUnits', 'unitPriceMinor', 'perUnits']);
    prices[meter] = Object.freeze({
      includedUnits: p.includedUnits === undefined ? 0 : count(p.includedUnits, `${at}.includedUnits`),
      unitPriceMinor: count(p.unitPriceMinor, `${at}.unitPriceMinor`),
      perUnits: p.perUnits === undefined ? 1 : count(p.perUnits, `${at}.perUnits`, 1),
    });
  }
  return Object.freeze({ currency: o.currency, baseMinor: count(o.baseMinor, `${path}.baseMinor`), meters: Object.freeze(prices) });
}

/**
 * Validates a plan catalog (QUOTA_PLAN_CATALOG_INVALID naming the path of the first problem)
 * and returns it resolved: every plan has a limit for every meter (unlimited when unset).
 *
 * @example
 * const catalog = definePlanCatalog({
 *   meters: { members: { kind: 'level', unit: 'seats' }, apiCalls: { kind: 'period', unit: 'requests' } },
 *   plans: {
 *     free: { limits: { members: 3, apiCalls: { hard: 10_000, soft: 8_000 } }, features: { sso: false }, price: { currency: 'EUR', baseMinor: 0 } },
 *     pro: { limits: { members: 50, apiCalls: null }, features: { sso: true },
 *            price: { currency: 'EUR', baseMinor: 4900, meters: { apiCalls: { includedUnits: 1_000_000, unitPriceMinor: 5, perUnits: 1000 } } } },
 *   },
 * });
 */
export function definePlanCatalog(options: PlanCatalogOptions): PlanCatalog {
  const root = objectAt(options, 'catalog', ['meters', 'plans']);
  const meters: Record<string, MeterDefinition> = {};
  for (const [name, raw] of Object.entries(objectAt(root.meters, 'meters'))) {
    if (!METER.test(name)) throw invalid(`meters.${name}`, 'is not a meter name (a letter, then up to 63 letters, digits, "_", "." or "-")');
    const m = objectAt(raw, `meters.${name}`, ['kind', 'unit']);
    if (!KINDS.includes(m.kind as MeterKind)) throw invalid(`meters.${name}.kind`, `must be one of ${KINDS.join(', ')}`);
    if (typeof m.unit !== 'string' || m.unit.length === 0 || m.unit.length > 32) throw invalid(`meters.${name}.unit`, 'must be a text of 1–32 characters');
    meters[name] = Object.freeze({ kind: m.kind as MeterKind, unit: m.unit });
  }
  const plans = new Map<string, Plan>();
  for (const [name, raw] of Object.entries(objectAt(root.plans, 'plans'))) {
    const at = `plans.${name}`;
    if (!NAME.test(name)) throw invalid(at, 'is not a plan name (lower-case letters, digits, "_" or "-", at most 64)');
    const p = objectAt(raw, at, ['limits', 'features', 'database', 'price']);
    const limits: Record<string, Limit> = {};
    for (const meter of Object.keys(meters)) limits[meter] = { hard: null, soft: null };
    for (const [meter, limit] of Object.entries(objectAt(p.limits ?? {}, `${at}.limits`))) {
      if (!own(meters, meter)) throw invalid(`${at}.limits.${meter}`, 'names no meter of the catalog');
      limits[meter] = Object.freeze(limitOf(limit, `${at}.limits.${meter}`));
    }
    const features: Record<string, boolean> = {};
    for (const [flag, value] of Object.entries(objectAt(p.features ?? {}, `${at}.features`))) {
      if (typeof value !== 'boolean') throw invalid(`${at}.features.${flag}`, 'must be true or false');
      features[flag] = value;
    }
    if (p.price === undefined) throw invalid(`${at}.price`, 'is required (baseMinor 0 for a free plan)');
    const database = databaseOf(p.database ?? {}, `${at}.database`);
    plans.set(name, Object.freeze({ name, limits: Object.freeze(limits), features: Object.freeze(features), database, price: priceOf(p.price, `${at}.price`, meters) }));
  }
  if (plans.size === 0) throw invalid('plans', 'must name at least one plan');
  const list = Object.freeze([...plans.values()]);
  const tryPlan = (name: string) => plans.get(name);
  return Object.freeze({
    meters: Object.freeze(meters),
    list: () => list,
    has: (name: string) => plans.has(name),
    tryPlan,
    plan(name: string) {
      const plan = tryPlan(name);
      if (!plan) throw quotaErrors.create('QUOTA_PLAN_UNKNOWN', { details: { plan: name } });
      return plan;
    },
    meter(name: string) {
      const meter = own(meters, name);
      if (!meter) throw quotaErrors.create('QUOTA_METER_UNKNOWN', { details: { meter: String(name).slice(0, 64) } });
      return meter;
    },
  });
}

/**
 * Refuses a plan name the catalog does not have with QUOTA_PLAN_INVALID (400), for the places
 * that set a tenant's plan: a tenant on an unknown plan could use no quota at all afterwards.
 *
 * @example requireCatalogPlan(catalog, body.plan); await registry.update(id, { plan: body.plan });
 */
export function requireCatalogPlan(catalog: PlanCatalog, plan: string): Plan {
  const found = catalog.tryPlan(plan);
  if (!found) throw quotaErrors.create('QUOTA_PLAN_INVALID', { details: { plan: String(plan).slice(0, 64) } });
  return found;
}

/**
 * The feature flags of a plan: what the settings engine shows as the plan's defaults.
 * An unknown plan has no features (the settings engine then falls back to its own defaults).
 *
 * @example planFeatures(catalog, tenant.plan).sso // true on pro
 */
export function planFeatures(catalog: PlanCatalog, plan: string): Readonly<Record<string, boolean>> {
  return catalog.tryPlan(plan)?.features ?? Object.freeze({});
}
