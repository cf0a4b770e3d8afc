// The rebalance planner and runner, without servers: the plan's invariants over random
// placements (fast-check), and the runner's one-at-a-time order, dry run and stop on failure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTenantId, type TenantId } from '../core/index.js';
import { planRebalance, runRebalance, type PlacedTenantLoad, type PlacementTargetLoad, type RebalanceProgress } from './rebalance.js';

const placement = fc
  .array(fc.record({ region: fc.constantFrom('eu', 'us'), draining: fc.boolean(), capacity: fc.integer({ min: 50, max: 200 }) }), { minLength: 1, maxLength: 6 })
  .chain((specs) => {
    const targets: PlacementTargetLoad[] = specs.map((s, i) => ({ id: `pg-${i}`, region: s.region, state: s.draining ? 'draining' : 'active', capacity: s.capacity }));
    return fc.array(fc.record({ at: fc.nat({ max: targets.length - 1 }), load: fc.integer({ min: 0, max: 60 }) }), { maxLength: 40 }).map((ts) => ({
      targets,
      tenants: ts.map((t): PlacedTenantLoad => ({ tenantId: newTenantId(), targetId: (targets[t.at] as PlacementTargetLoad).id, load: t.load })),
    }));
  });

/** The placement after the moves, as target id → load. */
function after(targets: readonly PlacementTargetLoad[], tenants: readonly PlacedTenantLoad[], moves: readonly { tenantId: TenantId; to: string }[]) {
  const where = new Map(tenants.map((t) => [t.tenantId, t.targetId]));
  for (const m of moves) where.set(m.tenantId, m.to);
  const load = new Map(targets.map((t) => [t.id, 0]));
  for (const t of tenants) load.set(where.get(t.tenantId) as string, (load.get(where.get(t.tenantId) as string) as number) + t.load);
  return { where, load };
}

describe('planRebalance', () => {
  it('empties every draining target into its own region, moves each tenant once, and never cools a region down to a hotter peak (fast-check)', () => {
    fc.assert(
      fc.property(placement, ({ targets, tenants }) => {
        const plan = planRebalance(targets, tenants, { maxMoves: 1000 });
        const spec = new Map(targets.map((t) => [t.id, t]));
        const { where, load } = after(targets, tenants, plan.moves);
        for (const m of plan.moves) {
          expect(spec.get(m.to)?.state).toBe('active');
          expect(spec.get(m.to)?.region).toBe(spec.get(m.from)?.region);
        }
        expect(new Set(plan.moves.map((m) => m.tenantId)).size).toBe(plan.moves.length);
        for (const t of tenants) {
          const on = spec.get(where.get(t.tenantId) as string) as PlacementTargetLoad;
          if (on.state === 'draining') expect(plan.stranded).toContain(t.tenantId);
        }
        // A region with nothing draining: its hottest target is no hotter after the moves.
        for (const region of ['eu', 'us']) {
          const inRegion = targets.filter((t) => t.region === region);
          if (inRegion.length === 0 || inRegion.some((t) => t.state === 'draining')) continue;
          const peak = (l: Map<string, number>) => Math.max(...inRegion.map((t) => (l.get(t.id) as number) / t.capacity));
          expect(peak(load)).toBeLessThanOrEqual(peak(after(targets, tenants, []).load) + 1e-9);
        }
        // Deterministic: the dry run is the plan.
        expect(planRebalance(targets, tenants, { maxMoves: 1000 })).toEqual(plan);
      }),
      { numRuns: 200 },
    );
  });

  it('moves the largest tenant off a hot target to the coolest one in its region', () => {
    const targets: PlacementTargetLoad[] = [
      { id: 'a', region: 'eu', state: 'active', capacity: 100 },
      { id: 'b', region: 'eu', state: 'active', capacity: 100 },
      { id: 'c', region: 'us', state: 'active', capacity: 100 },
    ];
    const [big, mid, small] = [newTenantId(), newTenantId(), newTenantId()];
    const plan = planRebalance(targets, [
      { tenantId: big, targetId: 'a', load: 40 },
      { tenantId: mid, targetId: 'a', load: 30 },
      { tenantId: small, targetId: 'a', load: 25 },
      { tenantId: newTenantId(), targetId: 'b', load: 10 },
    ]);
    expect(plan.moves).toEqual([{ tenantId: big, from: 'a', to: 'b', load: 40, reason: 'hot' }]);
  });
});

describe('runRebalance', () => {
  const move = (to: string) => ({ tenantId: newTenantId(), from: 'a', to, load: 1, reason: 'draining' as const });

  it('moves one tenant at a time, in order, and reports each; a dry run moves nothing', async () => {
    const plan = { moves: [move('b'), move('c'), move('b')], stranded: [] };
    let inFlight = 0;
    const order: string[] = [];
    const mover = {
      async move(tenantId: TenantId) {
        inFlight += 1;
        expect(inFlight).toBe(1);
        await new Promise<void>((resolve) => setImmediate(resolve));
        order.push(tenantId);
        inFlight -= 1;
      },
    };
    const progress: RebalanceProgress[] = [];
    expect(await runRebalance(plan, mover, { dryRun: 'yes', onProgress: (p) => progress.push(p) })).toBe(3);
    expect(order).toEqual([]);
    expect(progress.map((p) => p.outcome)).toEqual(['planned', 'planned', 'planned']);
    progress.length = 0;
    expect(await runRebalance(plan, mover, { onProgress: (p) => progress.push(p) })).toBe(3);
    expect(order).toEqual(plan.moves.map((m) => m.tenantId));
    expect(progress.map((p) => [p.done, p.outcome])).toEqual([[1, 'moved'], [2, 'moved'], [3, 'moved']]);
  });

  it('stops at the first failed move, reports it and rethrows', async () => {
    const plan = { moves: [move('b'), move('c'), move('b')], stranded: [] };
    const moved: TenantId[] = [];
    const failure = new Error('copy failed');
    const progress: RebalanceProgress[] = [];
    await expect(runRebalance(plan, { move: async (id) => { if (moved.length === 1) throw failure; moved.push(id); } }, { onProgress: (p) => progress.push(p) })).rejects.toBe(failure);
    expect(moved).toHaveLength(1);
    expect(progress.map((p) => [p.done, p.outcome])).toEqual([[1, 'moved'], [1, 'failed']]);
  });
});
