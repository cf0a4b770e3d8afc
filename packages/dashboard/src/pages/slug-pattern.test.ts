// The slug field's pattern compiles the way browsers compile it (v flag), and matches slugs.
import { describe, expect, it } from 'vitest';
import { SLUG_PATTERN } from './slug-pattern.js';

describe('SLUG_PATTERN', () => {
  it('is a valid pattern under the v flag browsers use, and the old one was not', () => {
    expect(() => new RegExp(`^(?:${SLUG_PATTERN})$`, 'v')).not.toThrow();
    const old = '[a-z0-9][a-z0-9-]*';
    expect(() => new RegExp(`^(?:${old})$`, 'v')).toThrow(SyntaxError);
  });

  it('accepts DNS-label slugs and refuses what the server refuses', () => {
    const slug = new RegExp(`^(?:${SLUG_PATTERN})$`, 'v');
    for (const ok of ['acme', 'a', 'acme-2', 'a-b-c', '9lives']) expect(slug.test(ok)).toBe(true);
    for (const bad of ['Acme', '-acme', 'acme-', 'ac--me', 'ac me', '']) expect(slug.test(bad)).toBe(false);
  });
});
