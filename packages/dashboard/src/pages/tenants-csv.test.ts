// The CSV export quotes what needs quoting and keeps one line per tenant.
import { describe, expect, it } from 'vitest';
import type { Tenant } from '../api/types.js';
import { csvField, tenantsCsv } from './tenants-csv.js';

const tenant = (over: Partial<Tenant>): Tenant => ({
  id: 'i-1', slug: 'acme', displayName: 'Acme', status: 'active', tier: 'pooled', plan: 'free', region: 'eu',
  createdAt: '2026-11-10T12:00:00.000Z', updatedAt: '2026-11-10T12:00:00.000Z', statusChangedAt: '2026-11-10T12:00:00.000Z', version: 1, ...over,
});

describe('tenantsCsv', () => {
  it('quotes commas, quotes and line breaks, and leaves the rest bare', () => {
    expect([csvField('plain'), csvField('a,b'), csvField('say "hi"'), csvField('two\nlines')]).toEqual(['plain', '"a,b"', '"say ""hi"""', '"two\nlines"']);
  });

  it('writes a header and one CRLF line per tenant, an absent reason empty', () => {
    const csv = tenantsCsv([tenant({}), tenant({ id: 'i-2', slug: 'globex', displayName: 'Globex, Inc.', status: 'suspended', statusReason: 'unpaid' })]);
    expect(csv.split('\r\n')).toEqual([
      'id,slug,displayName,status,plan,tier,region,createdAt,statusChangedAt,statusReason',
      'i-1,acme,Acme,active,free,pooled,eu,2026-11-10T12:00:00.000Z,2026-11-10T12:00:00.000Z,',
      'i-2,globex,"Globex, Inc.",suspended,free,pooled,eu,2026-11-10T12:00:00.000Z,2026-11-10T12:00:00.000Z,unpaid',
      '',
    ]);
  });
});
