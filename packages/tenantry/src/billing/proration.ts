// Proration, exact to the second, in integer minor units, with a rounding that creates and loses
// no money: every amount for a part of a period is a difference of one cumulative function,
//
//   F(price, t) = floor(price × (t − start) / (end − start))        (seconds, BigInt)
//
// so the amount for [a, b) is F(price, b) − F(price, a). Any split of a period into parts adds
// up, by telescoping, to F(price, end) − F(price, start) = price exactly: the credit for the
// unused part of a plan plus what was kept for its used part is always exactly what was charged,
// however many changes a period has ("floor with carry": the remainder a floor drops in one part
// is carried into the next). docs/billing.md has the proof and an example.
import type { Period } from '../quota/index.js';

/** Whole seconds since the epoch (a time inside a second counts from that second's start). */
export const secondOf = (at: Date): bigint => BigInt(Math.floor(at.getTime() / 1000));

/** F(price, t): the part of `priceMinor` accrued from the period's start to `at` (clamped to the period). */
export function accrued(priceMinor: number, period: Pick<Period, 'start' | 'end'>, at: Date): bigint {
  const start = secondOf(period.start);
  const end = secondOf(period.end);
  const t = secondOf(at) < start ? start : secondOf(at) > end ? end : secondOf(at);
  return (BigInt(priceMinor) * (t - start)) / (end - start);
}

/**
 * The amount for [from, to) of a period at `priceMinor` per period: F(to) − F(from).
 *
 * @example prorate(3000, parsePeriod('2026-11'), new Date('2026-11-16T00:00:00Z'), parsePeriod('2026-11').end) // 1500
 */
export function prorate(priceMinor: number, period: Pick<Period, 'start' | 'end'>, from: Date, to: Date): number {
  if (to.getTime() <= from.getTime()) return 0;
  return Number(accrued(priceMinor, period, to) - accrued(priceMinor, period, from));
}

/** Round half away from zero of `amount × ppm / 1,000,000`: the tax of an amount, symmetric for credit notes. */
export function taxOf(amountMinor: number, taxRatePpm: number): number {
  const product = BigInt(amountMinor) * BigInt(taxRatePpm);
  const sign = product < 0n ? -1n : 1n;
  const magnitude = product < 0n ? -product : product;
  return Number(sign * ((magnitude + 500_000n) / 1_000_000n));
}
