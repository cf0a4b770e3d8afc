// A line chart of one or more series over evenly spaced points (days, hours) in plain SVG,
// with its axis extremes labelled and a legend naming each series by text.
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

const WIDTH = 480;
const HEIGHT = 160;
const PAD = { left: 36, right: 8, top: 8, bottom: 22 };

export function LineChart({ title, labels, series }: { title: string; labels: readonly string[]; series: readonly Series[] }) {
  if (labels.length === 0) return <p className="muted">{title}: no data yet.</p>;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number) => PAD.left + (labels.length === 1 ? 0 : (i / (labels.length - 1)) * (WIDTH - PAD.left - PAD.right));
  const y = (v: number) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);
  const totals = series.map((s) => `${s.name} total ${s.values.reduce((a, b) => a + b, 0)}`).join(', ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}, ${labels[0]} to ${labels.at(-1)}: ${totals}, peak ${max}`}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} className="chart-axis" />
        <text x={PAD.left - 4} y={y(max) + 4} textAnchor="end" className="chart-label">{max}</text>
        <text x={PAD.left - 4} y={y(0) + 4} textAnchor="end" className="chart-label">0</text>
        <text x={PAD.left} y={HEIGHT - 4} className="chart-label">{labels[0]}</text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 4} textAnchor="end" className="chart-label">{labels.at(-1)}</text>
        {series.map((s, n) => (
          <polyline key={s.name} fill="none" className={`chart-line chart-line-${n % 4}`} points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
        ))}
      </svg>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((s, n) => <li key={s.name}><span className={`swatch chart-line-${n % 4}`} aria-hidden="true" />{s.name}</li>)}
        </ul>
      )}
    </figure>
  );
}
