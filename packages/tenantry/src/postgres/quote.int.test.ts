// quoteIdentifier / quoteLiteral give exactly what pg's escapeIdentifier / escapeLiteral give,
// and PostgreSQL reads each back as the string that went in.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { quoteIdentifier, quoteLiteral } from './quote.js';

// Any string PostgreSQL can store (no NUL), weighted towards the characters quoting is about.
const text = fc.array(fc.oneof(fc.constantFrom("'", '"', '\\', 'E', ' ', ';', '$'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), { maxLength: 40 })
  .map((units) => units.join('').replaceAll('\0', ''));

describe('quoteIdentifier and quoteLiteral', () => {
  it('match pg for the documented cases', () => {
    expect(quoteIdentifier('tenantry_app')).toBe('"tenantry_app"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(quoteLiteral('')).toBe("''");
  });

  it('give what pg gives for any string', () => {
    fc.assert(fc.property(text, (s) => {
      expect(quoteIdentifier(s)).toBe(pg.escapeIdentifier(s));
      expect(quoteLiteral(s)).toBe(pg.escapeLiteral(s));
    }), { numRuns: 2000 });
  });

  describe('read back by PostgreSQL', () => {
    let client: pg.Client;
    beforeAll(async () => {
      client = new pg.Client({ connectionString: inject('adminUrl') });
      await client.connect();
    });
    afterAll(() => client.end());

    it('as the same string, under either standard_conforming_strings', async () => {
      for (const conforming of ['on', 'off']) {
        await client.query(`SET standard_conforming_strings = ${conforming}`);
        await fc.assert(fc.asyncProperty(text.filter((s) => s.length > 0 && s.length <= 63 && Buffer.byteLength(s) <= 63), async (s) => {
          // The literal as the value, the identifier as the column's name.
          const result = await client.query({ text: `SELECT ${quoteLiteral(s)}::text AS ${quoteIdentifier(s)}`, rowMode: 'array' });
          expect({ value: (result.rows[0] as unknown[])[0], name: result.fields[0]?.name }).toEqual({ value: s, name: s });
        }), { numRuns: 100 });
      }
    });
  });
});
