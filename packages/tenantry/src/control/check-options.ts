// Option checks for the control-plane services: a misspelt option (`ttlMS`) must not silently
// fall back to a default, least of all in security settings.
import { coreErrors } from '../core/index.js';

/** Throws CONFIG_INVALID naming the first key of `value` not in `allowed`. */
export function checkKnownKeys(value: unknown, allowed: readonly string[], path: string): void {
  if (typeof value !== 'object' || value === null) throw coreErrors.create('CONFIG_INVALID', { details: { path: path === '' ? 'options' : path, reason: 'must be an object' } });
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw coreErrors.create('CONFIG_INVALID', { details: { path: path === '' ? key : `${path}.${key}`, reason: 'unknown option' } });
  }
}

/** An integer option within [min, max] (or its default when absent), else CONFIG_INVALID naming its path. */
export function integerOption(value: unknown, fallback: number, min: number, max: number, path: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: `an integer from ${min} to ${max}` } });
  }
  return value;
}
