// One meter against its limit: a <meter> element (native semantics), with the soft limit
// marked and the figures in text.
import type { UsageMeter as Meter } from '../api/types.js';
import { formatQuantity } from './units.js';

/** What the figures mean against the limits: the hard limit first, it is the one that refuses. */
export function limitNote(used: number, limit: number | null, softLimit: number | null): string {
  if (limit !== null && used > limit) return ' — over the limit';
  if (limit !== null && used === limit) return ' — at the limit';
  if (softLimit !== null && used >= softLimit) return ' — over the soft limit';
  return '';
}

/** Bytes in KB/MB/GB (a billion bytes is unreadable); counts as written, with separators. */
const figure = (value: number, unit: string) => (unit === 'bytes' ? formatQuantity(value, unit) : value.toLocaleString());

export function UsageMeter({ meter }: { meter: Meter }) {
  const { limit, softLimit, used, unit } = meter;
  const id = `meter-${meter.meter}`;
  return (
    <div className="usage-meter">
      <label htmlFor={id}>{meter.meter}</label>
      {limit === null ? (
        <span className="muted">unlimited</span>
      ) : (
        <meter id={id} min={0} max={limit} value={Math.min(used, limit)} {...(softLimit === null ? {} : { high: softLimit })} optimum={0} />
      )}
      <span className="small">
        {figure(used, unit)}{limit === null ? '' : ` / ${figure(limit, unit)}`} {unit === 'bytes' ? '' : unit}
        {limitNote(used, limit, softLimit)}
      </span>
    </div>
  );
}
