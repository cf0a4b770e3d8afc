// People and usage in the read-only tenant view: owners, seats against the seat limit, and this
// month's usage per meter against its limits — read by the operator for any status, so a
// suspended tenant's figures show without restoring or impersonating it.
import { tenantsApi } from '../api/endpoints.js';
import { useLoad } from '../api/use-load.js';
import { UsageMeter } from '../charts/UsageMeter.js';
import { Loadable } from '../components/Loadable.js';
import { useOperator } from '../components/operator-context.js';

export function TenantSummaryPanel({ tenantId, refresh }: { tenantId: string; refresh: number }) {
  const { token } = useOperator();
  const summary = useLoad((signal) => tenantsApi.summary(token, tenantId, signal), [token, tenantId, refresh]);
  return (
    <section aria-labelledby="summary-heading" className="card">
      <h2 id="summary-heading">People and usage</h2>
      <Loadable state={summary} feature="Tenant summary">
        {(s) => (
          <>
            <dl className="facts">
              <dt>Owners</dt><dd className="break">{s.owners.length === 0 ? <span className="muted">none</span> : s.owners.join(', ')}</dd>
              <dt>Seats</dt><dd>{s.seats.used}{s.seats.limit === null ? ' (unlimited)' : ` of ${s.seats.limit}`}</dd>
              <dt>Plan</dt><dd>{s.usage.plan}</dd>
            </dl>
            <h3 className="small">This month</h3>
            {s.usage.meters.filter((m) => m.meter !== 'members').map((m) => <UsageMeter key={m.meter} meter={m} />)}
          </>
        )}
      </Loadable>
    </section>
  );
}
