// The tenant list: search and filters, a page at a time by cursor, status badges, and the
// way into each tenant and into onboarding a new one.
import { useState } from 'react';
import { tenantsApi, type TenantFilters } from '../api/endpoints.js';
import { useLoad } from '../api/use-load.js';
import { Link } from '../components/Link.js';
import { Loadable } from '../components/Loadable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';
import { navigate } from '../router.js';
import { CreateTenantDialog } from './CreateTenantDialog.js';
import { TenantFiltersForm } from './TenantFiltersForm.js';

export function TenantListPage() {
  const { token } = useOperator();
  const [filters, setFilters] = useState<TenantFilters>({});
  // The cursors of the pages before this one, for "Previous".
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [creating, setCreating] = useState(false);
  const cursor = cursors.at(-1);
  const page = useLoad((signal) => tenantsApi.list(token, filters, cursor, signal), [token, filters, cursor]);

  const applyFilters = (next: TenantFilters) => {
    setFilters(next);
    setCursors([undefined]);
  };

  return (
    <>
      <div className="page-head">
        <h1>Tenants</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>Create tenant</button>
      </div>
      <TenantFiltersForm value={filters} onChange={applyFilters} />
      <Loadable state={page} feature="Tenants">
        {({ items, nextCursor }) => (
          <>
            {items.length === 0 ? <p className="muted">No tenants match.</p> : (
              <div className="table-wrap">
                <table className="cards">
                  <caption className="visually-hidden">Tenants</caption>
                  <thead><tr><th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Plan</th><th scope="col">Tier</th><th scope="col">Region</th><th scope="col">Created</th></tr></thead>
                  <tbody>
                    {items.map((t) => (
                      <tr key={t.id}>
                        <th scope="row"><Link to={`/tenants/${t.id}`}>{t.displayName || t.slug}</Link><div className="small muted">{t.slug}</div></th>
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
              <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
              <span className="small muted">Page {cursors.length}</span>
              <button type="button" className="secondary" disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>Next</button>
            </nav>
          </>
        )}
      </Loadable>
      {creating && <CreateTenantDialog onClose={() => setCreating(false)} onCreated={(t) => { setCreating(false); navigate(`/tenants/${t.id}`); }} />}
    </>
  );
}
