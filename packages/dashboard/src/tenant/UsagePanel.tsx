// Plan and usage: this period's meters against their limits, and the last 30 days per meter.
import { tenantApi } from '../api/endpoints.js';
import type { UsagePoint } from '../api/types.js';
import { useLoad } from '../api/use-load.js';
import { MeterChart } from '../charts/MeterChart.js';
import { UsageMeter } from '../charts/UsageMeter.js';
import { Loadable } from '../components/Loadable.js';
import { Time } from '../components/Time.js';

/** One series per meter over the same days (a day without usage is 0). */
export function history(points: readonly UsagePoint[]) {
  const days = [...new Set(points.map((p) => p.day))].sort();
  const meters = [...new Set(points.map((p) => p.meter))].sort();
  const series = meters.map((meter) => ({
    name: meter,
    values: days.map((day) => points.filter((p) => p.meter === meter && p.day === day).reduce((sum, p) => sum + p.quantity, 0)),
  }));
  return { days, series };
}

export function UsagePanel({ token }: { token: string }) {
  const usage = useLoad((signal) => tenantApi.usage(token, signal), [token]);
  const past = useLoad((signal) => tenantApi.usageHistory(token, signal), [token]);
  return (
    <section aria-labelledby="usage-heading" className="card">
      <h2 id="usage-heading">Plan and usage</h2>
      <Loadable state={usage} feature="Usage">
        {(u) => (
          <>
            <p>Plan <strong>{u.plan}</strong>, period <Time value={u.period.start} /> – <Time value={u.period.end} /></p>
            {u.meters.length === 0 ? <p className="muted">No meters.</p> : u.meters.map((m) => <UsageMeter key={m.meter} meter={m} />)}
          </>
        )}
      </Loadable>
      <Loadable state={past} feature="Usage history">
        {({ points }) => {
          const { days, series } = history(points);
          if (series.length === 0) return <p className="muted">Usage, last 30 days: no data yet.</p>;
          // One chart per meter: bytes, requests and seats on one axis hid the small ones.
          const units = usage.kind === 'loaded' ? new Map(usage.data.meters.map((m) => [m.meter, m.unit])) : new Map<string, string>();
          return (
            <div className="meter-charts" role="group" aria-label="Usage, last 30 days">
              {series.map((s) => <MeterChart key={s.name} meter={s.name} unit={units.get(s.name) ?? 'units'} days={days} values={s.values} />)}
            </div>
          );
        }}
      </Loadable>
    </section>
  );
}
