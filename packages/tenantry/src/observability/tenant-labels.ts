// Bounded tenant label values for metrics: the top N tenants by traffic get their own value (the
// tenant id), everyone else shares `other`, so 100,000 tenants cost N+1 series per metric, not
// 100,000. Traffic is ranked by a Space-Saving summary; labels are stable between re-evaluations.
import { SpaceSaving } from './space-saving.js';

/** The label value of every tenant without one of its own. */
export const OTHER_TENANTS = 'other';

export interface TenantLabelsOptions {
  /** N: at most this many tenants get their own label value. */
  readonly topTenants: number;
  /** Counters of the heavy-hitters summary; more counters rank the long tail better. Default max(10·N, 100). */
  readonly trackedTenants?: number;
  /** How often the labelled set is re-evaluated from recent traffic. Default 600,000 (10 minutes). */
  readonly relabelIntervalMs?: number;
  /** Guaranteed observations before a tenant may take a label (noise does not take slots). Default 10. */
  readonly admitAfter?: number;
  /** Monotonic milliseconds. Default `performance.now`. */
  readonly nowMs?: () => number;
}

/**
 * The admission policy of tenant label values:
 *
 * - Between re-evaluations a tenant **keeps** a label once it has one (dashboards do not see a
 *   series flap), and a tenant without one is **admitted** while fewer than N hold one and its
 *   guaranteed count (count − error in the summary) reaches `admitAfter`.
 * - Every `relabelIntervalMs`, {@link TenantLabels.relabel} makes the labelled set the current
 *   top N by guaranteed count, reports the tenants that lost their label (their series are
 *   removed, so the exposition never holds more than N tenant ids), and halves the summary's
 *   counts so recent traffic decides the next ranking.
 *
 * @example
 * const labels = new TenantLabels({ topTenants: 20 });
 * counter.labels(labels.observe(tenantId)).inc();
 */
export class TenantLabels {
  readonly #summary: SpaceSaving;
  readonly #labelled = new Set<string>();
  readonly #n: number;
  readonly #admitAfter: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #nextRelabelAt: number;
  /** Called by observe() when the interval has passed, with the tenants that lost their label. */
  onRelabel: (dropped: readonly string[]) => void = () => {};

  constructor(options: TenantLabelsOptions) {
    this.#n = options.topTenants;
    this.#summary = new SpaceSaving(options.trackedTenants ?? Math.max(10 * options.topTenants, 100));
    this.#admitAfter = options.admitAfter ?? 10;
    this.#intervalMs = options.relabelIntervalMs ?? 600_000;
    this.#now = options.nowMs ?? (() => performance.now());
    this.#nextRelabelAt = this.#now() + this.#intervalMs;
  }

  /** Counts one unit of traffic for `tenantId` and returns its label value. */
  observe(tenantId: string): string {
    if (this.#now() >= this.#nextRelabelAt) this.onRelabel(this.relabel());
    const guaranteed = this.#summary.observe(tenantId);
    if (this.#labelled.has(tenantId)) return tenantId;
    if (this.#labelled.size < this.#n && guaranteed >= this.#admitAfter) {
      this.#labelled.add(tenantId);
      return tenantId;
    }
    return OTHER_TENANTS;
  }

  /** The label value of `tenantId` without counting traffic (gauges set from elsewhere). */
  labelOf(tenantId: string): string {
    return this.#labelled.has(tenantId) ? tenantId : OTHER_TENANTS;
  }

  /** The tenants holding a label now. */
  labelled(): readonly string[] {
    return [...this.#labelled];
  }

  /**
   * Re-evaluates now: the labelled set becomes the top N by guaranteed count (among those that
   * reached `admitAfter`), the summary decays, and the tenants that lost their label are returned.
   */
  relabel(): string[] {
    this.#nextRelabelAt = this.#now() + this.#intervalMs;
    const next = new Set(this.#summary.top(this.#n).filter((h) => h.count - h.error >= this.#admitAfter).map((h) => h.key));
    const dropped = [...this.#labelled].filter((id) => !next.has(id));
    this.#labelled.clear();
    for (const id of next) this.#labelled.add(id);
    this.#summary.decay();
    return dropped;
  }
}
