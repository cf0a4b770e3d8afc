// Moving a tenant online between database targets or tiers: the interface only, declared here so
// the placement capability (targets, tiers, the placement directory) can implement the parts it
// owns. Not implemented yet (docs/mobility.md, "What is missing").
import type { TenantId } from '../core/index.js';

/** The named, ordered steps of a move; each is idempotent so a crashed move resumes at its step. */
export const MOVE_STEPS = ['snapshot-copy', 'catch-up', 'freeze', 'verify', 'switch', 'unfreeze', 'cleanup'] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

export type MoveState =
  | { readonly status: 'running'; readonly step: MoveStep }
  | { readonly status: 'done'; readonly switchedAt: string }
  | { readonly status: 'aborted'; readonly at: MoveStep; readonly reason: string };

/** Where a tenant's data lives; the placement directory's record. */
export interface MovePlacement {
  readonly target: string;
  readonly tier: 'pooled' | 'schema' | 'database';
}

/**
 * What a move needs from placement (issue 16): the tenant's current placement, an atomic
 * switch that every instance sees (its caches invalidated), and a per-tenant write freeze
 * (requests wait or get a retryable 503; other tenants keep working).
 */
export interface PlacementDirectory {
  placementOf(tenantId: TenantId): Promise<MovePlacement>;
  /** Compare-and-set: switches only if the tenant is still at `from`. */
  switchPlacement(tenantId: TenantId, from: MovePlacement, to: MovePlacement): Promise<void>;
  freezeWrites(tenantId: TenantId): Promise<void>;
  unfreezeWrites(tenantId: TenantId): Promise<void>;
}

/**
 * A move: copy from a snapshot (the export of this capability), catch up the changes made
 * meanwhile, freeze the tenant's writes, verify row counts and per-table SHA-256 (the import's
 * verification), switch, unfreeze, and remove the source copy after a grace period. Before
 * `switch`, `abort` leaves the source intact and serving.
 */
export interface TenantMove {
  start(tenantId: TenantId, to: MovePlacement): Promise<MoveState>;
  /** Continues a move from its last completed step (after a crash). */
  resume(tenantId: TenantId): Promise<MoveState>;
  abort(tenantId: TenantId, reason: string): Promise<MoveState>;
  status(tenantId: TenantId): Promise<MoveState | undefined>;
}
