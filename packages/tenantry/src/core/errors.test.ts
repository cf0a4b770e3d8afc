// TenantryError and the error registries: codes are UPPER_SNAKE and global (one meaning each),
// errors carry code, kind, details and cause, and isTenantryError narrows an unknown value.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  coreErrors, defineErrors, ERROR_KINDS, errorRegistries, isTenantryError, TenantryError, type ErrorSpec,
} from './errors.js';

const spec = (kind: ErrorSpec['kind'] = 'invalid'): ErrorSpec => ({ kind, message: 'Something is wrong.', fix: 'Do it right.' });
const capabilities = () => errorRegistries().map((r) => r.capability);

describe('defineErrors', () => {
  it.each(['lower_snake', 'Mixed_Case', 'WITH-DASH', '1LEADING_DIGIT', '_LEADING_UNDERSCORE', 'WITH SPACE', 'DOTTED.CODE', 'ÜMLAUT', ''])(
    'refuses the code %j because it is not UPPER_SNAKE',
    (code) => {
      expect(() => defineErrors(`test-snake-${code}`, { [code]: spec() })).toThrow(/UPPER_SNAKE/);
      expect(capabilities()).not.toContain(`test-snake-${code}`);
    },
  );

  it('accepts UPPER_SNAKE codes with digits', () => {
    const registry = defineErrors('test-digits', { HTTP2_STREAM_RESET: spec(), V1: spec() });
    expect(Object.keys(registry.specs)).toEqual(['HTTP2_STREAM_RESET', 'V1']);
  });

  it('refuses a code another capability already declared, and does not register the second registry', () => {
    defineErrors('test-first', { TEST_SHARED_CODE: spec('conflict') });
    expect(() => defineErrors('test-second', { TEST_OWN_CODE: spec(), TEST_SHARED_CODE: spec('internal') })).toThrow(
      /TEST_SHARED_CODE is declared by both test-first and test-second/,
    );
    expect(capabilities()).toContain('test-first');
    expect(capabilities()).not.toContain('test-second');
  });

  it("refuses to redeclare one of core's codes in another capability", () => {
    expect(() => defineErrors('test-thief', { TENANT_NOT_FOUND: spec('internal') })).toThrow(/declared by both core and test-thief/);
    expect(coreErrors.specs.TENANT_NOT_FOUND.kind).toBe('not_found');
  });

  // Bug: a second defineErrors() under an existing capability name silently replaces the first
  // registry, so its codes drop out of errorRegistries() (and the docs check) or change meaning.
  it('refuses a second registry under a capability name already in use', () => {
    defineErrors('test-twice', { TEST_TWICE_ORIGINAL: spec('not_found') });
    expect(() => defineErrors('test-twice', { TEST_TWICE_ORIGINAL: spec('internal') })).toThrow();
    const registry = errorRegistries().find((r) => r.capability === 'test-twice');
    expect(registry?.specs.TEST_TWICE_ORIGINAL?.kind).toBe('not_found');
  });

  it('lists every registry declared so far', () => {
    const registry = defineErrors('test-listed', { TEST_LISTED: spec() });
    expect(errorRegistries()).toContain(registry);
    expect(capabilities()).toContain('core');
  });

  it('freezes the specs so a code cannot change meaning at run time', () => {
    const registry = defineErrors('test-frozen', { TEST_FROZEN: spec() });
    expect(Object.isFrozen(registry.specs)).toBe(true);
  });
});

describe('TenantryError', () => {
  const registry = defineErrors('test-carry', { TEST_CARRY: { kind: 'limited', message: 'Too many.', fix: 'Wait.' } });

  it('carries code, kind, the registry message, details and cause', () => {
    const cause = new Error('driver said something');
    const err = registry.create('TEST_CARRY', { details: { limit: 10 }, cause });
    expect(err).toBeInstanceOf(TenantryError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TenantryError');
    expect(err.code).toBe('TEST_CARRY');
    expect(err.kind).toBe('limited');
    expect(err.message).toBe('Too many.');
    expect(err.details).toEqual({ limit: 10 });
    expect(err.cause).toBe(cause);
    expect(err.stack).toContain('TenantryError');
  });

  it('copies and freezes details, so later changes to the caller\'s object do not show', () => {
    const details: Record<string, unknown> = { limit: 10 };
    const err = registry.create('TEST_CARRY', { details });
    details.limit = 99;
    expect(err.details).toEqual({ limit: 10 });
    expect(Object.isFrozen(err.details)).toBe(true);
  });

  it('has empty details and no cause when none is given', () => {
    const err = registry.create('TEST_CARRY');
    expect(err.details).toEqual({});
    expect('cause' in err).toBe(false);
  });

  it('takes a more specific message when one is given', () => {
    expect(registry.create('TEST_CARRY', { message: 'Ten per minute.' }).message).toBe('Ten per minute.');
  });
});

describe('isTenantryError', () => {
  const err = coreErrors.create('TENANT_NOT_FOUND');

  it('recognizes a TenantryError, and one of a given code', () => {
    expect(isTenantryError(err)).toBe(true);
    expect(isTenantryError(err, 'TENANT_NOT_FOUND')).toBe(true);
    expect(isTenantryError(err, 'TENANT_SUSPENDED')).toBe(false);
  });

  it.each<[string, unknown]>([
    ['a plain Error', new Error('TENANT_NOT_FOUND')],
    ['an object that only looks like one', { name: 'TenantryError', code: 'TENANT_NOT_FOUND', kind: 'not_found' }],
    ['a string', 'TENANT_NOT_FOUND'],
    ['null', null],
    ['undefined', undefined],
  ])('refuses %s', (_, value) => {
    expect(isTenantryError(value)).toBe(false);
    expect(isTenantryError(value, 'TENANT_NOT_FOUND')).toBe(false);
  });

  it('narrows the type, to the code when one is given', () => {
    const unknownError: unknown = err;
    if (isTenantryError(unknownError, 'TENANT_NOT_FOUND')) {
      expectTypeOf(unknownError.code).toEqualTypeOf<'TENANT_NOT_FOUND'>();
      expectTypeOf(unknownError.kind).toEqualTypeOf<(typeof ERROR_KINDS)[number]>();
    }
    if (isTenantryError(unknownError)) expectTypeOf(unknownError).toEqualTypeOf<TenantryError>();
  });
});

describe("core's registry", () => {
  it('uses only the closed set of kinds, and says what each code means and how to fix it', () => {
    expect(ERROR_KINDS).toEqual(['invalid', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'too_large', 'limited', 'unavailable', 'internal']);
    for (const [code, s] of Object.entries(coreErrors.specs)) {
      expect(ERROR_KINDS, code).toContain(s.kind);
      expect(s.message.length, code).toBeGreaterThan(0);
      expect(s.fix.length, code).toBeGreaterThan(0);
    }
  });
});
