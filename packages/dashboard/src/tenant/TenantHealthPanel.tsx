// The tenant's health over the server's window: status, error rate, p95 latency, quota pressure.
import { tenantsApi } from '../api/endpoints.js';
import { formatP95, formatPressure, formatWindow } from '../api/health-format.js';
import { useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useOperator } from '../components/operator-context.js';

export function TenantHealthPanel({ tenantId }: { tenantId: string }) {
  const { token } = useOperator();
  const health = useLoad((signal) => tenantsApi.health(token, tenantId, signal), [token, tenantId]);
  return (
    <section aria-labelledby="tenant-health-heading" className="card">
      <h2 id="tenant-health-heading">Health</h2>
      <Loadable state={health} feature="Tenant health">
        {(h) => (
          <dl className="facts">
            <dt>Status</dt><dd><StatusBadge status={h.status} /></dd>
            <dt>Error rate</dt><dd>{(h.errorRate * 100).toFixed(2)} %</dd>
            <dt>Requests</dt><dd>{h.requests}</dd>
            <dt>p95 latency</dt><dd>{formatP95(h.p95Ms)}</dd>
            <dt>Quota pressure</dt><dd>{formatPressure(h.quotaPressure)}</dd>
            <dt>Database load</dt><dd>{h.dbLoad.toFixed(2)} connections</dd>
            <dt>Window</dt><dd>{formatWindow(h.window)}</dd>
          </dl>
        )}
      </Loadable>
    </section>
  );
}
