// The tenant list: search and filters kept in the URL, a page at a time by cursor, status
// badges, tenants named by slug in their links, several selected for a bulk suspend or restore,
// a CSV export of every tenant the filters match, and the way into onboarding a new one.
import { useMemo, useState } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { Tenant } from '../api/types.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { Link } from '../components/Link.js';
import { Loadable } from '../components/Loadable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';
import { useToast } from '../components/toast.js';
import { navigate, useLocation } from '../router.js';
import { BulkActionDialog, type BulkAction } from './BulkActionDialog.js';
import { CreateTenantDialog } from './CreateTenantDialog.js';
import { TenantFiltersForm } from './TenantFiltersForm.js';
import { filtersFromSearch, listPath, tenantPath } from './tenant-filters-url.js';
import { allTenants, tenantsCsv } from './tenants-csv.js';

export function TenantListPage() {
  const { token } = useOperator();
  const { search } = useLocation();
  const query = search.toString();
  const filters = useMemo(() => filtersFromSearch(new URLSearchParams(query)), [query]);
  // The cursors of the pages before this one, for "Previous"; a new filter starts at page 1.
  const [paging, setPaging] = useState<{ query: string; cursors: (string | undefined)[] }>({ query, cursors: [undefined] });
  const cursors = paging.query === query ? paging.cursors : [undefined];
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<ReadonlyMap<string, Tenant>>(new Map());
  const [bulk, setBulk] = useState<BulkAction | undefined>();
  const cursor = cursors.at(-1);
  const page = useLoad((signal) => tenantsApi.list(token, filters, cursor, signal), [token, filters, cursor]);

  const [exporting, setExporting] = useState(false);
  const toast = useToast();
  const exportCsv = async () => {
    setExporting(true);
    try {
      const tenants = await allTenants(token, filters);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([tenantsCsv(tenants)], { type: 'text/csv;charset=utf-8' }));
      link.download = 'tenants.csv';
      link.click();
      URL.revokeObjectURL(link.href);
      toast(`Exported ${tenants.length} tenants.`);
    } catch (err) {
      const { problem } = asApiError(err);
      toast(`Could not export: ${problem.code ?? problem.status} ${problem.title}`, 'error');
    } finally {
      setExporting(false);
    }
  };

  const toggle = (tenant: Tenant, on: boolean) => {
    const next = new Map(selected);
    if (on) next.set(tenant.id, tenant);
    else next.delete(tenant.id);
    setSelected(next);
  };

  return (
    <>
      <div className="page-head">
        <h1>Tenants</h1>
        <div className="button-row">
          <button type="button" className="secondary" disabled={exporting} onClick={() => void exportCsv()}>{exporting ? 'Exporting…' : 'Export CSV'}</button>
          <button type="button" className="primary" onClick={() => setCreating(true)}>Create tenant</button>
        </div>
      </div>
      {/* Keyed by the URL's filters: Back and Forward refill the form. */}
      <TenantFiltersForm key={query} value={filters} onChange={(next) => { setSelected(new Map()); navigate(listPath(next)); }} />
      {selected.size > 0 && (
        <div className="bulk-bar" role="region" aria-label="Bulk actions">
          <span>{selected.size} selected</span>
          <button type="button" className="danger" onClick={() => setBulk('suspend')}>Suspend selected…</button>
          <button type="button" className="primary" onClick={() => setBulk('restore')}>Restore selected…</button>
          <button type="button" className="secondary" onClick={() => setSelected(new Map())}>Clear selection</button>
        </div>
      )}
      <Loadable state={page} feature="Tenants">
        {({ items, nextCursor }) => (
          <>
            {items.length === 0 ? <p className="muted">No tenants match.</p> : (
              <div className="table-wrap">
                <table className="cards">
                  <caption className="visually-hidden">Tenants</caption>
                  <thead>
                    <tr>
                      <th scope="col">
                        <input type="checkbox" aria-label="Select every tenant on this page" checked={items.every((t) => selected.has(t.id))}
                          onChange={(event) => { const next = new Map(selected); for (const t of items) { if (event.target.checked) next.set(t.id, t); else next.delete(t.id); } setSelected(next); }} />
                      </th>
                      <th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Plan</th><th scope="col">Tier</th><th scope="col">Region</th><th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((t) => (
                      <tr key={t.id}>
                        <td className="select-cell"><input type="checkbox" aria-label={`Select ${t.slug}`} checked={selected.has(t.id)} onChange={(event) => toggle(t, event.target.checked)} /></td>
                        <th scope="row"><Link to={tenantPath(t)}>{t.displayName || t.slug}</Link><div className="small muted">{t.slug}</div></th>
                        <td data-label="Status"><StatusBadge status={t.status} /></td>
                        <td data-label="Plan">{t.plan}</td>
                        <td data-label="Tier">{t.tier}</td>
                        <td data-label="Region">{t.region}</td>
                        <td data-label="Created"><Time value={t.createdAt} /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <nav className="pager" aria-label="Tenant pages">
              <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setPaging({ query, cursors: cursors.slice(0, -1) })}>Previous</button>
              <span className="small muted">Page {cursors.length}</span>
              <button type="button" className="secondary" disabled={!nextCursor} onClick={() => nextCursor && setPaging({ query, cursors: [...cursors, nextCursor] })}>Next</button>
            </nav>
          </>
        )}
      </Loadable>
      {creating && <CreateTenantDialog onClose={() => setCreating(false)} onCreated={(t) => { setCreating(false); navigate(tenantPath(t)); }} />}
      {bulk && (
        <BulkActionDialog action={bulk} tenants={[...selected.values()]} onClose={(changed) => {
          setBulk(undefined);
          if (changed) { setSelected(new Map()); page.reload(); }
        }} />
      )}
    </>
  );
}
