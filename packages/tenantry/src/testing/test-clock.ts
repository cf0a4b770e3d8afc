// A clock a test moves by hand: time stands still until the test sets or advances it, so
// periods, expiries and windows are decided by the test, never by the day the suite runs.
import type { Clock } from '../core/index.js';

export interface TestClock extends Clock {
  /** Moves the clock to `at`. */
  set(at: Date | string | number): void;
  /** Moves the clock by `ms` (negative: back). */
  advance(ms: number): void;
}

function instant(at: Date | string | number): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new TypeError(`not an instant: ${String(at)}`);
  return ms;
}

/**
 * @example
 * const clock = createTestClock('2028-02-29T23:59:59Z');
 * const quotas = createQuotas({ catalog, clock });
 * clock.advance(1000); // now the first second of March
 */
export function createTestClock(start: Date | string | number): TestClock {
  let now = instant(start);
  return {
    now: () => new Date(now),
    set(at) {
      now = instant(at);
    },
    advance(ms) {
      now += ms;
    },
  };
}
