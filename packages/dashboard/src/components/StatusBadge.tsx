// A status as a coloured badge whose text, not its colour alone, carries the meaning.
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}
