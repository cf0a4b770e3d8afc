// A tenant's connections to its identity providers, in tenantry.sso_connections (tenant data,
// row-level security). What is not secret is stored as settings; the client secret or bind
// password only as a tenant-encryption envelope bound to the tenant, the column and the
// connection, so a database dump alone does not reveal it. Every change is audited in the
// tenant's log, in the change's own transaction.
import { randomUUID } from 'node:crypto';
import { appendAuditEvent, type JsonObject } from '../audit/index.js';
import { systemClock, type Clock } from '../core/index.js';
import type { TenantEncryption } from '../crypto/index.js';
import { toTenantryError, type SqlPool, type TenantScope, type TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { identityErrors } from './errors.js';
import { parseRoleRules, type RoleRule } from './role-rules.js';

export type ControlScope = TenantScope | TenantTransaction;
/** OpenID Connect, SAML 2.0, LDAP bind (docs/sso.md). */
export type ConnectionKind = 'oidc' | 'saml' | 'ldap';

/** OpenID Connect: the provider's issuer (its discovery document is `<issuer>/.well-known/openid-configuration`). */
export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** Where the provider sends the browser back: the server's `/v1/sso/callback`. */
  readonly redirectUri: string;
  /** Default `openid email profile`. */
  readonly scopes?: string;
}

export interface SsoConnection {
  readonly id: string;
  readonly kind: ConnectionKind;
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Whether a secret is stored (never the secret itself). */
  readonly hasSecret: boolean;
  readonly roleRules: readonly RoleRule[];
  readonly defaultRole: string | null;
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SsoConnectionInput {
  readonly kind: ConnectionKind;
  readonly name: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /** The OIDC client secret or LDAP bind password; stored encrypted. */
  readonly secret?: string;
  readonly roleRules?: readonly RoleRule[];
  readonly defaultRole?: string | null;
  readonly enabled?: boolean;
}

export interface SsoConnections {
  /** @example await connections.create(tx, { kind: 'oidc', name: 'Okta', settings: { issuer, clientId, redirectUri }, secret }, 'member:alice'); */
  create(scope: ControlScope, input: SsoConnectionInput, actor: string): Promise<SsoConnection>;
  list(scope: ControlScope): Promise<SsoConnection[]>;
  /** SSO_CONNECTION_NOT_FOUND when the tenant has no such connection (another tenant's included). */
  get(scope: ControlScope, id: string): Promise<SsoConnection>;
  /** Replaces what `input` names; `secret: undefined` keeps the stored one. */
  update(scope: ControlScope, id: string, input: Partial<SsoConnectionInput>, actor: string): Promise<SsoConnection>;
  remove(scope: ControlScope, id: string, actor: string): Promise<void>;
  /** The decrypted secret, for the sign-in itself; undefined when none is stored. */
  secretOf(scope: ControlScope, id: string): Promise<string | undefined>;
}

interface ConnectionRow {
  id: string; kind: ConnectionKind; name: string; settings: Record<string, unknown>; secret: string | null;
  role_rules: RoleRule[]; default_role: string | null; enabled: boolean; created_at: Date; updated_at: Date;
}

const COLUMNS = 'id, kind, name, settings, secret, role_rules, default_role, enabled, created_at, updated_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_PURPOSE = 'sso_connections.secret';

const invalid = (field: string, reason: string) => identityErrors.create('SSO_CONNECTION_INVALID', { details: { field, reason } });

function toConnection(row: ConnectionRow): SsoConnection {
  return Object.freeze({
    id: row.id, kind: row.kind, name: row.name, settings: Object.freeze({ ...row.settings }), hasSecret: row.secret !== null,
    roleRules: Object.freeze(row.role_rules), defaultRole: row.default_role, enabled: row.enabled, createdAt: row.created_at, updatedAt: row.updated_at,
  });
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw invalid(field, `must be 1–${max} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(field, 'must not contain control characters');
  return value.trim();
}

function url(value: unknown, field: string, allowHttp: boolean): string {
  const raw = text(value, field, 2048);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw invalid(field, 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) throw invalid(field, 'must be an https:// URL');
  if (parsed.username !== '' || parsed.password !== '' || parsed.hash !== '') throw invalid(field, 'must carry no credentials or fragment');
  return raw;
}

/** The settings a kind accepts, checked; unknown keys are refused (they would look used but are not). */
function parseSettings(kind: unknown, settings: unknown, allowHttp: boolean): Record<string, unknown> {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw invalid('settings', 'must be an object');
  const s = settings as Record<string, unknown>;
  const only = (keys: string[]) => {
    for (const key of Object.keys(s)) if (!keys.includes(key)) throw invalid(`settings.${key}`, 'unknown setting');
  };
  switch (kind) {
    case 'oidc': {
      only(['issuer', 'clientId', 'redirectUri', 'scopes']);
      const scopes = s.scopes === undefined ? 'openid email profile' : text(s.scopes, 'settings.scopes', 500);
      if (!scopes.split(/\s+/).includes('openid')) throw invalid('settings.scopes', 'must include openid');
      return { issuer: url(s.issuer, 'settings.issuer', allowHttp), clientId: text(s.clientId, 'settings.clientId', 500), redirectUri: url(s.redirectUri, 'settings.redirectUri', allowHttp), scopes };
    }
    case 'saml': {
      only(['idpMetadata', 'spEntityId', 'acsUrl']);
      const metadata = s.idpMetadata;
      // The IdP's metadata XML (entity id, SSO URL, signing certificates); read by samlify at sign-in.
      if (typeof metadata !== 'string' || metadata.length > 100_000 || !/<(?:\w+:)?EntityDescriptor[\s>]/.test(metadata)) throw invalid('settings.idpMetadata', 'must be the identity provider\'s SAML metadata XML (at most 100,000 characters)');
      if (!/<(?:\w+:)?IDPSSODescriptor[\s>]/.test(metadata)) throw invalid('settings.idpMetadata', 'has no IDPSSODescriptor');
      return { idpMetadata: metadata, spEntityId: text(s.spEntityId, 'settings.spEntityId', 1024), acsUrl: url(s.acsUrl, 'settings.acsUrl', allowHttp) };
    }
    case 'ldap': {
      only(['url', 'bindDn', 'userBase', 'userFilter', 'startTls', 'groupAttribute', 'emailAttribute']);
      const ldapUrl = text(s.url, 'settings.url', 2048);
      if (!/^ldaps?:\/\/[^/\s]+\/?$/i.test(ldapUrl)) throw invalid('settings.url', 'must be ldap://host[:port] or ldaps://host[:port]');
      // Plain ldap:// sends the user's password in clear: only with StartTLS, or on loopback when allowed.
      const startTls = s.startTls === undefined ? false : s.startTls;
      if (typeof startTls !== 'boolean') throw invalid('settings.startTls', 'must be true or false');
      if (/^ldap:/i.test(ldapUrl) && !startTls && !allowHttp) throw invalid('settings.url', 'ldap:// needs startTls: true (or use ldaps://)');
      const userFilter = s.userFilter === undefined ? '(uid={username})' : text(s.userFilter, 'settings.userFilter', 1024);
      if (!userFilter.includes('{username}') || !/^\(.*\)$/.test(userFilter)) throw invalid('settings.userFilter', 'must be a parenthesized LDAP filter containing {username}');
      const attribute = (value: unknown, field: string, fallback: string) => {
        const name = value === undefined ? fallback : text(value, field, 64);
        if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) throw invalid(field, 'must be an attribute name');
        return name;
      };
      return {
        url: ldapUrl, bindDn: text(s.bindDn, 'settings.bindDn', 1024), userBase: text(s.userBase, 'settings.userBase', 1024), userFilter, startTls,
        groupAttribute: attribute(s.groupAttribute, 'settings.groupAttribute', 'memberOf'), emailAttribute: attribute(s.emailAttribute, 'settings.emailAttribute', 'mail'),
      };
    }
    default:
      throw invalid('kind', 'must be oidc, saml or ldap');
  }
}

function roleName(value: unknown, field: string): string {
  const role = text(value, field, 64);
  return role;
}

export interface SsoConnectionsOptions {
  /** Encrypts the stored secrets (required: a secret is never stored as plaintext). */
  readonly encryption: TenantEncryption;
  readonly clock?: Clock;
  /** Accept http:// provider URLs (a provider on loopback in tests). Default false. */
  readonly allowInsecureUrls?: boolean;
  /**
   * The operator-role pool: removing a connection then also takes the email domains verified for
   * it out of the sign-in registry (domain capture). Without it they stay there until released.
   */
  readonly operator?: SqlPool;
}

async function audit(tx: TenantTransaction, actor: string, action: string, id: string, details: JsonObject, clock: Clock): Promise<void> {
  await appendAuditEvent(tx, { actor, action, target: `sso_connection:${id}`, details }, { clock });
}

export function inTransaction<T>(scope: ControlScope, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  return 'savepoint' in scope ? fn(scope) : scope.transaction(fn);
}

/**
 * @example const connections = createSsoConnections({ encryption: createTenantEncryption({ keyProvider }) });
 */
export function createSsoConnections(options: SsoConnectionsOptions): SsoConnections {
  const { encryption } = options;
  const clock = options.clock ?? systemClock;
  const allowHttp = options.allowInsecureUrls === true;

  async function read(scope: ControlScope, id: string): Promise<ConnectionRow> {
    if (typeof id !== 'string' || !UUID.test(id)) throw identityErrors.create('SSO_CONNECTION_NOT_FOUND');
    const { rows } = await unguardedQuery(scope).query<ConnectionRow>(`SELECT ${COLUMNS} FROM tenantry.sso_connections WHERE tenant_id = $1 AND id = $2`, [scope.tenantId, id]);
    if (!rows[0]) throw identityErrors.create('SSO_CONNECTION_NOT_FOUND');
    return rows[0];
  }

  const sealSecret = (tx: TenantTransaction, id: string, secret: unknown) =>
    encryption.encrypt(tx, text(secret, 'secret', 4096), { purpose: SECRET_PURPOSE, recordId: id });

  return Object.freeze<SsoConnections>({
    async create(scope, input, actor) {
      const id = randomUUID();
      const settings = parseSettings(input.kind, input.settings, allowHttp);
      const name = text(input.name, 'name', 200);
      const roleRules = parseRoleRules(input.roleRules ?? []);
      const defaultRole = input.defaultRole === undefined || input.defaultRole === null ? null : roleName(input.defaultRole, 'defaultRole');
      return inTransaction(scope, async (tx) => {
        const secret = input.secret === undefined ? null : await sealSecret(tx, id, input.secret);
        const now = clock.now();
        const { rows } = await unguardedQuery(tx).query<ConnectionRow>(
          `INSERT INTO tenantry.sso_connections (tenant_id, id, kind, name, settings, secret, role_rules, default_role, enabled, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ${COLUMNS}`,
          [tx.tenantId, id, input.kind, name, JSON.stringify(settings), secret, JSON.stringify(roleRules), defaultRole, input.enabled !== false, now],
        );
        await audit(tx, actor, 'sso_connection.create', id, { kind: input.kind, name }, clock);
        return toConnection(rows[0] as ConnectionRow);
      });
    },
    async list(scope) {
      const { rows } = await unguardedQuery(scope).query<ConnectionRow>(`SELECT ${COLUMNS} FROM tenantry.sso_connections WHERE tenant_id = $1 ORDER BY created_at, id`, [scope.tenantId]);
      return rows.map(toConnection);
    },
    async get(scope, id) {
      return toConnection(await read(scope, id));
    },
    async update(scope, id, input, actor) {
      return inTransaction(scope, async (tx) => {
        const current = await read(tx, id);
        if (input.kind !== undefined && input.kind !== current.kind) throw invalid('kind', 'cannot change; create another connection');
        const settings = input.settings === undefined ? current.settings : parseSettings(current.kind, input.settings, allowHttp);
        const name = input.name === undefined ? current.name : text(input.name, 'name', 200);
        const roleRules = input.roleRules === undefined ? current.role_rules : parseRoleRules(input.roleRules);
        const defaultRole = input.defaultRole === undefined ? current.default_role : input.defaultRole === null ? null : roleName(input.defaultRole, 'defaultRole');
        const secret = input.secret === undefined ? current.secret : await sealSecret(tx, id, input.secret);
        const enabled = input.enabled ?? current.enabled;
        const { rows } = await unguardedQuery(tx).query<ConnectionRow>(
          `UPDATE tenantry.sso_connections SET name = $3, settings = $4, secret = $5, role_rules = $6, default_role = $7, enabled = $8, updated_at = $9
            WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [tx.tenantId, id, name, JSON.stringify(settings), secret, JSON.stringify(roleRules), defaultRole, enabled, clock.now()],
        );
        const changed = Object.keys(input).filter((k) => k !== 'kind').sort();
        await audit(tx, actor, 'sso_connection.update', id, { changed }, clock);
        return toConnection(rows[0] as ConnectionRow);
      });
    },
    async remove(scope, id, actor) {
      await inTransaction(scope, async (tx) => {
        await read(tx, id);
        const sql = unguardedQuery(tx);
        await sql.query('DELETE FROM tenantry.sso_email_domains WHERE tenant_id = $1 AND connection_id = $2', [tx.tenantId, id]);
        await sql.query('DELETE FROM tenantry.sso_identities WHERE tenant_id = $1 AND connection_id = $2', [tx.tenantId, id]);
        await sql.query('DELETE FROM tenantry.scim_groups WHERE tenant_id = $1 AND connection_id = $2', [tx.tenantId, id]);
        await sql.query('DELETE FROM tenantry.scim_users WHERE tenant_id = $1 AND connection_id = $2', [tx.tenantId, id]);
        await sql.query('DELETE FROM tenantry.sso_connections WHERE tenant_id = $1 AND id = $2', [tx.tenantId, id]);
        await audit(tx, actor, 'sso_connection.remove', id, {}, clock);
      });
      // After the commit: a domain routed to a connection that no longer exists routes nowhere.
      // Its SCIM token too: pushes to a connection that no longer exists are refused.
      await options.operator?.query(
        `WITH domains AS (DELETE FROM tenantry.sso_verified_email_domains WHERE owner_tenant = $1 AND connection_id = $2)
         DELETE FROM tenantry.scim_tokens WHERE owner_tenant = $1 AND connection_id = $2`, [scope.tenantId, id])
        .catch((err: unknown) => { throw toTenantryError(err); });
    },
    async secretOf(scope, id) {
      const row = await read(scope, id);
      if (row.secret === null) return undefined;
      return encryption.decryptText(scope, row.secret, { purpose: SECRET_PURPOSE, recordId: id });
    },
  });
}
