// The human output of tenant commands: aligned, complete, in UTC.
import type { Tenant, TenantId } from 'tenantry';
import { describe, expect, it } from 'vitest';
import { formatTenant, formatTenantTable } from './output.js';

const at = new Date('2026-01-02T03:04:05.678Z');
const tenant = (slug: string, status: Tenant['status'] = 'active'): Tenant => ({
  id: `0190f1d2-0000-7000-8000-${slug.padStart(12, '0').slice(-12)}` as TenantId,
  slug, displayName: `${slug} Inc.`, status, tier: 'pooled', plan: 'free', region: 'eu-west',
  createdAt: at, updatedAt: at, statusChangedAt: at, version: 3,
});

describe('formatTenantTable', () => {
  it('aligns every column under its header', () => {
    const lines = formatTenantTable([tenant('a'), tenant('longer-slug', 'suspended')]).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const column = (name: string) => lines[0]!.indexOf(name);
    expect(lines[1]!.indexOf('active')).toBe(column('STATUS'));
    expect(lines[2]!.indexOf('suspended')).toBe(column('STATUS'));
    expect(lines[2]!.indexOf('2026-01-02T03:04:05Z')).toBe(column('CREATED'));
  });
});

describe('formatTenant', () => {
  it('prints every field on its own line, times in UTC to the second', () => {
    const text = formatTenant(tenant('acme'));
    expect(text).toContain('name     acme Inc.\n');
    expect(text).toContain('status   active (since 2026-01-02T03:04:05Z)\n');
    expect(text.split('\n').filter(Boolean)).toHaveLength(10);
  });
});
