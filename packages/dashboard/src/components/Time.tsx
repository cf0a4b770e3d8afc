// A timestamp in one format everywhere, with its time zone named (operators in several zones
// compare times from logs and tickets), and the exact ISO value in a <time> element.
const FORMAT: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };

/** @example formatTime('2026-11-10T12:00:00Z') // "Nov 10, 2026, 01:00 PM GMT+1" in Berlin, en-US */
export function formatTime(value: string): string {
  return new Date(value).toLocaleString(undefined, FORMAT);
}

export function Time({ value }: { value: string | undefined | null }) {
  if (!value) return <span className="muted">—</span>;
  return <time dateTime={value} title={value}>{formatTime(value)}</time>;
}
