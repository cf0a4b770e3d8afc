// The list's filters round-trip through the URL; a tenant's path names its slug unless deleted.
import { describe, expect, it } from 'vitest';
import { filtersFromSearch, listPath, tenantPath } from './tenant-filters-url.js';

describe('tenant list URLs', () => {
  it('round-trips filters, dropping blanks and unknown keys', () => {
    const filters = { search: ' acme ', status: 'suspended', plan: '', region: 'eu-west' };
    const path = listPath(filters);
    expect(path).toBe('/?search=acme&status=suspended&region=eu-west');
    expect(filtersFromSearch(new URLSearchParams(`${path.slice(2)}&cursor=x&bogus=1`))).toEqual({ search: 'acme', status: 'suspended', region: 'eu-west' });
    expect(listPath({})).toBe('/');
  });

  it('names a live tenant by slug and a deleted one by id', () => {
    expect(tenantPath({ id: 'i-1', slug: 'acme', status: 'suspended' }, 'audit')).toBe('/tenants/acme/audit');
    expect(tenantPath({ id: 'i-1', slug: 'acme', status: 'deleted' })).toBe('/tenants/i-1');
  });
});
