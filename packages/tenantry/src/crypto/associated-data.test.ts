// Associated data: a context is checked before anything is encrypted, and the bytes bound to
// a ciphertext or a wrapped key are different for every different tenant, purpose, record,
// key version and master key (no two inputs share associated data).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError, newTenantId, type TenantId } from '../core/index.js';
import { checkContext, dataKeyAssociatedData, messageAssociatedData } from './associated-data.js';
import { envelopeHeader } from './envelope.js';
import { errorOf } from '../testing/index.js';

const tenant = newTenantId();
/** The code and the field it names, `CODE:field`, of what `fn` threw. */
const fieldCodeOf = (fn: () => unknown) => {
  const err = errorOf(fn);
  if (err === undefined) return undefined;
  return isTenantryError(err) ? `${err.code}:${String((err.details as { field?: string }).field)}` : 'not a TenantryError';
};

describe('checkContext', () => {
  it('accepts a purpose and a record id', () => {
    expect(checkContext({ purpose: 'notes.body', recordId: '42' })).toEqual({ purpose: Buffer.from('notes.body'), recordId: Buffer.from('42') });
  });

  it.each<[string, unknown, string]>([
    ['no context', undefined, 'context'],
    ['a string', 'notes.body', 'context'],
    ['no purpose', { recordId: '1' }, 'purpose'],
    ['an empty purpose', { purpose: '', recordId: '1' }, 'purpose'],
    ['no record id', { purpose: 'notes.body' }, 'recordId'],
    ['an empty record id', { purpose: 'notes.body', recordId: '' }, 'recordId'],
    ['a numeric record id', { purpose: 'notes.body', recordId: 42 }, 'recordId'],
    ['a purpose over 1024 UTF-8 bytes', { purpose: 'é'.repeat(513), recordId: '1' }, 'purpose'],
    ['a record id with a lone surrogate', { purpose: 'notes.body', recordId: 'a\uD800' }, 'recordId'],
    // Looks bound to the tenant but would not be: refused rather than silently ignored.
    ['an unknown field', { purpose: 'notes.body', recordId: '1', tenant: 'acme' }, 'tenant'],
  ])('refuses %s with ENCRYPTION_CONTEXT_INVALID', (_, context, field) => {
    expect(fieldCodeOf(() => checkContext(context))).toBe(`ENCRYPTION_CONTEXT_INVALID:${field}`);
  });

  it('accepts 1024 UTF-8 bytes and astral characters (well-formed surrogate pairs)', () => {
    expect(fieldCodeOf(() => checkContext({ purpose: 'é'.repeat(512), recordId: '😀' }))).toBeUndefined();
  });
});

describe('messageAssociatedData', () => {
  const header = envelopeHeader(1);

  it('differs for every different tenant, key version, purpose or record id', () => {
    const field = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
    const input = fc.record({ tenant: fc.constantFrom(tenant, newTenantId()), version: fc.integer({ min: 1, max: 3 }), purpose: field, recordId: field });
    fc.assert(
      fc.property(input, input, (x, y) => {
        fc.pre(JSON.stringify(x) !== JSON.stringify(y));
        const ad = (v: typeof x) => messageAssociatedData(v.tenant, envelopeHeader(v.version), { purpose: v.purpose, recordId: v.recordId });
        expect(ad(x).equals(ad(y))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('cannot be made equal by moving characters between purpose and record id', () => {
    const one = messageAssociatedData(tenant, header, { purpose: 'notes.body', recordId: '1' });
    const two = messageAssociatedData(tenant, header, { purpose: 'notes.bod', recordId: 'y1' });
    expect(one.equals(two)).toBe(false);
  });

  it('checks the context too', () => {
    expect(fieldCodeOf(() => messageAssociatedData(tenant, header, { purpose: '', recordId: '1' }))).toBe('ENCRYPTION_CONTEXT_INVALID:purpose');
  });
});

describe('dataKeyAssociatedData', () => {
  it('differs for another master key id, tenant or key version, and from any message associated data', () => {
    const other: TenantId = newTenantId();
    const base = dataKeyAssociatedData('primary', { tenantId: tenant, keyVersion: 1 });
    expect(base.equals(dataKeyAssociatedData('secondary', { tenantId: tenant, keyVersion: 1 }))).toBe(false);
    expect(base.equals(dataKeyAssociatedData('primary', { tenantId: other, keyVersion: 1 }))).toBe(false);
    expect(base.equals(dataKeyAssociatedData('primary', { tenantId: tenant, keyVersion: 2 }))).toBe(false);
    const label = (bytes: Buffer) => bytes.subarray(0, bytes.indexOf(0)).toString('latin1');
    expect(label(base)).toBe('tenantry/data-key/v1');
    expect(label(messageAssociatedData(tenant, envelopeHeader(1), { purpose: 'p', recordId: 'r' }))).toBe('tenantry/message/v1');
  });
});
