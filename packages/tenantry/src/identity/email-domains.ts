// Domain capture: a tenant proves it controls an email domain with a DNS TXT record (the same
// challenge custom domains use, at `_tenantry-challenge.<domain>`), and from then on a sign-in
// with an address of that domain goes to that tenant's connection — and is refused through any
// other tenant's. Claims are tenant data (several tenants may claim a domain, none can squat it
// unverified); the verified domain → tenant map is a registry the operator role keeps.
import { randomBytes } from 'node:crypto';
import { appendAuditEvent } from '../audit/index.js';
import { systemClock, type Clock, type TenantId } from '../core/index.js';
import { controlErrors, parseDomainName, txtLookup, type DnsOptions } from '../control/index.js';
import { toTenantryError, withPoolTransaction, type SqlPool, type TenantScope, type TenantTransaction } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import type { SsoConnections } from './connections.js';
import { identityErrors } from './errors.js';

type ControlScope = TenantScope | TenantTransaction;

export interface EmailDomain {
  readonly domain: string;
  readonly connectionId: string;
  readonly status: 'pending' | 'verified';
  readonly recordName: string;
  readonly recordValue: string;
  readonly createdAt: Date;
  readonly verifiedAt?: Date;
}

/** Where sign-ins of a domain go: what sign-in reads, before any tenant is known. */
export interface EmailDomainOwners {
  ownerOf(domain: string): Promise<{ readonly tenantId: TenantId; readonly connectionId: string } | undefined>;
}

export interface SsoEmailDomains extends EmailDomainOwners {
  /** Claims `domain` for sign-ins through `connectionId`; returns the TXT record to publish. */
  add(scope: ControlScope, domain: string, connectionId: string, actor: string): Promise<EmailDomain>;
  list(scope: ControlScope): Promise<EmailDomain[]>;
  /** Looks the TXT record up; SSO_EMAIL_DOMAIN_NOT_FOUND, DOMAIN_VERIFICATION_FAILED, SSO_EMAIL_DOMAIN_TAKEN, DOMAIN_DNS_UNAVAILABLE. */
  verify(scope: ControlScope, domain: string, actor: string): Promise<EmailDomain>;
  remove(scope: ControlScope, domain: string, actor: string): Promise<void>;
  /** The tenant and connection an email address signs in through, or SSO_EMAIL_DOMAIN_UNKNOWN. */
  route(email: string): Promise<{ readonly tenantId: TenantId; readonly connectionId: string }>;
}

export interface SsoEmailDomainsOptions {
  readonly operator: SqlPool;
  readonly connections: SsoConnections;
  readonly clock?: Clock;
  readonly dns?: DnsOptions;
}

interface ClaimRow { domain: string; connection_id: string; verification_token: string; created_at: Date; verified_at: Date | null }
const COLUMNS = 'domain, connection_id, verification_token, created_at, verified_at';
const CHALLENGE_LABEL = '_tenantry-challenge';

function toDomain(row: ClaimRow): EmailDomain {
  return Object.freeze({
    domain: row.domain, connectionId: row.connection_id, status: row.verified_at === null ? 'pending' : 'verified',
    recordName: `${CHALLENGE_LABEL}.${row.domain}`, recordValue: row.verification_token, createdAt: row.created_at,
    ...(row.verified_at === null ? {} : { verifiedAt: row.verified_at }),
  });
}

function inTransaction<T>(scope: ControlScope, fn: (tx: TenantTransaction) => Promise<T>): Promise<T> {
  return 'savepoint' in scope ? fn(scope) : scope.transaction(fn);
}

/**
 * @example const emailDomains = createSsoEmailDomains({ operator, connections });
 */
export function createSsoEmailDomains(options: SsoEmailDomainsOptions): SsoEmailDomains {
  const { operator, connections } = options;
  const clock = options.clock ?? systemClock;
  const lookupTxt = txtLookup(options.dns ?? {});

  const claimed = (value: unknown): string => {
    try {
      return parseDomainName(value);
    } catch {
      throw identityErrors.create('SSO_EMAIL_DOMAIN_NOT_FOUND');
    }
  };

  async function operatorRows<Row>(text: string, values: unknown[]): Promise<Row[]> {
    try {
      return (await operator.query<Row>(text, values)).rows;
    } catch (err) {
      throw toTenantryError(err);
    }
  }

  async function ownerOf(domain: string): Promise<{ tenantId: TenantId; connectionId: string } | undefined> {
    const [row] = await operatorRows<{ owner_tenant: TenantId; connection_id: string }>(
      `SELECT v.owner_tenant, v.connection_id FROM tenantry.sso_verified_email_domains v JOIN tenantry.tenants t ON t.id = v.owner_tenant
        WHERE v.domain = $1 AND t.status <> 'deleted'`,
      [domain.toLowerCase()],
    );
    return row === undefined ? undefined : { tenantId: row.owner_tenant, connectionId: row.connection_id };
  }

  async function readClaim(scope: ControlScope, domain: string): Promise<ClaimRow> {
    const { rows } = await unguardedQuery(scope).query<ClaimRow>(`SELECT ${COLUMNS} FROM tenantry.sso_email_domains WHERE tenant_id = $1 AND domain = $2`, [scope.tenantId, domain]);
    if (!rows[0]) throw identityErrors.create('SSO_EMAIL_DOMAIN_NOT_FOUND');
    return rows[0];
  }

  return Object.freeze<SsoEmailDomains>({
    ownerOf,
    async route(email) {
      const domain = typeof email === 'string' ? email.split('@')[1] : undefined;
      const owner = domain === undefined || domain === '' ? undefined : await ownerOf(domain);
      if (owner === undefined) throw identityErrors.create('SSO_EMAIL_DOMAIN_UNKNOWN');
      return owner;
    },
    async add(scope, value, connectionId, actor) {
      const domain = parseDomainName(value);
      await connections.get(scope, connectionId);
      const owner = await ownerOf(domain);
      if (owner !== undefined && owner.tenantId !== scope.tenantId) throw identityErrors.create('SSO_EMAIL_DOMAIN_TAKEN');
      const token = `tenantry-verify=${randomBytes(24).toString('base64url')}`;
      return inTransaction(scope, async (tx) => {
        const sql = unguardedQuery(tx);
        const { rowCount } = await sql.query(
          `INSERT INTO tenantry.sso_email_domains (tenant_id, domain, connection_id, verification_token, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, domain) DO NOTHING`,
          [tx.tenantId, domain, connectionId, token, clock.now()],
        );
        if (rowCount === 1) await appendAuditEvent(tx, { actor, action: 'sso_email_domain.add', target: `email_domain:${domain}`, details: { domain, connectionId } }, { clock });
        return toDomain(await readClaim(tx, domain));
      });
    },
    async list(scope) {
      const { rows } = await unguardedQuery(scope).query<ClaimRow>(`SELECT ${COLUMNS} FROM tenantry.sso_email_domains WHERE tenant_id = $1 ORDER BY domain`, [scope.tenantId]);
      return rows.map(toDomain);
    },
    async verify(scope, value, actor) {
      const domain = claimed(value);
      const claim = await readClaim(scope, domain);
      // No transaction is held across the DNS round trip (as custom domains).
      const values = await lookupTxt(`${CHALLENGE_LABEL}.${domain}`);
      if (!values.some((v) => v.trim() === claim.verification_token)) {
        throw controlErrors.create('DOMAIN_VERIFICATION_FAILED', { details: { recordName: `${CHALLENGE_LABEL}.${domain}` } });
      }
      const now = clock.now();
      const owner = await withPoolTransaction(operator, async (c) => {
        await c.query(`DELETE FROM tenantry.sso_verified_email_domains v USING tenantry.tenants t WHERE v.domain = $1 AND t.id = v.owner_tenant AND t.status = 'deleted'`, [domain]);
        await c.query(
          'INSERT INTO tenantry.sso_verified_email_domains (domain, owner_tenant, connection_id, verified_at) VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO NOTHING',
          [domain, scope.tenantId, claim.connection_id, now],
        );
        const { rows } = await c.query<{ owner_tenant: TenantId }>('SELECT owner_tenant FROM tenantry.sso_verified_email_domains WHERE domain = $1', [domain]);
        return (rows[0] as { owner_tenant: TenantId }).owner_tenant;
      }).catch((err: unknown) => { throw toTenantryError(err); });
      if (owner !== scope.tenantId) throw identityErrors.create('SSO_EMAIL_DOMAIN_TAKEN');
      try {
        return await inTransaction(scope, async (tx) => {
          const { rows } = await unguardedQuery(tx).query<ClaimRow>(
            `UPDATE tenantry.sso_email_domains SET verified_at = coalesce(verified_at, $3), last_checked_at = $3 WHERE tenant_id = $1 AND domain = $2 RETURNING ${COLUMNS}`,
            [tx.tenantId, domain, now],
          );
          if (!rows[0]) throw identityErrors.create('SSO_EMAIL_DOMAIN_NOT_FOUND');
          await appendAuditEvent(tx, { actor, action: 'sso_email_domain.verify', target: `email_domain:${domain}`, details: { domain } }, { clock });
          return toDomain(rows[0]);
        });
      } catch (err) {
        if (claim.verified_at === null) await operatorRows('DELETE FROM tenantry.sso_verified_email_domains WHERE domain = $1 AND owner_tenant = $2', [domain, scope.tenantId]);
        throw err;
      }
    },
    async remove(scope, value, actor) {
      const domain = claimed(value);
      await inTransaction(scope, async (tx) => {
        await readClaim(tx, domain);
        await unguardedQuery(tx).query('DELETE FROM tenantry.sso_email_domains WHERE tenant_id = $1 AND domain = $2', [tx.tenantId, domain]);
        await appendAuditEvent(tx, { actor, action: 'sso_email_domain.remove', target: `email_domain:${domain}`, details: { domain } }, { clock });
      });
      await operatorRows('DELETE FROM tenantry.sso_verified_email_domains WHERE domain = $1 AND owner_tenant = $2', [domain, scope.tenantId]);
    },
  });
}
