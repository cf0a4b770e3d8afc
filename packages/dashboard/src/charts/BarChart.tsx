// A horizontal bar chart of labelled counts in plain SVG; the numbers are printed beside the
// bars, so the chart reads without colour and screen readers get the same figures as text.
export interface Bar {
  readonly label: string;
  readonly value: number;
}

const ROW = 26;
const LABEL_WIDTH = 120;
const WIDTH = 420;

export function BarChart({ title, bars, format = String }: { title: string; bars: readonly Bar[]; format?: (value: number) => string }) {
  if (bars.length === 0) return <p className="muted">{title}: no data yet.</p>;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const room = WIDTH - LABEL_WIDTH - 60;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${bars.length * ROW}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}`}>
        {bars.map((bar, i) => (
          <g key={bar.label} transform={`translate(0 ${i * ROW})`}>
            <text x={LABEL_WIDTH - 8} y={ROW / 2 + 4} textAnchor="end" className="chart-label">{bar.label}</text>
            <rect x={LABEL_WIDTH} y={4} height={ROW - 8} width={Math.max(2, (bar.value / max) * room)} rx={3} className="chart-bar" />
            <text x={LABEL_WIDTH + Math.max(2, (bar.value / max) * room) + 6} y={ROW / 2 + 4} className="chart-value">{format(bar.value)}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
