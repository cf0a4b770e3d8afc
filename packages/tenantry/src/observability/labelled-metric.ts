// Counters, gauges and histograms for the request path, read by prom-client's Registry at scrape
// time. prom-client's own metrics hash the label object on every inc/observe (a string built per
// call, ~1–3 µs); these keep each series behind nested maps of label values, so recording is a
// few map lookups and an add, and the exposition text is prom-client's, unchanged.

/** What prom-client's Registry reads from a registered metric (`registry.registerMetric`). */
interface MetricValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/** One histogram series: per-bucket (non-cumulative) counts, sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }
}

/** One counter or gauge series. */
export class ValueSeries {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }

  set(value: number): void {
    this.value = value;
  }
}

interface Leaf<S> {
  readonly labels: Record<string, string>;
  readonly series: S;
}

type Node<S> = Map<string, Node<S> | Leaf<S>>;

/**
 * A metric whose first label is `tenant`, with up to four labels in all; register it with a
 * prom-client Registry (`registry.registerMetric(metric)`).
 *
 * @example
 * const requests = new LabelledMetric('tenantry_x_total', 'Help.', 'counter', ['tenant', 'route']);
 * registry.registerMetric(requests);
 * requests.series(tenant, route).inc();
 */
export class LabelledMetric<S extends ValueSeries | HistogramSeries = ValueSeries> {
  readonly aggregator = 'sum';
  readonly #root: Node<S> = new Map();
  readonly #make: () => S;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    readonly labelNames: readonly string[],
    private readonly buckets: readonly number[] = [],
  ) {
    this.#make = (type === 'histogram' ? () => new HistogramSeries(buckets) : () => new ValueSeries()) as () => S;
  }

  /**
   * The series of these label values (as many as `labelNames`), created on first use. Fixed
   * parameters, not a rest array: this runs on every request.
   */
  series(a: string, b = '', c = '', d = ''): S {
    const n = this.labelNames.length;
    let node = this.#root;
    let key = a;
    if (n > 1) {
      node = this.#child(node, a);
      key = b;
    }
    if (n > 2) {
      node = this.#child(node, b);
      key = c;
    }
    if (n > 3) {
      node = this.#child(node, c);
      key = d;
    }
    let leaf = node.get(key) as Leaf<S> | undefined;
    if (leaf === undefined) {
      const given = [a, b, c, d];
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = given[i] as string));
      node.set(key, (leaf = { labels, series: this.#make() }));
    }
    return leaf.series;
  }

  #child(node: Node<S>, key: string): Node<S> {
    let next = node.get(key) as Node<S> | undefined;
    if (next === undefined) node.set(key, (next = new Map()));
    return next;
  }

  /** Removes every series whose first label value is `value` (a tenant that lost its label). */
  remove(value: string): void {
    this.#root.delete(value);
  }

  reset(): void {
    this.#root.clear();
  }

  /** prom-client's read at scrape time. */
  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    const visit = (node: Node<S>, depth: number) => {
      for (const child of node.values()) {
        if (depth < this.labelNames.length - 1) visit(child as Node<S>, depth + 1);
        else this.#emit(child as Leaf<S>, values);
      }
    };
    if (this.labelNames.length > 0) visit(this.#root, 0);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  #emit(leaf: Leaf<S>, values: MetricValue[]): void {
    const { series, labels } = leaf;
    if (series instanceof ValueSeries) {
      values.push({ labels, value: series.value });
      return;
    }
    let cumulative = 0;
    this.buckets.forEach((le, i) => {
      cumulative += series.counts[i] as number;
      values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
    });
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: series.count });
    values.push({ metricName: `${this.name}_sum`, labels, value: series.sum });
    values.push({ metricName: `${this.name}_count`, labels, value: series.count });
  }
}
