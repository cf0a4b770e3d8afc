// createControlPlane: every control-plane service over one app-role tenant database and one
// operator pool, with one clock — the wiring a server does once at start.
import { appendAuditEvent, withAuditOperator } from '../audit/index.js';
import type { Clock } from '../core/index.js';
import type { TenantEncryption } from '../crypto/index.js';
import type { SqlPool, TenantDatabase } from '../postgres/index.js';
import { createAllowedOrigins, type AllowedOrigins } from './allowed-origins.js';
import { createApiKeys, type ApiKeys } from './api-keys.js';
import { checkKnownKeys } from './check-options.js';
import { createCustomDomains, type CustomDomains } from './custom-domains.js';
import { createCustomRoles, type CustomRoles } from './custom-roles.js';
import type { DnsOptions } from './dns-txt.js';
import { createImpersonation, type AuditEventHook, type Impersonation } from './impersonation.js';
import { createInvitations, type Invitations } from './invitations.js';
import { createOperators, type Operators } from './operators.js';
import { createSigningSecrets, type SigningSecrets } from './signing-secrets.js';
import { createMembers, type Members } from './tenant-members.js';

export interface ControlPlaneOptions {
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
   * (through the operator pool), where its members see who acted inside it and why.
   */
  readonly onAuditEvent?: AuditEventHook;
}

export interface ControlPlane {
  readonly members: Members;
  readonly roles: CustomRoles;
  readonly invitations: Invitations;
  readonly apiKeys: ApiKeys;
  readonly origins: AllowedOrigins;
  readonly signingSecrets: SigningSecrets;
  readonly operators: Operators;
  readonly impersonation: Impersonation;
  readonly domains: CustomDomains;
}

const KNOWN = [
  'db', 'operator', 'encryption', 'clock', 'invitationTtlMs', 'apiKeyPrefix', 'signingSecretGraceMs',
  'maxImpersonationMs', 'dns', 'reservedDomains', 'onAuditEvent',
];

/**
 * @example
 * const control = createControlPlane({ db, operator, encryption, dns: { servers: [config.dnsServer] }, reservedDomains: [config.baseDomain] });
 * const resolver = createTenantResolver({
 *   strategies: [customDomainStrategy({ lookup: control.domains.verifiedDomainOwner }), apiKeyStrategy({ verify: control.apiKeys.verifyApiKey })],
 *   tenants: registry,
 * });
 */
export function createControlPlane(options: ControlPlaneOptions): ControlPlane {
  checkKnownKeys(options, KNOWN, '');
  const { db, operator } = options;
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const onAuditEvent: AuditEventHook = options.onAuditEvent
    ?? (async ({ tenantId, ...event }) => { await withAuditOperator(operator, tenantId, (tx) => appendAuditEvent(tx, event)); });
  const pick = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
  return Object.freeze({
    members: createMembers(clock),
    roles: createCustomRoles(clock),
    invitations: createInvitations({ ...clock, ...pick('ttlMs', options.invitationTtlMs) }),
    apiKeys: createApiKeys({ db, operator, ...clock, ...pick('prefix', options.apiKeyPrefix) }),
    origins: createAllowedOrigins(clock),
    signingSecrets: createSigningSecrets({ encryption: options.encryption, ...clock, ...pick('graceMs', options.signingSecretGraceMs) }),
    operators: createOperators({ operator, ...clock }),
    impersonation: createImpersonation({ operator, ...clock, ...pick('maxDurationMs', options.maxImpersonationMs), onAuditEvent }),
    domains: createCustomDomains({ operator, ...clock, ...pick('dns', options.dns), ...pick('reservedDomains', options.reservedDomains) }),
  });
}
