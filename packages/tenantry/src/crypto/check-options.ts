// Rejects option objects with keys we do not know: a misspelt option (`ttlMS`) must not
// silently fall back to a default, least of all in security settings.
import { coreErrors } from '../core/index.js';

/** Throws CONFIG_INVALID naming `path.key` for the first key of `value` not in `allowed`. */
export function checkKnownKeys(value: object, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw coreErrors.create('CONFIG_INVALID', { details: { path: path === '' ? key : `${path}.${key}`, reason: 'unknown option' } });
    }
  }
}

/** An integer option within [min, max], or CONFIG_INVALID naming its path. */
export function checkInteger(value: unknown, min: number, max: number, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: `an integer from ${min} to ${max}` } });
  }
  return value;
}
