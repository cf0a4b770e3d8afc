// Alerts name their tenant by slug (a link to it) and name: a truncated id was the same for
// every tenant created in the same minute.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../api/types.js';
import { AlertTenant } from './HealthPage.js';

const alert = (tenant: Alert['tenant']): Alert => ({
  id: 'a1', tenantId: '01a24f0a-0000-7000-8000-000000000001', rule: 'errors', metric: 'errorRate', value: 0.2, threshold: 0.05,
  status: 'open', firstSeenAt: '2026-12-01T00:00:00Z', lastSeenAt: '2026-12-01T00:05:00Z', count: 2, tenant,
});

describe('AlertTenant', () => {
  it('links the slug to the tenant and shows its name (and its status unless active)', () => {
    const html = renderToStaticMarkup(createElement(AlertTenant, { alert: alert({ slug: 'acme', displayName: 'Acme Inc.', status: 'suspended' }) }));
    // A live tenant's page is named by its slug (a deleted one's by its id).
    expect(html).toMatch(/<a href="[^"]*\/tenants\/acme"[^>]*>acme<\/a>/);
    expect(html).toContain('Acme Inc. · suspended');
    expect(html).not.toContain('>01a24f0a<');
  });

  it('shows the whole id when the tenant record is gone', () => {
    expect(renderToStaticMarkup(createElement(AlertTenant, { alert: alert(null) }))).toContain('01a24f0a-0000-7000-8000-000000000001 (gone)');
  });
});
