// A timestamp in the operator's locale, with the exact ISO value in a <time> element.
export function Time({ value }: { value: string | undefined | null }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  return <time dateTime={value} title={value}>{date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</time>;
}
