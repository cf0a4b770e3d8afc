// The Tenant record as the registry stores it, and the closed sets of its status and tier.
import type { TenantId } from './tenant-id.js';

/** Lifecycle states; `control/tenant-lifecycle.ts` holds the legal transitions between them. */
export const TENANT_STATUSES = ['provisioning', 'active', 'suspended', 'offboarding', 'deleted'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** Isolation tiers: shared tables under RLS (default), a schema per tenant, a database per tenant. */
export const ISOLATION_TIERS = ['pooled', 'schema', 'database'] as const;
export type IsolationTier = (typeof ISOLATION_TIERS)[number];

/** A tenant as the registry knows it. `slug` is external and may change; `id` never does. */
export interface Tenant {
  readonly id: TenantId;
  readonly slug: string;
  readonly displayName: string;
  readonly status: TenantStatus;
  readonly tier: IsolationTier;
  readonly plan: string;
  readonly region: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly statusChangedAt: Date;
  /** Why an operator moved the tenant to its current status (suspend, offboard, delete), when they said. */
  readonly statusReason?: string;
  /** Incremented on every change; lets callers do compare-and-set updates. */
  readonly version: number;
}
