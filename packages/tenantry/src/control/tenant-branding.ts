// A tenant's branding — a display name, two colours and a logo URL — validated strictly (it is
// shown to every user of the tenant, so it must never carry script or mixed content), cached.
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import { auditChange } from './audit-change.js';
import { checkKnownKeys } from './check-options.js';
import { checkActor, sqlOf } from './control-sql.js';
import { controlErrors } from './errors.js';
import type { Actor } from './permissions.js';
import { createTenantCache } from './tenant-cache.js';
import { plainObject, tenantOf, type CacheOptions } from './tenant-document.js';

/** Unset fields are null: the application shows its own default. */
export interface Branding {
  readonly name: string | null;
  /** `#rrggbb`, lower case. */
  readonly primaryColor: string | null;
  readonly accentColor: string | null;
  /** An https URL. */
  readonly logoUrl: string | null;
}

export type BrandingInput = { readonly [K in keyof Branding]?: string | null };

export interface TenantBrandingOptions {
  readonly db: TenantDatabase;
  readonly feed?: ChangeFeed;
  readonly clock?: Clock;
  readonly cache?: CacheOptions;
}

export interface TenantBranding {
  get(tenantId: TenantId | string): Promise<Branding>;
  peek(tenantId: TenantId | string): Branding | undefined;
  /**
   * Replaces the branding: a field left out or null is unset. Throws BRANDING_INVALID naming
   * the field.
   *
   * @example await branding.put(tenantId, { name: 'Acme', primaryColor: '#0a66c2', logoUrl: 'https://cdn.acme.com/logo.svg' }, actor);
   */
  put(tenantId: TenantId | string, input: BrandingInput, actor: Actor): Promise<Branding>;
  invalidate(tenantId: TenantId | string): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

export const MAX_LOGO_URL_LENGTH = 2048;
const FIELDS = ['name', 'primaryColor', 'accentColor', 'logoUrl'] as const;
const UNSET: Branding = Object.freeze({ name: null, primaryColor: null, accentColor: null, logoUrl: null });
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const invalid = (field: string, reason: string) => controlErrors.create('BRANDING_INVALID', { details: { field, reason } });

/** `#rgb` or `#rrggbb`, returned as `#rrggbb` lower case. */
export function parseColor(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value)?.[1]?.toLowerCase();
  if (hex === undefined) throw invalid(field, 'must be a hex colour: #rrggbb or #rgb');
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`;
}

/** An https URL without credentials, at most 2048 characters, returned as the URL parser serializes it. */
export function parseLogoUrl(value: unknown, field = 'logoUrl'): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.length > MAX_LOGO_URL_LENGTH) throw invalid(field, `must be at most ${MAX_LOGO_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:') throw invalid(field, 'must be an https URL');
  if (url.username !== '' || url.password !== '') throw invalid(field, 'must not carry credentials');
  const href = url.href;
  if (href.length > MAX_LOGO_URL_LENGTH) throw invalid(field, `must be at most ${MAX_LOGO_URL_LENGTH} characters`);
  return href;
}

function parseName(value: unknown): string {
  if (typeof value !== 'string') throw invalid('name', 'must be a string');
  const name = value.trim();
  if (name.length < 1 || name.length > 200) throw invalid('name', 'must be 1–200 characters');
  if (CONTROL_CHARS.test(name)) throw invalid('name', 'must not contain control characters');
  return name;
}

/** Checks and normalizes a branding input (BRANDING_INVALID naming the first bad field). */
export function parseBranding(input: unknown): Branding {
  const raw = plainObject(input, 'BRANDING_INVALID');
  for (const key of Object.keys(raw)) if (!(FIELDS as readonly string[]).includes(key)) throw invalid(key, 'not a branding field');
  const opt = <T>(key: (typeof FIELDS)[number], parse: (v: unknown) => T): T | null => (raw[key] === undefined || raw[key] === null ? null : parse(raw[key]));
  return Object.freeze({
    name: opt('name', parseName),
    primaryColor: opt('primaryColor', (v) => parseColor(v, 'primaryColor')),
    accentColor: opt('accentColor', (v) => parseColor(v, 'accentColor')),
    logoUrl: opt('logoUrl', (v) => parseLogoUrl(v)),
  });
}

interface Row { name: string | null; primary_color: string | null; accent_color: string | null; logo_url: string | null }

/**
 * @example
 * const branding = createTenantBranding({ db, feed });
 * const { primaryColor } = branding.peek(tenantId) ?? await branding.get(tenantId);
 */
export function createTenantBranding(options: TenantBrandingOptions): TenantBranding {
  checkKnownKeys(options, ['db', 'feed', 'clock', 'cache'], '');
  const { db } = options;
  const clock = options.clock ?? systemClock;
  const cache = createTenantCache<Branding>({ topic: 'branding', ...(options.feed ? { feed: options.feed } : {}), ...options.cache });

  async function read(tenantId: TenantId): Promise<Branding> {
    const { rows } = await db.withTenant(tenantId, (scope) => sqlOf(scope).query<Row>(
      'SELECT name, primary_color, accent_color, logo_url FROM tenantry.tenant_branding WHERE tenant_id = $1', [tenantId]));
    const row = rows[0];
    return row === undefined ? UNSET : Object.freeze({ name: row.name, primaryColor: row.primary_color, accentColor: row.accent_color, logoUrl: row.logo_url });
  }

  return Object.freeze({
    get(rawTenantId) {
      const tenantId = tenantOf(rawTenantId);
      return cache.get(tenantId, () => read(tenantId));
    },
    peek: (tenantId) => cache.peek(tenantId as TenantId),
    async put(rawTenantId, input, actor) {
      const tenantId = tenantOf(rawTenantId);
      checkActor(actor);
      const branding = parseBranding(input);
      await db.transaction(tenantId, async (tx) => {
        const now = clock.now();
        await sqlOf(tx).query(
          `INSERT INTO tenantry.tenant_branding (tenant_id, name, primary_color, accent_color, logo_url, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (tenant_id) DO UPDATE SET name = EXCLUDED.name, primary_color = EXCLUDED.primary_color,
             accent_color = EXCLUDED.accent_color, logo_url = EXCLUDED.logo_url, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
          [tenantId, branding.name, branding.primaryColor, branding.accentColor, branding.logoUrl, now, actor.id],
        );
        await auditChange(tx, actor.id, 'branding.update', 'branding', { fields: FIELDS.filter((f) => branding[f] !== null) }, clock);
      });
      await cache.changed(tenantId);
      return branding;
    },
    invalidate: (tenantId) => cache.changed(tenantOf(tenantId)),
    ready: () => cache.ready(),
    close: () => cache.close(),
  } satisfies TenantBranding);
}
