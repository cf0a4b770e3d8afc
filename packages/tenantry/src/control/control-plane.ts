// createControlPlane: every control-plane service over one app-role tenant database and one
// operator pool, with one clock — the wiring a server does once at start.
import { Type, type TObject } from '@sinclair/typebox';
import { appendAuditEvent, operatorAuditTransaction } from '../audit/index.js';
import type { Clock } from '../core/index.js';
import type { TenantEncryption } from '../crypto/index.js';
import type { SqlPool, TenantDatabase } from '../postgres/index.js';
import type { ChangeFeed } from '../redis/index.js';
import { createAccessCache } from './access-cache.js';
import { createAllowedOrigins, type AllowedOrigins } from './allowed-origins.js';
import { createApiKeys, type ApiKeys } from './api-keys.js';
import { checkKnownKeys } from './check-options.js';
import { createCustomDomains, type CustomDomains } from './custom-domains.js';
import { createCustomRoles, type CustomRoles } from './custom-roles.js';
import type { DnsOptions } from './dns-txt.js';
import { createFeatureFlags, type FeatureFlags, type FlagDefinition } from './feature-flags.js';
import { createImpersonation, type AuditEventHook, type Impersonation } from './impersonation.js';
import { createInvitations, type Invitations } from './invitations.js';
import { createOperators, type Operators } from './operators.js';
import { createSigningSecrets, type SigningSecrets } from './signing-secrets.js';
import { createTenantBranding, type TenantBranding } from './tenant-branding.js';
import type { CacheOptions } from './tenant-document.js';
import type { SeatCheck } from './seat-check.js';
import { createMembers, type Members } from './tenant-members.js';
import { createTenantAccess, type TenantAccess } from './tenant-access.js';
import { createTenantSettings, type TenantSettings } from './tenant-settings.js';

export interface ControlPlaneOptions<S extends TObject = TObject> {
  /** The app-role tenant database. */
  readonly db: TenantDatabase;
  /** The operator-role pool (registries, operators). */
  readonly operator: SqlPool;
  /** How signing secrets are stored: a TenantEncryption, or `'none'` for plaintext. */
  readonly encryption: TenantEncryption | 'none';
  readonly clock?: Clock;
  readonly invitationTtlMs?: number;
  readonly apiKeyPrefix?: string;
  readonly signingSecretGraceMs?: number;
  readonly maxImpersonationMs?: number;
  readonly dns?: DnsOptions;
  readonly reservedDomains?: readonly string[];
  /**
   * Where impersonation starts and ends are recorded. Default: the tenant's own audit log
   * (in the session change's own operator transaction), where its members see who acted
   * inside it and why.
   */
  readonly onAuditEvent?: AuditEventHook;
  /** The members' seat limit, checked when a member is added or an invitation accepted: e.g. `quotaSeatCheck(quotas)`. */
  readonly seatCheck?: SeatCheck;
  /** The tenants' settings (TypeBox, with defaults). Default: no settings. */
  readonly settingsSchema?: S;
  /** The feature flags the application knows, and the features each plan sets. */
  readonly flags?: Readonly<Record<string, FlagDefinition>>;
  readonly planFeatures?: (plan: string) => Readonly<Record<string, boolean>>;
  /**
   * Tells every instance what changed, so settings, flags and branding can be cached per
   * instance: `memoryChangeFeed()` for one instance, `redisChangeFeed(…)` for several. Without
   * one nothing is cached and every read goes to the database.
   */
  readonly changeFeed?: ChangeFeed;
  /** Tuning of those caches. */
  readonly cache?: CacheOptions;
  /**
   * How long a cached principal (a member's role, a verified API key) is kept at most should
   * an announcement on the feed be lost. Default 5 000 ms (docs/control-plane.md).
   */
  readonly accessMaxAgeMs?: number;
}

export interface ControlPlane<S extends TObject = TObject> {
  readonly members: Members;
  readonly roles: CustomRoles;
  readonly invitations: Invitations;
  readonly apiKeys: ApiKeys;
  readonly origins: AllowedOrigins;
  readonly signingSecrets: SigningSecrets;
  readonly operators: Operators;
  readonly impersonation: Impersonation;
  readonly domains: CustomDomains;
  readonly settings: TenantSettings<S['static']>;
  readonly flags: FeatureFlags;
  readonly branding: TenantBranding;
  /** The principals of tenant requests, cached per instance (members; API keys are cached inside `apiKeys`). */
  readonly access: TenantAccess;
  /** Resolves once the caches follow the change feed (reads before are served from the database). */
  ready(): Promise<void>;
  /** Unsubscribes the caches from the change feed (the feed's connections stay the caller's). */
  close(): Promise<void>;
}

const KNOWN = [
  'db', 'operator', 'encryption', 'clock', 'invitationTtlMs', 'apiKeyPrefix', 'signingSecretGraceMs',
  'maxImpersonationMs', 'dns', 'reservedDomains', 'onAuditEvent', 'seatCheck', 'settingsSchema', 'flags', 'planFeatures', 'changeFeed', 'cache', 'accessMaxAgeMs',
];

/**
 * @example
 * const control = createControlPlane({ db, operator, encryption, dns: { servers: [config.dnsServer] }, reservedDomains: [config.baseDomain] });
 * const resolver = createTenantResolver({
 *   strategies: [customDomainStrategy({ lookup: control.domains.verifiedDomainOwner }), apiKeyStrategy({ verify: control.apiKeys.verifyApiKey })],
 *   tenants: registry,
 * });
 */
export function createControlPlane<S extends TObject = TObject>(options: ControlPlaneOptions<S>): ControlPlane<S> {
  checkKnownKeys(options, KNOWN, '');
  const { db, operator } = options;
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const onAuditEvent: AuditEventHook = options.onAuditEvent
    // In the session change's own transaction: no second operator connection while it holds one.
    ?? (async ({ tenantId, ...event }, transaction) => { await appendAuditEvent(await operatorAuditTransaction(transaction, tenantId), event); });
  const pick = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
  const cached = { db, ...clock, ...pick('feed', options.changeFeed), ...pick('cache', options.cache) };
  const settings = createTenantSettings({ ...cached, schema: options.settingsSchema ?? (Type.Object({}) as TObject as S) });
  const flags = createFeatureFlags({ ...cached, ...pick('flags', options.flags), ...pick('planFeatures', options.planFeatures) });
  const branding = createTenantBranding(cached);
  // Principals (members, verified keys) are cached when there is a feed to hear their changes.
  const access = createAccessCache({ feed: options.changeFeed, cache: options.cache, maxAgeMs: options.accessMaxAgeMs });
  const caches = [settings, flags, branding, access];
  const members = createMembers({ ...clock, ...pick('seatCheck', options.seatCheck), access });
  return Object.freeze({
    members,
    roles: createCustomRoles({ ...clock, access }),
    invitations: createInvitations({ ...clock, operator, ...pick('ttlMs', options.invitationTtlMs), ...pick('seatCheck', options.seatCheck), access }),
    apiKeys: createApiKeys({ db, operator, ...clock, ...pick('prefix', options.apiKeyPrefix), access }),
    origins: createAllowedOrigins(clock),
    signingSecrets: createSigningSecrets({ encryption: options.encryption, ...clock, ...pick('graceMs', options.signingSecretGraceMs) }),
    operators: createOperators({ operator, ...clock }),
    impersonation: createImpersonation({ operator, ...clock, ...pick('maxDurationMs', options.maxImpersonationMs), onAuditEvent }),
    domains: createCustomDomains({ operator, ...clock, ...pick('dns', options.dns), ...pick('reservedDomains', options.reservedDomains) }),
    settings,
    flags,
    branding,
    access: createTenantAccess({ db, members, cache: access }),
    ready: async () => { await Promise.all(caches.map((d) => d.ready())); },
    close: async () => { await Promise.all(caches.map((d) => d.close())); },
  });
}
