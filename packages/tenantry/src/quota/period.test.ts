// Billing periods are UTC calendar months whatever the process's time zone: the last second of a
// month, 29 February and 31 December 23:59:59 UTC land in the right month, and shifting a period
// crosses year ends and short months without drifting.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePeriod, periodOf, shiftPeriod, utcDay } from './period.js';

// Node re-reads TZ when it changes, so each case runs in its zone.
afterEach(() => {
  vi.unstubAllEnvs();
});

// Zones where the UTC instants below are already the next day (+14), or still the same one (-3:30).
describe.each(['UTC', 'Pacific/Kiritimati', 'America/St_Johns', 'Asia/Kolkata'])('in TZ=%s', (tz) => {
  it('puts the last second of a month in that month, and the next second in the next', () => {
    vi.stubEnv('TZ', tz);
    expect(periodOf(new Date('2027-01-31T23:59:59.999Z'))).toMatchObject({ name: '2027-01', start: new Date('2027-01-01T00:00:00Z'), end: new Date('2027-02-01T00:00:00Z') });
    expect(periodOf(new Date('2027-02-01T00:00:00Z')).name).toBe('2027-02');
    expect(utcDay(new Date('2027-01-31T23:59:59Z'))).toBe('2027-01-31');
  });

  it('keeps 29 February in February of a leap year, a 29-day period', () => {
    vi.stubEnv('TZ', tz);
    const february = periodOf(new Date('2028-02-29T23:59:59Z'));
    expect(february).toMatchObject({ name: '2028-02', end: new Date('2028-03-01T00:00:00Z') });
    expect(february.end.getTime() - february.start.getTime()).toBe(29 * 86_400_000);
    expect(utcDay(new Date('2028-02-29T23:59:59Z'))).toBe('2028-02-29');
  });

  it('keeps 31 December 23:59:59 UTC in the old year', () => {
    vi.stubEnv('TZ', tz);
    expect(periodOf(new Date('2026-12-31T23:59:59Z'))).toMatchObject({ name: '2026-12', end: new Date('2027-01-01T00:00:00Z') });
    expect(periodOf(new Date('2027-01-01T00:00:00Z')).name).toBe('2027-01');
  });

  it('shifts a period by whole UTC months, across year ends and short months', () => {
    vi.stubEnv('TZ', tz);
    const december = parsePeriod('2026-12');
    expect(shiftPeriod(december, 1)).toMatchObject({ name: '2027-01', start: new Date('2027-01-01T00:00:00Z'), end: new Date('2027-02-01T00:00:00Z') });
    expect(shiftPeriod(december, -1).name).toBe('2026-11');
    expect(shiftPeriod(december, 0)).toEqual(december);
    expect(shiftPeriod(parsePeriod('2027-01'), -1).name).toBe('2026-12');
    expect(shiftPeriod(parsePeriod('2028-03'), -1)).toMatchObject({ name: '2028-02', end: new Date('2028-03-01T00:00:00Z') });
    expect(shiftPeriod(parsePeriod('2028-02'), 12).name).toBe('2029-02');
    expect(shiftPeriod(parsePeriod('2026-11'), -25).name).toBe('2024-10');
  });
});

describe('shiftPeriod', () => {
  it('refuses a fractional or non-finite number of months', () => {
    const period = parsePeriod('2026-11');
    expect(() => shiftPeriod(period, 0.5)).toThrow(RangeError);
    expect(() => shiftPeriod(period, Number.NaN)).toThrow(RangeError);
  });
});
