// Checks of the numbers analytics and health queries take from callers (query strings).
import { healthErrors } from './errors.js';

/**
 * An integer in [min, max], or the default when absent.
 *
 * @example const days = integerInRange(query.days, 'days', 1, 366, 90);
 */
export function integerInRange(value: number | undefined, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw healthErrors.create('HEALTH_QUERY_INVALID', { details: { field, reason: `must be an integer from ${min} to ${max}` } });
  }
  return value;
}
