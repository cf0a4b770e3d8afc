// API keys per tenant: `tnt_live_<public id>_<secret>`, shown once, stored as a SHA-256 (see
// secret-token.ts for why not a slow KDF), with scopes, expiry, last use and revocation.
// The public id and the hash live in a registry the operator role reads, so a presented key is
// found before its tenant is known; everything else lives with the tenant, under its policy.
import { coreErrors, isTenantryError, runWithoutTenant, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool, SqlQueryable, TenantDatabase } from '../postgres/index.js';
import type { ApiKeyVerifier } from '../resolve/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { checkActor, expiryField, inTransaction, newRecordId, operatorQuery, recordId, sqlOf, textField, type ControlScope } from './control-sql.js';
import { auditChange } from './audit-change.js';
import { remember, type AccessCache } from './access-cache.js';
import { currentAuthority, intersect, operatorActiveIn, type AuthorityLimits } from './grant-authority.js';
import { controlErrors } from './errors.js';
import { isPermission, parsePermissions, requireGrantable, type Actor, type Permission } from './permissions.js';
import { issueToken, newPublicId, tokenMatches, tokenPublicPart } from './secret-token.js';

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

/** What a tenant sees of a key: never the secret. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  /** The key's recognizable start, `tnt_live_<public id>`, to tell keys apart in a list. */
  readonly prefix: string;
  readonly scopes: readonly Permission[];
  /**
   * What the key may do now: its scopes within its creator's current permissions (empty when
   * the key is not active or its creator is gone). Read again on every request it makes.
   */
  readonly effectiveScopes: readonly Permission[];
  readonly status: ApiKeyStatus;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt?: Date;
  readonly lastUsedAt?: Date;
  readonly revokedAt?: Date;
}

export interface ApiKeysOptions {
  /** The app-role tenant database: key metadata is read under the key's tenant's policy. */
  readonly db: TenantDatabase;
  /** The operator-role pool: the registry of public ids and hashes. */
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** The key's recognizable prefix, `<product>_<environment>`. Default `tnt_live`. */
  readonly prefix?: string;
  /** `last used` is written at most this often per key (a write per request would be costly). Default 60 000. */
  readonly lastUsedResolutionMs?: number;
  /**
   * The instance's cache of verified keys (createControlPlane passes its own when it has a
   * change feed): a key verified once is then served without a query until its tenant's access
   * changes on any instance (a revocation, its creator's role or membership, the tenant's
   * status), or it expires by the clock. Without one every verification reads the database.
   */
  readonly access?: AccessCache;
}

export interface ApiKeys {
  /**
   * Creates a key whose scopes the actor holds itself (PERMISSION_ESCALATION otherwise). The
   * key is in the result this once; only its hash is kept.
   *
   * @example const { key } = await apiKeys.create(tx, { name: 'CI', scopes: ['members:read'], expiresAt }, actor);
   */
  create(scope: ControlScope, input: { readonly name: string; readonly scopes: readonly Permission[]; readonly expiresAt?: Date }, actor: Actor): Promise<{ apiKey: ApiKeyInfo; key: string }>;
  /** The tenant's keys, newest first, revoked and expired ones included. */
  list(scope: ControlScope): Promise<ApiKeyInfo[]>;
  get(scope: ControlScope, id: string): Promise<ApiKeyInfo>;
  /** Revokes a key at once (verification refuses it from now on). Revoking twice changes nothing. */
  revoke(scope: ControlScope, id: string, actor: Actor): Promise<ApiKeyInfo>;
  /**
   * The resolver's {@link ApiKeyVerifier}: the key's tenant, id and scopes, or undefined for a
   * malformed, unknown, revoked or expired key (or one of a deleted tenant). The secret is
   * compared in constant time. A key of a suspended tenant throws TENANT_SUSPENDED, as the
   * resolver would for that tenant.
   *
   * @example apiKeyStrategy({ verify: apiKeys.verifyApiKey })
   */
  readonly verifyApiKey: ApiKeyVerifier;
}

interface KeyRow {
  id: string; public_id: string; name: string; scopes: string[]; created_by: string; created_at: Date;
  expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null;
}

const COLUMNS = 'id, public_id, name, scopes, created_by, created_at, expires_at, last_used_at, revoked_at';

/** A public id's registry row: fixed once written (removed on revocation, never changed). */
interface RegistryEntry { readonly owner_tenant: TenantId; readonly key_id: string; readonly secret_hash: Buffer }

/** A verified key as the access cache keeps it. */
interface CachedKey {
  readonly verified: { readonly tenantId: TenantId; readonly keyId: string; readonly scopes: readonly Permission[] };
  /** Epoch ms at which the key or a key on its creator chain expires (Infinity: never). */
  readonly validUntil: number;
  /** Epoch ms of the last `last_used_at` this instance wrote or read. */
  lastUsedAt: number;
}

// Registry rows kept per instance (public ids are random and never reused; a revoked key's row
// is gone from the database, and its cached verification is dropped through the feed).
const MAX_REGISTRY_ENTRIES = 10_000;
const PUBLIC_ID = /[0-9a-f]{24}/;
const KEY_PREFIX = /^[a-z][a-z0-9]{0,15}_[a-z0-9]{1,16}$/;

/**
 * @example
 * const apiKeys = createApiKeys({ db, operator });
 * const resolver = createTenantResolver({ strategies: [apiKeyStrategy({ verify: apiKeys.verifyApiKey })], tenants: registry });
 */
export function createApiKeys(options: ApiKeysOptions): ApiKeys {
  checkKnownKeys(options, ['db', 'operator', 'clock', 'prefix', 'lastUsedResolutionMs', 'access'], '');
  const { db, operator, access } = options;
  const registryRows = new Map<string, RegistryEntry>();
  const clock = options.clock ?? systemClock;
  const prefix = options.prefix ?? 'tnt_live';
  if (!KEY_PREFIX.test(prefix)) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'prefix', reason: 'like tnt_live: a–z and 0–9, one "_"' } });
  const lastUsedResolutionMs = integerOption(options.lastUsedResolutionMs, 60_000, 0, 24 * 3_600_000, 'lastUsedResolutionMs');
  const operatorActive = operatorActiveIn(operator);

  function toInfo(row: KeyRow, now: Date, authority: readonly Permission[] | undefined): ApiKeyInfo {
    const status: ApiKeyStatus = row.revoked_at !== null ? 'revoked' : row.expires_at !== null && row.expires_at.getTime() <= now.getTime() ? 'expired' : 'active';
    return Object.freeze({
      id: row.id,
      name: row.name,
      prefix: `${prefix}_${row.public_id}`,
      scopes: Object.freeze(row.scopes.filter(isPermission)),
      effectiveScopes: Object.freeze(status === 'active' && authority !== undefined ? intersect(row.scopes, authority) : []),
      status,
      createdBy: row.created_by,
      createdAt: row.created_at,
      ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
      ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
      ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
    });
  }

  /** Each row with its creator's current authority (read once per creator). */
  async function withAuthority(sql: SqlQueryable, tenantId: TenantId, rows: readonly KeyRow[], now: Date): Promise<ApiKeyInfo[]> {
    const byCreator = new Map<string, readonly Permission[] | undefined>();
    for (const row of rows) {
      if (!byCreator.has(row.created_by)) byCreator.set(row.created_by, await currentAuthority(sql, tenantId, row.created_by, { now, operatorActive }));
    }
    return rows.map((row) => toInfo(row, now, byCreator.get(row.created_by)));
  }

  async function readKey(sql: SqlQueryable, tenantId: TenantId, rawId: string, lock = false): Promise<KeyRow> {
    const id = recordId(rawId);
    const { rows } = id === undefined ? { rows: [] } : await sql.query<KeyRow>(`SELECT ${COLUMNS} FROM tenantry.api_keys WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [tenantId, id]);
    if (!rows[0]) throw controlErrors.create('API_KEY_NOT_FOUND');
    return rows[0];
  }

  async function registryEntry(publicId: string): Promise<RegistryEntry | undefined> {
    const known = access === undefined ? undefined : registryRows.get(publicId);
    if (known !== undefined) return known;
    const [entry] = await operatorQuery<RegistryEntry>(
      operator,
      `SELECT r.owner_tenant, r.key_id, r.secret_hash FROM tenantry.api_key_registry r
         JOIN tenantry.tenants t ON t.id = r.owner_tenant
        WHERE r.public_id = $1 AND t.status <> 'deleted'`,
      [publicId],
    );
    // Only what exists is kept: unknown ids (a guessing client) cost a query each, not memory.
    if (entry !== undefined && access !== undefined) {
      if (registryRows.size >= MAX_REGISTRY_ENTRIES) registryRows.delete(registryRows.keys().next().value as string);
      registryRows.set(publicId, entry);
    }
    return entry;
  }

  /** The key read from the database, with what bounds how long that answer holds. */
  async function readVerified(entry: RegistryEntry, publicId: string, now: Date): Promise<CachedKey | undefined> {
    // Outside any tenant context: verification runs before the request has a tenant, and a
    // key of another tenant than one already in context is for the resolver to refuse.
    return runWithoutTenant(() =>
      db.withTenant(entry.owner_tenant, async (scope) => {
        const sql = sqlOf(scope);
        const { rows: [row] } = await sql.query<KeyRow>(
          `SELECT ${COLUMNS} FROM tenantry.api_keys WHERE tenant_id = $1 AND id = $2 AND public_id = $3`,
          [scope.tenantId, entry.key_id, publicId],
        );
        if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= now.getTime())) return undefined;
        // A key acts with its scopes within what its creator may do now: a demoted creator
        // narrows it, a removed one (or a revoked creator key) ends it.
        const limits: AuthorityLimits = { expiresAt: row.expires_at?.getTime() ?? Infinity, operator: false };
        const authority = await currentAuthority(sql, scope.tenantId, row.created_by, { now, operatorActive, limits });
        if (authority === undefined) return undefined;
        let lastUsedAt = row.last_used_at?.getTime() ?? -Infinity;
        if (now.getTime() - lastUsedAt >= lastUsedResolutionMs) {
          await touch(sql, scope.tenantId, row.id, now);
          lastUsedAt = now.getTime();
        }
        // An operator's standing is not announced on the tenant's feed: such a key is not cached.
        const validUntil = limits.operator ? -Infinity : limits.expiresAt;
        return { verified: Object.freeze({ tenantId: scope.tenantId, keyId: row.id, scopes: Object.freeze(intersect(row.scopes, authority)) }), validUntil, lastUsedAt };
      }),
    );
  }

  /** Writes `last used` (conditional, so concurrent requests of one key write it once per interval). */
  async function touch(sql: SqlQueryable, tenantId: TenantId, keyId: string, now: Date): Promise<void> {
    await sql.query(
      'UPDATE tenantry.api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at <= $4)',
      [tenantId, keyId, now, new Date(now.getTime() - lastUsedResolutionMs)],
    );
  }

  /** A cached verification, still valid by the clock, with `last used` written when due. */
  async function served(cached: CachedKey, now: Date): Promise<CachedKey['verified'] | undefined> {
    if (cached.validUntil <= now.getTime()) return undefined;
    if (now.getTime() - cached.lastUsedAt >= lastUsedResolutionMs) {
      cached.lastUsedAt = now.getTime();
      await runWithoutTenant(() => db.withTenant(cached.verified.tenantId, (scope) => touch(sqlOf(scope), scope.tenantId, cached.verified.keyId, now)));
    }
    return cached.verified;
  }

  async function verifyApiKey(key: string): Promise<{ tenantId: TenantId; keyId: string; scopes: readonly string[] } | undefined> {
    const publicId = tokenPublicPart(prefix, PUBLIC_ID, key);
    if (publicId === undefined) return undefined;
    const entry = await registryEntry(publicId);
    // The secret is compared on every use, cached or not (constant time).
    if (!tokenMatches(key, entry?.secret_hash) || entry === undefined) return undefined;
    const now = clock.now();
    const bucket = access === undefined ? undefined : await access.bucket(entry.owner_tenant);
    const cached = bucket?.keys.get(publicId) as CachedKey | null | undefined;
    if (cached === null) return undefined;
    if (cached !== undefined) {
      const verified = await served(cached, now);
      if (verified === undefined) remember(bucket!.keys, publicId, null);
      return verified;
    }
    let read: CachedKey | undefined;
    try {
      read = await readVerified(entry, publicId, now);
    } catch (err) {
      if (isTenantryError(err, 'TENANT_NOT_FOUND')) return undefined;
      throw err;
    }
    // Into the bucket taken before the read: if access changed meanwhile it was dropped, and
    // this answer with it.
    if (bucket !== undefined) {
      if (read === undefined) remember(bucket.keys, publicId, null);
      else if (read.validUntil > now.getTime()) remember(bucket.keys, publicId, read);
    }
    return read?.verified;
  }

  return Object.freeze({
    async create(scope, input, actor) {
      checkActor(actor);
      const name = textField(input.name, 'name', 1, 200);
      const scopes = parsePermissions(input.scopes, 'scopes');
      requireGrantable(actor, scopes);
      const now = clock.now();
      const expiresAt = expiryField(input.expiresAt, now);
      const id = newRecordId();
      const publicId = newPublicId();
      const { token, hash } = issueToken(prefix, publicId);
      return inTransaction(scope, async (tx) => {
        const { rows } = await sqlOf(tx).query<KeyRow>(
          `INSERT INTO tenantry.api_keys (tenant_id, id, public_id, name, scopes, created_by, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
          [tx.tenantId, id, publicId, name, scopes, actor.id, now, expiresAt],
        );
        // The registry row last, inside the tenant's transaction: if it fails, the tenant row
        // rolls back; if the tenant transaction fails after it, the registry row points at no
        // key and verification finds nothing (the secret was never shown).
        await operatorQuery(operator, 'INSERT INTO tenantry.api_key_registry (public_id, owner_tenant, key_id, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)', [
          publicId, tx.tenantId, id, hash, now,
        ]);
        await auditChange(tx, actor.id, 'api_key.create', `api_key:${id}`, { name, scopes: [...scopes] }, clock);
        return { apiKey: toInfo(rows[0] as KeyRow, now, actor.permissions), key: token };
      });
    },
    async list(scope) {
      const sql = sqlOf(scope);
      const { rows } = await sql.query<KeyRow>(`SELECT ${COLUMNS} FROM tenantry.api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id`, [scope.tenantId]);
      return withAuthority(sql, scope.tenantId, rows, clock.now());
    },
    async get(scope, id) {
      const sql = sqlOf(scope);
      return (await withAuthority(sql, scope.tenantId, [await readKey(sql, scope.tenantId, id)], clock.now()))[0] as ApiKeyInfo;
    },
    async revoke(scope, id, actor) {
      checkActor(actor);
      const revoked = await inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const row = await readKey(sql, tx.tenantId, id, true);
        const now = clock.now();
        if (row.revoked_at !== null) return toInfo(row, now, undefined);
        requireGrantable(actor, row.scopes);
        await sql.query('UPDATE tenantry.api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2', [tx.tenantId, row.id, now]);
        // The hash goes too; the owner check keeps this from touching any other tenant's entry.
        await operatorQuery(operator, 'DELETE FROM tenantry.api_key_registry WHERE public_id = $1 AND owner_tenant = $2', [row.public_id, tx.tenantId]);
        await auditChange(tx, actor.id, 'api_key.revoke', `api_key:${row.id}`, {}, clock);
        registryRows.delete(row.public_id);
        return toInfo({ ...row, revoked_at: now }, now, undefined);
      });
      // After the commit (of the service's own transaction; see docs/control-plane.md for a
      // caller's): every instance drops its verification of this key.
      await access?.changed(scope.tenantId);
      return revoked;
    },
    verifyApiKey,
  } satisfies ApiKeys);
}
