// Human figures for chart axes and read-outs: bytes in KB/MB/GB (1024-based, as storage is
// billed), other counts as 1.2k / 3.4M, so a small phone axis never clips a long number.

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
const COUNT_UNITS = ['', 'k', 'M', 'B'];

function scaled(value: number, base: number, units: readonly string[]): string {
  if (value === 0) return '0';
  let n = Math.abs(value);
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i += 1;
  }
  const digits = i === 0 || n >= 100 ? 0 : 1;
  const text = Number(n.toFixed(digits)).toString();
  return `${value < 0 ? '-' : ''}${text}${units[i] === '' ? '' : units === BYTE_UNITS ? ` ${units[i]}` : units[i]}`;
}

/**
 * @example formatQuantity(1_500_000, 'bytes') // "1.4 MB"
 * @example formatQuantity(1200, 'requests') // "1.2k"
 */
export function formatQuantity(value: number, unit: string): string {
  if (unit === 'bytes') return scaled(value, 1024, BYTE_UNITS);
  return scaled(value, 1000, COUNT_UNITS);
}

/** A round axis maximum at or above `max` (1, 2 or 5 × 10^n; 1024-steps for bytes). */
export function niceMax(max: number, unit: string): number {
  if (max <= 0) return 1;
  const base = unit === 'bytes' ? 1024 ** Math.floor(Math.log(max) / Math.log(1024)) : 1;
  const m = max / base;
  const pow = 10 ** Math.floor(Math.log10(m));
  const step = [1, 2, 5, 10].find((s) => s * pow >= m) ?? 10;
  return step * pow * base;
}
