// LabelledMetric renders exactly what prom-client's own Counter, Gauge and Histogram render for
// the same observations, so replacing them on the request path changes no exposition byte.
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HistogramSeries, LabelledMetric } from './labelled-metric.js';

const BUCKETS = [0.01, 0.1, 1];
const observations = fc.array(
  fc.record({ tenant: fc.constantFrom('a', 'b', 'other'), route: fc.constantFrom('/x', '/y/:id'), value: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(0.01, 0.1, 1)) }),
  { maxLength: 60 },
);

describe('LabelledMetric', () => {
  it('renders histograms, counters and gauges like prom-client', async () => {
    await fc.assert(
      fc.asyncProperty(observations, async (obs) => {
        const [theirs, ours] = [new Registry(), new Registry()];
        const h = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['tenant', 'route'], buckets: BUCKETS, registers: [theirs] });
        const c = new Counter({ name: 'c_total', help: 'c', labelNames: ['tenant', 'route'], registers: [theirs] });
        const g = new Gauge({ name: 'g', help: 'g', labelNames: ['tenant'], registers: [theirs] });
        const oh = new LabelledMetric<HistogramSeries>('h_seconds', 'h', 'histogram', ['tenant', 'route'], BUCKETS);
        const oc = new LabelledMetric('c_total', 'c', 'counter', ['tenant', 'route']);
        const og = new LabelledMetric('g', 'g', 'gauge', ['tenant']);
        for (const m of [oh, oc, og]) ours.registerMetric(m as never);
        for (const { tenant, route, value } of obs) {
          h.labels(tenant, route).observe(value);
          oh.series(tenant, route).observe(value);
          c.labels(tenant, route).inc(value);
          oc.series(tenant, route).inc(value);
          g.labels(tenant).set(value);
          og.series(tenant).set(value);
        }
        // Series order follows first use in both; compare line sets to be independent of it.
        const lines = async (r: Registry) => (await r.metrics()).split('\n').sort();
        expect(await lines(ours)).toEqual(await lines(theirs));
      }),
      { numRuns: 50 },
    );
  });

  it('removes every series of a first-label value', async () => {
    const registry = new Registry();
    const metric = new LabelledMetric('c_total', 'c', 'counter', ['tenant', 'code']);
    registry.registerMetric(metric as never);
    metric.series('a', 'X').inc();
    metric.series('a', 'Y').inc();
    metric.series('b', 'X').inc();
    metric.remove('a');
    expect(await registry.metrics()).not.toContain('tenant="a"');
    expect(await registry.metrics()).toContain('c_total{tenant="b",code="X"} 1');
  });
});
