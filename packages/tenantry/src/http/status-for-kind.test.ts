// The kind → status table: every kind has its status, and only this table decides it.
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS, type ErrorKind } from '../core/index.js';
import { STATUS_BY_KIND, statusForKind } from './status-for-kind.js';

const expected: Record<ErrorKind, number> = {
  invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409,
  too_large: 413, limited: 429, unavailable: 503, internal: 500,
};

describe('statusForKind', () => {
  it.each(ERROR_KINDS)('answers a %s error with the status the architecture fixes', (kind) => {
    expect(statusForKind(kind)).toBe(expected[kind]);
  });

  it('has exactly one row per kind and cannot be changed at run time', () => {
    expect(Object.keys(STATUS_BY_KIND).sort()).toEqual([...ERROR_KINDS].sort());
    expect(Object.isFrozen(STATUS_BY_KIND)).toBe(true);
  });
});
