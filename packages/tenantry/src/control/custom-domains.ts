// Custom domains: a tenant adds a domain and gets a token, publishes it in a DNS TXT record at
// `_tenantry-challenge.<domain>`, and the domain resolves to the tenant only once verified.
// Claims are tenant data (several tenants may claim one domain, so an unverified claim cannot
// squat it); the verified domain → tenant map is a registry the operator role keeps, where a
// domain belongs to one tenant at most.
import { randomBytes } from 'node:crypto';
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlPool, SqlQueryable } from '../postgres/index.js';
import type { VerifiedDomainLookup } from '../resolve/index.js';
import { checkKnownKeys } from './check-options.js';
import { auditChange } from './audit-change.js';
import { checkActor, inTransaction, operatorQuery, sqlOf, withOperatorTransaction, type ControlScope } from './control-sql.js';
import { txtLookup, type DnsOptions, type TxtLookup } from './dns-txt.js';
import { parseDomainName } from './domain-name.js';
import { controlErrors } from './errors.js';
import { systemActor, type Actor } from './permissions.js';

export interface CustomDomain {
  readonly domain: string;
  readonly status: 'pending' | 'verified';
  /** Where the TXT record goes: `_tenantry-challenge.<domain>`. */
  readonly recordName: string;
  /** What the TXT record must contain (not a secret: DNS is public). */
  readonly recordValue: string;
  readonly createdAt: Date;
  readonly verifiedAt?: Date;
  readonly lastCheckedAt?: Date;
}

export interface CustomDomainsOptions {
  /** The operator-role pool: the registry of verified domains. */
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** The resolver used for verification; by default the system's servers. */
  readonly dns?: DnsOptions;
  /** The platform's own domains: neither they nor their subdomains can be claimed. */
  readonly reservedDomains?: readonly string[];
}

export interface CustomDomains {
  /**
   * Claims a domain for the tenant and returns the TXT record to publish (adding it again
   * returns the same claim). Throws DOMAIN_INVALID, DOMAIN_TAKEN (verified by another tenant).
   * Each change (add, verify, remove) is audited by `actor` (default `system`) in its transaction.
   *
   * @example const { recordName, recordValue } = await domains.add(scope, 'app.acme.com', actor);
   */
  add(scope: ControlScope, domain: string, actor?: Actor): Promise<CustomDomain>;
  list(scope: ControlScope): Promise<CustomDomain[]>;
  get(scope: ControlScope, domain: string): Promise<CustomDomain>;
  /**
   * Looks the TXT record up and, when it carries the claim's token, makes the domain resolve to
   * this tenant. Throws DOMAIN_NOT_FOUND, DOMAIN_VERIFICATION_FAILED, DOMAIN_TAKEN (another
   * tenant proved control first), DOMAIN_DNS_UNAVAILABLE.
   */
  verify(scope: ControlScope, domain: string, actor?: Actor): Promise<CustomDomain>;
  /** Drops the claim, and the domain stops resolving to the tenant. DOMAIN_NOT_FOUND when the tenant has no such claim. */
  remove(scope: ControlScope, domain: string, actor?: Actor): Promise<void>;
  /**
   * The resolver's {@link VerifiedDomainLookup}: the tenant a verified domain belongs to, or
   * undefined (unknown, unverified, or its tenant deleted).
   *
   * @example customDomainStrategy({ lookup: domains.verifiedDomainOwner, ignore: ['example.com'] })
   */
  readonly verifiedDomainOwner: VerifiedDomainLookup;
}

interface DomainRow { domain: string; verification_token: string; created_at: Date; verified_at: Date | null; last_checked_at: Date | null }

const COLUMNS = 'domain, verification_token, created_at, verified_at, last_checked_at';
export const CHALLENGE_LABEL = '_tenantry-challenge';

function toDomain(row: DomainRow): CustomDomain {
  return Object.freeze({
    domain: row.domain,
    status: row.verified_at === null ? 'pending' : 'verified',
    recordName: `${CHALLENGE_LABEL}.${row.domain}`,
    recordValue: row.verification_token,
    createdAt: row.created_at,
    ...(row.verified_at === null ? {} : { verifiedAt: row.verified_at }),
    ...(row.last_checked_at === null ? {} : { lastCheckedAt: row.last_checked_at }),
  });
}

async function readClaim(sql: SqlQueryable, tenantId: TenantId, domain: string): Promise<DomainRow | undefined> {
  const { rows } = await sql.query<DomainRow>(`SELECT ${COLUMNS} FROM tenantry.custom_domains WHERE tenant_id = $1 AND domain = $2`, [tenantId, domain]);
  return rows[0];
}

/**
 * @example
 * const domains = createCustomDomains({ operator, dns: { servers: ['10.0.0.2'] }, reservedDomains: ['example.com'] });
 */
export function createCustomDomains(options: CustomDomainsOptions): CustomDomains {
  checkKnownKeys(options, ['operator', 'clock', 'dns', 'reservedDomains'], '');
  const { operator } = options;
  const clock = options.clock ?? systemClock;
  const lookupTxt: TxtLookup = txtLookup(options.dns ?? {});
  if (options.reservedDomains !== undefined && !Array.isArray(options.reservedDomains)) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'reservedDomains', reason: 'a list of domains' } });
  }
  const reserved = (options.reservedDomains ?? []).map((d) => parseDomainName(d));
  const domainOf = (value: unknown) => parseDomainName(value, reserved);
  /** A name the tenant passes to get/verify/remove: one that cannot be valid was never added. */
  const claimedName = (value: unknown): string => {
    try {
      return domainOf(value);
    } catch {
      throw controlErrors.create('DOMAIN_NOT_FOUND');
    }
  };

  async function ownerOf(domain: string): Promise<TenantId | undefined> {
    const [row] = await operatorQuery<{ owner_tenant: TenantId }>(
      operator,
      `SELECT v.owner_tenant FROM tenantry.verified_domains v JOIN tenantry.tenants t ON t.id = v.owner_tenant
        WHERE v.domain = $1 AND t.status <> 'deleted'`,
      [domain],
    );
    return row?.owner_tenant;
  }

  /** Records `tenantId` as the domain's owner unless a live tenant already is; returns the owner. */
  function claimInRegistry(domain: string, tenantId: TenantId, at: Date): Promise<TenantId> {
    return withOperatorTransaction(operator, async (c) => {
      // A deleted tenant's domain is free again (its claim was purged with its data).
      await c.query(
        `DELETE FROM tenantry.verified_domains v USING tenantry.tenants t WHERE v.domain = $1 AND t.id = v.owner_tenant AND t.status = 'deleted'`,
        [domain],
      );
      await c.query('INSERT INTO tenantry.verified_domains (domain, owner_tenant, verified_at) VALUES ($1, $2, $3) ON CONFLICT (domain) DO NOTHING', [domain, tenantId, at]);
      const { rows } = await c.query<{ owner_tenant: TenantId }>('SELECT owner_tenant FROM tenantry.verified_domains WHERE domain = $1', [domain]);
      return (rows[0] as { owner_tenant: TenantId }).owner_tenant;
    });
  }

  return Object.freeze({
    async add(scope, value, actor = systemActor()) {
      checkActor(actor);
      const domain = domainOf(value);
      const owner = await ownerOf(domain);
      if (owner !== undefined && owner !== scope.tenantId) throw controlErrors.create('DOMAIN_TAKEN');
      const token = `tenantry-verify=${randomBytes(24).toString('base64url')}`;
      return inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        const { rowCount } = await sql.query(
          `INSERT INTO tenantry.custom_domains (tenant_id, domain, verification_token, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, domain) DO NOTHING`,
          [tx.tenantId, domain, token, clock.now()],
        );
        if (rowCount === 1) await auditChange(tx, actor.id, 'domain.add', `domain:${domain}`, { domain, to: 'pending' }, clock);
        return toDomain((await readClaim(sql, tx.tenantId, domain)) as DomainRow);
      });
    },
    async list(scope) {
      const { rows } = await sqlOf(scope).query<DomainRow>(`SELECT ${COLUMNS} FROM tenantry.custom_domains WHERE tenant_id = $1 ORDER BY domain`, [scope.tenantId]);
      return rows.map(toDomain);
    },
    async get(scope, value) {
      const claim = await readClaim(sqlOf(scope), scope.tenantId, claimedName(value));
      if (!claim) throw controlErrors.create('DOMAIN_NOT_FOUND');
      return toDomain(claim);
    },
    async verify(scope, value, actor = systemActor()) {
      checkActor(actor);
      const domain = claimedName(value);
      const sql = sqlOf(scope);
      const claim = await readClaim(sql, scope.tenantId, domain);
      if (!claim) throw controlErrors.create('DOMAIN_NOT_FOUND');
      const recordName = `${CHALLENGE_LABEL}.${domain}`;
      // No transaction is held across the DNS round trip.
      const values = await lookupTxt(recordName);
      const now = clock.now();
      if (!values.some((v) => v.trim() === claim.verification_token)) {
        await sql.query('UPDATE tenantry.custom_domains SET last_checked_at = $3 WHERE tenant_id = $1 AND domain = $2', [scope.tenantId, domain, now]);
        throw controlErrors.create('DOMAIN_VERIFICATION_FAILED', { details: { recordName } });
      }
      const owner = await claimInRegistry(domain, scope.tenantId, now);
      if (owner !== scope.tenantId) throw controlErrors.create('DOMAIN_TAKEN');
      try {
        return await inTransaction(scope, async (tx) => {
          const { rows } = await sqlOf(tx).query<DomainRow>(
            `UPDATE tenantry.custom_domains SET verified_at = coalesce(verified_at, $3), last_checked_at = $3
              WHERE tenant_id = $1 AND domain = $2 RETURNING ${COLUMNS}`,
            [tx.tenantId, domain, now],
          );
          if (!rows[0]) throw controlErrors.create('DOMAIN_NOT_FOUND');
          await auditChange(tx, actor.id, 'domain.verify', `domain:${domain}`, { domain, from: claim.verified_at === null ? 'pending' : 'verified', to: 'verified' }, clock);
          return toDomain(rows[0]);
        });
      } catch (err) {
        // The claim was removed while DNS was asked, or the change could not be recorded: a
        // domain newly in the registry is taken back out (one verified before stays).
        if (claim.verified_at === null) await operatorQuery(operator, 'DELETE FROM tenantry.verified_domains WHERE domain = $1 AND owner_tenant = $2', [domain, scope.tenantId]);
        throw err;
      }
    },
    async remove(scope, value, actor = systemActor()) {
      checkActor(actor);
      const domain = claimedName(value);
      await inTransaction(scope, async (tx) => {
        const { rows } = await sqlOf(tx).query<{ verified_at: Date | null }>('DELETE FROM tenantry.custom_domains WHERE tenant_id = $1 AND domain = $2 RETURNING verified_at', [tx.tenantId, domain]);
        if (!rows[0]) throw controlErrors.create('DOMAIN_NOT_FOUND');
        await auditChange(tx, actor.id, 'domain.remove', `domain:${domain}`, { domain, from: rows[0].verified_at === null ? 'pending' : 'verified' }, clock);
      });
      // The owner check keeps one tenant's removal from touching another tenant's entry.
      await operatorQuery(operator, 'DELETE FROM tenantry.verified_domains WHERE domain = $1 AND owner_tenant = $2', [domain, scope.tenantId]);
    },
    async verifiedDomainOwner(host) {
      let domain: string;
      try {
        domain = parseDomainName(host);
      } catch {
        return undefined;
      }
      return ownerOf(domain);
    },
  } satisfies CustomDomains);
}
