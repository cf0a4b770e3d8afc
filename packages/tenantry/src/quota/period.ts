// Billing periods: calendar months in UTC, named YYYY-MM. One definition for quotas, history,
// alerts and the billing export, so they can never disagree on where a month starts.
import { quotaErrors } from './errors.js';

/** A billing period: `name` YYYY-MM, `start` inclusive, `end` exclusive. */
export interface Period {
  readonly name: string;
  readonly start: Date;
  readonly end: Date;
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** @example periodOf(new Date('2026-11-27T10:00:00Z')).name // '2026-11' */
export function periodOf(at: Date): Period {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return Object.freeze({ name: start.toISOString().slice(0, 7), start, end });
}

/**
 * The period `months` after `period` (negative: before), by UTC calendar month, so the answer
 * does not depend on the process's time zone or on how many days the months have.
 *
 * @example shiftPeriod(parsePeriod('2026-12'), 1).name // '2027-01'
 */
export function shiftPeriod(period: Period, months: number): Period {
  if (!Number.isSafeInteger(months)) throw new RangeError(`months must be an integer, got ${months}`);
  return periodOf(new Date(Date.UTC(period.start.getUTCFullYear(), period.start.getUTCMonth() + months, 1)));
}

/** A period from its name; BILLING_PERIOD_INVALID otherwise. @example parsePeriod('2026-11').end // 2026-12-01 */
export function parsePeriod(name: unknown): Period {
  const match = typeof name === 'string' ? PERIOD.exec(name) : null;
  if (!match || Number(match[1]) < 2000) throw quotaErrors.create('BILLING_PERIOD_INVALID', { details: { period: typeof name === 'string' ? name.slice(0, 16) : typeof name } });
  return periodOf(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
}

/** The UTC day of a time, as the `date` Postgres stores. @example utcDay(new Date('2026-11-27T23:59:59Z')) // '2026-11-27' */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
