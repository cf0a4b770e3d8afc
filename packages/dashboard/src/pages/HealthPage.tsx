// Health and alerts: every tenant's health (failing first) and the open or resolved alerts.
import { useState } from 'react';
import { platformApi } from '../api/endpoints.js';
import type { Alert } from '../api/types.js';
import { formatP95, formatPressure } from '../api/health-format.js';
import { useLoad } from '../api/use-load.js';
import { Link } from '../components/Link.js';
import { Loadable } from '../components/Loadable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';
import { AlertTriage, TriageState } from './AlertTriage.js';
import { tenantPath } from './tenant-filters-url.js';

const RANK = { failing: 0, degraded: 1, ok: 2 } as const;

/** The alert's tenant by slug and name (a truncated id was the same for tenants made in the same minute). */
export function AlertTenant({ alert }: { alert: Alert }) {
  if (alert.tenant === null) return <span className="muted">{alert.tenantId} (gone)</span>;
  return (
    <>
      <Link to={tenantPath({ id: alert.tenantId, slug: alert.tenant.slug, status: alert.tenant.status })}>{alert.tenant.slug}</Link>
      <div className="small muted">{alert.tenant.displayName}{alert.tenant.status === 'active' ? '' : ` · ${alert.tenant.status}`}</div>
    </>
  );
}

export function HealthPage() {
  const { token } = useOperator();
  const [alertStatus, setAlertStatus] = useState<'open' | 'resolved'>('open');
  const health = useLoad((signal) => platformApi.tenantHealth(token, signal), [token]);
  const alerts = useLoad((signal) => platformApi.alerts(token, alertStatus, signal), [token, alertStatus]);
  return (
    <>
      <h1>Health &amp; alerts</h1>
      <section className="card" aria-labelledby="alerts-heading">
        <div className="page-head">
          <h2 id="alerts-heading">Alerts</h2>
          <label className="field inline">Show
            <select value={alertStatus} onChange={(event) => setAlertStatus(event.target.value === 'resolved' ? 'resolved' : 'open')}>
              <option value="open">open</option><option value="resolved">resolved</option>
            </select>
          </label>
        </div>
        <Loadable state={alerts} feature="Alerts">
          {({ items, actors }) => items.length === 0 ? <p className="muted">No {alertStatus} alerts.</p> : (
            <div className="table-wrap">
              <table className="cards">
                <thead><tr><th scope="col">Rule</th><th scope="col">Tenant</th><th scope="col">Value</th><th scope="col">Count</th><th scope="col">Last seen</th><th scope="col">State</th>{alertStatus === 'open' && <th scope="col">Triage</th>}</tr></thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id}>
                      <th scope="row">{a.rule}<div className="small muted">{a.metric}</div></th>
                      <td data-label="Tenant"><AlertTenant alert={a} /></td>
                      <td data-label="Value">{a.value} (threshold {a.threshold})</td><td data-label="Count">{a.count}</td><td data-label="Last seen"><Time value={a.lastSeenAt} /></td>
                      <td data-label="State"><TriageState alert={a} actors={actors ?? {}} /></td>
                      {alertStatus === 'open' && <td data-label="Triage"><AlertTriage alert={a} onChanged={alerts.reload} /></td>}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loadable>
      </section>
      <section className="card" aria-labelledby="health-heading">
        <h2 id="health-heading">Tenant health</h2>
        <Loadable state={health} feature="Tenant health">
          {({ items }) => items.length === 0 ? <p className="muted">No tenants reported.</p> : (
            <div className="table-wrap">
              <table className="cards">
                <thead><tr><th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Error rate</th><th scope="col">p95</th><th scope="col">Quota pressure</th></tr></thead>
                <tbody>
                  {[...items].sort((x, y) => RANK[x.status] - RANK[y.status]).map((h) => (
                    <tr key={h.tenantId}>
                      <th scope="row"><Link to={`/tenants/${h.slug}`}>{h.slug}</Link></th>
                      <td data-label="Status"><StatusBadge status={h.status} /></td><td data-label="Error rate">{(h.errorRate * 100).toFixed(2)} %</td><td data-label="p95">{formatP95(h.p95Ms)}</td><td data-label="Quota">{formatPressure(h.quotaPressure)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loadable>
      </section>
    </>
  );
}
