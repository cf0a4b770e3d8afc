// What the /v1 routes are built from: the registry, the app-role tenant database, the control
// plane's services and, when configured, the verifier of tenant principals' JWTs.
import type { TObject } from '@sinclair/typebox';
import type { Clock } from 'tenantry';
import type { Billing } from 'tenantry/billing';
import type { ControlPlane, TenantRegistry, TenantWebhooks } from 'tenantry/control';
import type { LdapSignIn, TenantIssuers, SamlSignIn, ScimDirectory, ScimTokens, SsoConnections, SsoEmailDomains, SsoSignIn, TokenSigningKeys } from 'tenantry/identity';
import type { ActivityRecorder, AlertEvents, TenantAnalytics, TenantHealthReports } from 'tenantry/health';
import type { TenantMetrics } from 'tenantry/observability';
import type { SqlPool, TenantDatabase } from 'tenantry/postgres';
import type { JobQueue } from 'tenantry/jobs';
import type { Quotas } from 'tenantry/quota';
import type { JwtVerifier } from 'tenantry/resolve';
import type { MobilityApi } from '../routes/mobility.js';
import type { RateLimitOptions } from './rate-limit.js';

/**
 * @example buildApp({ operator, logger, api: { registry, db, control, jwtVerifier } });
 */
export interface ApiDependencies {
  readonly registry: TenantRegistry;
  readonly db: TenantDatabase;
  readonly control: ControlPlane;
  /** Absent: bearer JWTs are refused (TOKEN_INVALID) and only API keys reach tenant routes. */
  readonly jwtVerifier?: JwtVerifier;
  /** Plans, quotas and metering; absent: the usage, plans, quota-override and billing routes are not served. */
  readonly quota?: QuotaApi;
  /** Subscriptions and invoices (tenantry/billing); absent: the subscription and invoice routes are not served. */
  readonly billing?: Billing;
  /** The operator-role pool, for the audit routes (read across tenant status). Absent: they are not served. */
  readonly operator?: SqlPool;
  /** Tenant rate limits on /v1/tenant routes (docs/rate-limiting.md); absent: none. */
  readonly rateLimit?: RateLimitOptions;
  /** Absent: no activity is recorded and the analytics, health and alerts routes are not served. */
  readonly health?: HealthServices;
  /** The settings schema `control` was built with: it documents (and serializes) GET/PATCH /v1/tenant/settings. */
  readonly settingsSchema?: TObject;
  /** Present when metrics are on: routes may record into it (e.g. `metrics.setUsage` for quotas). */
  readonly metrics?: TenantMetrics;
  /**
   * "Now" for what the routes themselves stamp (operator actions, quota overrides): the clock the
   * services above were built with (startServer passes one to all). Default: the system clock.
   */
  readonly clock?: Clock;
  /** Single sign-on (docs/sso.md); absent: the JWKS, SSO configuration and sign-in routes are not served. */
  readonly identity?: IdentityApi;
  /**
   * The job queue and the tenant webhooks sent from it (database/server-jobs.ts); absent: the
   * jobs and webhooks routes are not served, and usage alerts are only stored.
   */
  readonly jobs?: JobsApi;
  /** Export, import, backups, retention and erasure (docs/mobility.md); needs `operator` too. Absent: not served. */
  readonly mobility?: MobilityApi;
}

/** What the jobs and webhooks routes are built from. */
export interface JobsApi {
  readonly queue: JobQueue;
  readonly webhooks: TenantWebhooks;
}

/** What the SSO routes are built from (tenantry/identity). */
export interface IdentityApi {
  readonly signingKeys: TokenSigningKeys;
  readonly connections: SsoConnections;
  readonly emailDomains: SsoEmailDomains;
  readonly signIn: SsoSignIn;
  /** SAML 2.0 sign-in (samlify). */
  readonly saml: SamlSignIn;
  /** LDAP bind sign-in (ldapts). */
  readonly ldap: LdapSignIn;
  /** Tenants' own token issuers: their tokens resolve to the registering tenant only. */
  readonly tenantIssuers: TenantIssuers;
  /** SCIM 2.0: the connections' bearer tokens and the users and groups they push (docs/scim.md). */
  readonly scimTokens: ScimTokens;
  readonly scim: ScimDirectory;
  /** The server's public URL: the callback's URL is read against it. */
  readonly publicUrl: string;
}

/** What the quota routes need beyond the tenant database. */
export interface QuotaApi {
  readonly quotas: Quotas;
  /** The operator-role pool: overrides and the billing export. */
  readonly operator: SqlPool;
}

/** The health capability's services (tenantry/health), all over the operator pool. */
export interface HealthServices {
  readonly activity: ActivityRecorder;
  readonly analytics: TenantAnalytics;
  readonly reports: TenantHealthReports;
  readonly alerts: AlertEvents;
  /** The settings schema `control` was built with: it documents (and serializes) GET/PATCH /v1/tenant/settings. */
  readonly settingsSchema?: TObject;
}
