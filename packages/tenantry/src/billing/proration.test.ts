// Proration arithmetic alone: any split of a period into parts adds up to the price exactly
// (floor with carry), each part is within one minor unit of the exact share, and the period
// boundaries hold at the last second of a month and in leap years.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePeriod, periodOf } from '../quota/index.js';
import { accrued, prorate, taxOf } from './proration.js';

const SECOND = 1000;

describe('prorate', () => {
  it('adds up to the price exactly for any split of any month, each part within one unit of its exact share', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 10_000_000 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
      (year, month, price, cuts) => {
        const period = parsePeriod(`${year}-${String(month + 1).padStart(2, '0')}`);
        const length = (period.end.getTime() - period.start.getTime()) / SECOND;
        const points = [...new Set(cuts.map((c) => Math.floor(c * length)))].sort((a, b) => a - b).map((s) => new Date(period.start.getTime() + s * SECOND));
        const bounds = [period.start, ...points, period.end];
        let sum = 0;
        for (let i = 0; i + 1 < bounds.length; i++) {
          const [a, b] = [bounds[i] as Date, bounds[i + 1] as Date];
          const part = prorate(price, period, a, b);
          const exact = (price * (b.getTime() - a.getTime())) / SECOND / length;
          expect(Math.abs(part - exact)).toBeLessThan(1);
          sum += part;
        }
        expect(sum).toBe(price);
      },
    ), { numRuns: 300 });
  });

  it('charges one second at the last second of a month, and the whole price from its first', () => {
    const feb = parsePeriod('2028-02'); // leap year: 29 days
    const last = new Date(feb.end.getTime() - SECOND);
    expect(periodOf(last).name).toBe('2028-02');
    expect(last.toISOString()).toBe('2028-02-29T23:59:59.000Z');
    const seconds = 29 * 86_400;
    // 2,505,600 seconds: a price of that many units costs 1 per second.
    expect(prorate(seconds, feb, last, feb.end)).toBe(1);
    expect(prorate(seconds, feb, feb.start, feb.end)).toBe(seconds);
    // A non-leap February is 28 days: the same second there is worth 1/2,419,200 of the price.
    const feb27 = parsePeriod('2027-02');
    expect(prorate(28 * 86_400, feb27, new Date(feb27.end.getTime() - SECOND), feb27.end)).toBe(1);
    expect(prorate(4901, feb27, new Date(feb27.end.getTime() - SECOND), feb27.end)).toBe(1); // the carry lands in the last second
    expect(accrued(4901, feb27, new Date(feb27.end.getTime() - SECOND))).toBe(4900n);
    // A time inside a second counts from that second's start; outside the period clamps.
    expect(prorate(seconds, feb, new Date(last.getTime() + 999), feb.end)).toBe(1);
    expect(accrued(100, feb, new Date('2020-01-01T00:00:00Z'))).toBe(0n);
    expect(accrued(100, feb, new Date('2030-01-01T00:00:00Z'))).toBe(100n);
  });
});

describe('taxOf', () => {
  it('rounds half away from zero, symmetric for credit notes', () => {
    expect(taxOf(1000, 190_000)).toBe(190);
    expect(taxOf(5, 100_000)).toBe(1); // 0.5 → 1
    expect(taxOf(-5, 100_000)).toBe(-1);
    expect(taxOf(4, 100_000)).toBe(0);
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 1_000_000 }), (amount, ppm) => {
      expect(taxOf(-amount, ppm)).toBe(-taxOf(amount, ppm) || 0);
      expect(Math.abs(taxOf(amount, ppm) - (amount * ppm) / 1e6)).toBeLessThanOrEqual(0.5 + 1e-6 * Math.abs(amount));
    }));
  });
});
