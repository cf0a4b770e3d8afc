// The shapes of the HTTP API the dashboard reads (docs/api.md and the team's contracts).

export type TenantStatus = 'provisioning' | 'active' | 'suspended' | 'offboarding' | 'deleted';
export const TENANT_STATUSES: readonly TenantStatus[] = ['provisioning', 'active', 'suspended', 'offboarding', 'deleted'];

export interface Tenant {
  readonly id: string;
  readonly slug: string;
  readonly displayName: string;
  readonly status: TenantStatus;
  readonly tier: string;
  readonly plan: string;
  readonly region: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly statusChangedAt: string;
  /** Why an operator moved it to its current status, when they said (suspend, offboard, delete). */
  readonly statusReason?: string;
  readonly version: number;
}

/** `items` per the contract; `tenants` is what servers before it answer. */
export interface TenantPage {
  readonly items?: readonly Tenant[];
  readonly tenants?: readonly Tenant[];
  readonly nextCursor?: string | null;
}

export interface Member {
  readonly userId: string;
  readonly role: string;
  readonly roleName: string;
  readonly createdAt: string;
}

export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly status: 'pending' | 'expired' | 'accepted' | 'revoked';
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  /** Its scopes within its creator's current permissions: what it may do now. */
  readonly effectiveScopes: readonly string[];
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

export interface AuditEventItem {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly actor: string;
  readonly target?: string | null;
  readonly requestId: string | null;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
}

export interface AuditVerificationResult {
  readonly valid: boolean;
  readonly eventsChecked: number;
  readonly firstBrokenSeq: number | null;
  readonly reason: string | null;
}

export interface ImpersonationSession {
  readonly id: string;
  readonly tenantId: string;
  readonly token: string;
  readonly expiresAt: string;
}

export interface Flag {
  readonly key: string;
  readonly enabled: boolean;
  readonly source: 'override' | 'plan' | 'rollout' | 'default';
}

export interface UsageMeter {
  readonly meter: string;
  readonly used: number;
  readonly limit: number | null;
  readonly softLimit: number | null;
  readonly unit: string;
}

export interface Usage {
  readonly plan: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly meters: readonly UsageMeter[];
}

export interface UsagePoint {
  readonly day: string;
  readonly meter: string;
  readonly quantity: number;
}

export type Counts = Readonly<Record<string, number>>;

export interface Distribution {
  readonly byStatus: Counts;
  readonly byPlan: Counts;
  readonly byTier: Counts;
  readonly byRegion: Counts;
}

export interface TenantHealth {
  readonly tenantId: string;
  readonly slug: string;
  readonly status: 'ok' | 'degraded' | 'failing';
  readonly errorRate: number;
  /** Null without requests in the window. */
  readonly p95Ms: number | null;
  /** Null without limits or quota data. */
  readonly quotaPressure: number | null;
  /** Connections kept busy on average over the window (database time ÷ window). */
  readonly dbLoad: number;
  readonly requests: number;
}

/** The period a health report covers. */
export interface HealthWindow {
  readonly start: string;
  readonly end: string;
  readonly minutes: number;
}

export interface Alert {
  readonly id: string;
  readonly tenantId: string;
  readonly rule: string;
  readonly metric: string;
  readonly value: number;
  readonly threshold: number;
  readonly status: 'open' | 'resolved';
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly count: number;
  readonly acknowledgedAt?: string | null;
  readonly acknowledgedBy?: string | null;
  readonly snoozedUntil?: string | null;
  readonly snoozed?: boolean;
  readonly resolvedAt?: string | null;
  readonly resolvedBy?: string | null;
  /** The tenant as it is now, to name it; null if its record is gone. */
  readonly tenant: { readonly slug: string; readonly displayName: string; readonly status: string } | null;
}

export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
}

export interface OperatorToken {
  readonly id: string;
  readonly operatorId: string;
  readonly name: string;
  readonly prefix: string;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly lastUsedAt?: string;
}

/** What an operator reads of a tenant whatever its status (GET /v1/tenants/:id/summary). */
export interface TenantSummary {
  readonly owners: readonly string[];
  readonly seats: { readonly used: number; readonly limit: number | null };
  readonly usage: Usage;
}
