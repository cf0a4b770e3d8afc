// Rebalancing tenants across placement targets (PostgreSQL servers): a pure planner that proposes
// moves off draining and hot targets to others in the same region, and a runner that performs
// them one at a time through a mover the placement layer provides (docs/noisy-neighbours.md).
// Neither knows how a tenant is moved: that is the data-mobility move, behind `TenantMover`.
import type { TenantId } from '../core/index.js';

/** One placement target as the planner sees it: where it is, whether it takes tenants, how much it holds. */
export interface PlacementTargetLoad {
  readonly id: string;
  readonly region: string;
  /** `draining`: every tenant is to leave it, and none is placed on it. */
  readonly state: 'active' | 'draining';
  /** What the target can hold, in the unit of the tenants' `load` (database ms per minute, bytes …). */
  readonly capacity: number;
}

/** One tenant on its target, with its load in the targets' unit. */
export interface PlacedTenantLoad {
  readonly tenantId: TenantId;
  readonly targetId: string;
  readonly load: number;
}

export interface RebalanceOptions {
  /** Utilisation (load ÷ capacity) above which an active target is hot. Default 0.8. */
  readonly hotAbove?: number;
  /** Moves proposed at most. Default 100. */
  readonly maxMoves?: number;
}

export interface ProposedMove {
  readonly tenantId: TenantId;
  readonly from: string;
  readonly to: string;
  readonly load: number;
  readonly reason: 'draining' | 'hot';
}

export interface RebalancePlan {
  /** In the order they are to run, each computed on the placement the ones before it leave. */
  readonly moves: readonly ProposedMove[];
  /** Tenants on a draining target with no active target in their region to go to. */
  readonly stranded: readonly TenantId[];
}

interface Target { readonly spec: PlacementTargetLoad; load: number }

/**
 * Proposes moves, one tenant at a time: first every tenant off each draining target (largest
 * first, each to the least utilised active target of the same region), then from the hottest
 * active target to the coolest of its region while that lowers the hotter of the two. A tenant
 * is moved at most once. Pure and deterministic: the same input gives the same plan (a dry run
 * is this function's answer).
 *
 * @example
 * const { moves } = planRebalance(targets, tenants, { hotAbove: 0.75 });
 */
export function planRebalance(targets: readonly PlacementTargetLoad[], tenants: readonly PlacedTenantLoad[], options: RebalanceOptions = {}): RebalancePlan {
  const hotAbove = options.hotAbove ?? 0.8;
  const maxMoves = options.maxMoves ?? 100;
  if (!(hotAbove > 0)) throw new RangeError('hotAbove must be above 0');
  const byId = new Map<string, Target>();
  for (const spec of targets) {
    if (!(spec.capacity > 0)) throw new RangeError(`target ${spec.id}: capacity must be above 0`);
    byId.set(spec.id, { spec, load: 0 });
  }
  const placed = new Map<string, PlacedTenantLoad[]>();
  for (const tenant of tenants) {
    const target = byId.get(tenant.targetId);
    if (target === undefined) throw new RangeError(`tenant ${tenant.tenantId} is on unknown target ${tenant.targetId}`);
    target.load += tenant.load;
    placed.set(tenant.targetId, [...(placed.get(tenant.targetId) ?? []), tenant]);
  }
  const use = (t: Target) => t.load / t.spec.capacity;
  // Largest first (ties by id), so one move relieves the most and the plan is deterministic.
  const largestFirst = (a: PlacedTenantLoad, b: PlacedTenantLoad) => b.load - a.load || (a.tenantId < b.tenantId ? -1 : 1);
  const coolest = (region: string, except: string) => [...byId.values()]
    .filter((t) => t.spec.region === region && t.spec.state === 'active' && t.spec.id !== except)
    .sort((a, b) => use(a) - use(b) || (a.spec.id < b.spec.id ? -1 : 1))[0];
  const moves: ProposedMove[] = [];
  const moved = new Set<TenantId>();
  const stranded: TenantId[] = [];
  const move = (tenant: PlacedTenantLoad, from: Target, to: Target, reason: ProposedMove['reason']) => {
    from.load -= tenant.load;
    to.load += tenant.load;
    moved.add(tenant.tenantId);
    moves.push({ tenantId: tenant.tenantId, from: from.spec.id, to: to.spec.id, load: tenant.load, reason });
  };

  for (const source of [...byId.values()].filter((t) => t.spec.state === 'draining').sort((a, b) => (a.spec.id < b.spec.id ? -1 : 1))) {
    for (const tenant of [...(placed.get(source.spec.id) ?? [])].sort(largestFirst)) {
      const to = coolest(source.spec.region, source.spec.id);
      if (to === undefined) stranded.push(tenant.tenantId);
      else if (moves.length < maxMoves) move(tenant, source, to, 'draining');
    }
  }

  // Hot targets: relieve the hottest first; stop when no move lowers it.
  const cold = new Set<string>();
  while (moves.length < maxMoves) {
    const hottest = [...byId.values()]
      .filter((t) => t.spec.state === 'active' && use(t) > hotAbove && !cold.has(t.spec.id))
      .sort((a, b) => use(b) - use(a) || (a.spec.id < b.spec.id ? -1 : 1))[0];
    if (hottest === undefined) break;
    const to = coolest(hottest.spec.region, hottest.spec.id);
    // The largest tenant (not moved yet) whose move leaves both ends below the source's utilisation now.
    const candidate = to === undefined ? undefined : (placed.get(hottest.spec.id) ?? [])
      .filter((t) => !moved.has(t.tenantId) && t.load > 0)
      .sort(largestFirst)
      .find((t) => (to.load + t.load) / to.spec.capacity < use(hottest) && (hottest.load - t.load) / hottest.spec.capacity < use(hottest));
    if (to === undefined || candidate === undefined) {
      cold.add(hottest.spec.id);
      continue;
    }
    move(candidate, hottest, to, 'hot');
  }
  return { moves, stranded };
}

/** Moves one tenant to another target, online (the data-mobility move: copy, catch up, brief write freeze, switch). */
export interface TenantMover {
  move(tenantId: TenantId, to: string): Promise<void>;
}

export interface RebalanceProgress {
  readonly done: number;
  readonly total: number;
  readonly move: ProposedMove;
  readonly outcome: 'moved' | 'failed' | 'planned';
  readonly error?: unknown;
}

/**
 * Runs a plan's moves strictly one after another (never two at once, so the write freeze of one
 * move is the only one in flight), reporting each; stops at the first failure, which it
 * reports and rethrows. `dryRun: 'yes'` reports every move as planned and moves nothing.
 *
 * @example
 * await runRebalance(plan, mover, { onProgress: (p) => log.info(p, 'rebalance') });
 */
export async function runRebalance(plan: RebalancePlan, mover: TenantMover, options: { readonly dryRun?: 'yes' | 'no'; readonly onProgress?: (progress: RebalanceProgress) => void } = {}): Promise<number> {
  const total = plan.moves.length;
  let done = 0;
  for (const move of plan.moves) {
    if (options.dryRun === 'yes') {
      options.onProgress?.({ done: ++done, total, move, outcome: 'planned' });
      continue;
    }
    try {
      await mover.move(move.tenantId, move.to);
    } catch (error) {
      options.onProgress?.({ done, total, move, outcome: 'failed', error });
      throw error;
    }
    options.onProgress?.({ done: ++done, total, move, outcome: 'moved' });
  }
  return done;
}
