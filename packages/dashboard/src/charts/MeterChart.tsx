// One meter's history as a plain-SVG line (one chart per meter, each on its own axis and unit):
// a labelled y axis (0, half, a round maximum in human units), first/middle/last day on the x
// axis, and a read-out of the day under the pointer or keyboard focus. Plain SVG rather than a
// library: the dashboard's three chart kinds need ~150 lines and 0 kB of dependencies, where
// the smallest well-kept libraries (uPlot ≈ 50 kB, Chart.js ≈ 200 kB minified) would double the bundle.
import { useState } from 'react';
import { formatQuantity, niceMax } from './units.js';

const WIDTH = 480;
const HEIGHT = 170;
const PAD = { left: 56, right: 12, top: 12, bottom: 34 };

export interface MeterChartProps {
  readonly meter: string;
  readonly unit: string;
  readonly days: readonly string[];
  readonly values: readonly number[];
}

export function MeterChart({ meter, unit, days, values }: MeterChartProps) {
  const [active, setActive] = useState<number | undefined>();
  if (days.length === 0) return <p className="muted">{meter}: no data yet.</p>;
  const top = niceMax(Math.max(0, ...values), unit);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length === 1 ? plotW / 2 : (i / (days.length - 1)) * plotW);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const total = values.reduce((a, b) => a + b, 0);
  const peak = Math.max(0, ...values);
  const shown = active ?? values.length - 1;
  const mid = Math.floor((days.length - 1) / 2);
  const step = days.length === 1 ? plotW : plotW / (days.length - 1);
  return (
    <figure className="chart meter-chart">
      <figcaption>{meter} <span className="muted">({unit})</span></figcaption>
      <p className="small readout" aria-live="polite">{days[shown]}: <strong>{formatQuantity(values[shown] ?? 0, unit)}</strong></p>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" onMouseLeave={() => setActive(undefined)}
        aria-label={`${meter} per day, ${days[0]} to ${days.at(-1)}: total ${formatQuantity(total, unit)}, peak ${formatQuantity(peak, unit)}`}>
        {[0, top / 2, top].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} className="chart-axis" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="chart-label">{formatQuantity(v, unit)}</text>
          </g>
        ))}
        {[0, mid, days.length - 1].filter((i, n, all) => all.indexOf(i) === n).map((i) => (
          <text key={i} x={x(i)} y={HEIGHT - PAD.bottom + 16} textAnchor={i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle'} className="chart-label">{days[i]?.slice(5)}</text>
        ))}
        <text x={PAD.left + plotW / 2} y={HEIGHT - 4} textAnchor="middle" className="chart-label">day</text>
        <polyline fill="none" className="chart-line chart-line-0" points={values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
        {active !== undefined && <circle cx={x(active)} cy={y(values[active] ?? 0)} r={4} className="chart-dot" />}
        {days.map((day, i) => (
          <rect key={day} x={x(i) - step / 2} y={PAD.top} width={step} height={plotH} className="chart-hit" onMouseEnter={() => setActive(i)} />
        ))}
      </svg>
    </figure>
  );
}
