// Platform analytics: tenants by status, plan, tier and region; growth; active tenants; the
// top tenants by usage and by errors; requests by hour of day.
import { platformApi } from '../api/endpoints.js';
import type { Counts } from '../api/types.js';
import { useLoad } from '../api/use-load.js';
import { BarChart } from '../charts/BarChart.js';
import { LineChart } from '../charts/LineChart.js';
import { Loadable } from '../components/Loadable.js';
import { useOperator } from '../components/operator-context.js';

const bars = (counts: Counts) => Object.entries(counts).map(([label, value]) => ({ label, value }));

export function AnalyticsPage() {
  const { token } = useOperator();
  const distribution = useLoad((signal) => platformApi.distribution(token, signal), [token]);
  const growth = useLoad((signal) => platformApi.growth(token, signal), [token]);
  const active = useLoad((signal) => platformApi.active(token, signal), [token]);
  const topUsage = useLoad((signal) => platformApi.top(token, 'usage', signal), [token]);
  const topErrors = useLoad((signal) => platformApi.top(token, 'errors', signal), [token]);
  const byHour = useLoad((signal) => platformApi.usageByHour(token, signal), [token]);
  return (
    <>
      <h1>Analytics</h1>
      <div className="grid">
        <section className="card" aria-labelledby="dist-heading">
          <h2 id="dist-heading">Tenants</h2>
          <Loadable state={distribution} feature="Tenant distribution">
            {(d) => (
              <>
                <BarChart title="By status" bars={bars(d.byStatus)} />
                <BarChart title="By plan" bars={bars(d.byPlan)} />
                <BarChart title="By tier" bars={bars(d.byTier)} />
                <BarChart title="By region" bars={bars(d.byRegion)} />
              </>
            )}
          </Loadable>
        </section>
        <section className="card" aria-labelledby="growth-heading">
          <h2 id="growth-heading">Growth</h2>
          <Loadable state={active} feature="The active-tenant count">
            {(a) => <dl className="facts"><dt>Active today</dt><dd>{a.d1}</dd><dt>Last 7 days</dt><dd>{a.d7}</dd><dt>Last 30 days</dt><dd>{a.d30}</dd></dl>}
          </Loadable>
          <Loadable state={growth} feature="Growth">
            {({ points }) => (
              <LineChart title="Created and churned, last 90 days" labels={points.map((p) => p.day)}
                series={[{ name: 'created', values: points.map((p) => p.created) }, { name: 'churned', values: points.map((p) => p.churned) }]} />
            )}
          </Loadable>
        </section>
        <section className="card" aria-labelledby="top-heading">
          <h2 id="top-heading">Top tenants</h2>
          <Loadable state={topUsage} feature="The top tenants by usage">
            {({ items }) => <BarChart title="By usage" bars={items.map((i) => ({ label: i.slug, value: i.value }))} />}
          </Loadable>
          <Loadable state={topErrors} feature="The top tenants by errors">
            {({ items }) => <BarChart title="By errors" bars={items.map((i) => ({ label: i.slug, value: i.value }))} />}
          </Loadable>
        </section>
        <section className="card" aria-labelledby="hour-heading">
          <h2 id="hour-heading">Requests by hour</h2>
          <Loadable state={byHour} feature="Usage by hour of day">
            {({ points }) => <LineChart title="Requests by hour of day, last 7 days" labels={points.map((p) => `${p.hour}:00`)} series={[{ name: 'requests', values: points.map((p) => p.requests) }]} />}
          </Loadable>
        </section>
      </div>
    </>
  );
}
