// A tenant's recent activity for the read-only view: lifecycle and plan changes, impersonations
// and other operator actions from its audit log (kept for every status, a deleted tenant's too),
// and the health alerts raised for it, newest first in one list.
import { operatorsApi, platformApi, tenantsApi } from '../api/endpoints.js';
import type { AuditEventItem, Alert } from '../api/types.js';
import { useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';

interface Entry { readonly at: string; readonly key: string; readonly text: string; readonly detail?: string }

function fromAudit(e: AuditEventItem, names: ReadonlyMap<string, string>): Entry {
  const reason = typeof e.data.reason === 'string' ? e.data.reason : undefined;
  return { at: e.occurredAt, key: `audit-${e.id}`, text: `${e.type} by ${names.get(e.actor) ?? e.actor}`, ...(reason ? { detail: `reason: ${reason}` } : {}) };
}
function fromAlert(a: Alert): Entry {
  return { at: a.firstSeenAt, key: `alert-${a.id}`, text: `alert ${a.rule} (${a.metric} ${a.value} over ${a.threshold}), ${a.status}` };
}

export function TenantTimeline({ tenantId, refresh }: { tenantId: string; refresh: number }) {
  const { token } = useOperator();
  const entries = useLoad(async (signal) => {
    const audit = await tenantsApi.auditEvents(token, tenantId, undefined, undefined, signal);
    // Alerts are listed across tenants; without the health routes the timeline is the audit log alone.
    const alerts = await platformApi.alerts(token, 'open', signal).then((r) => r.items, () => [] as Alert[]);
    // Operators by name, not id (`operator:<id>` is what the log records).
    const operators = await operatorsApi.list(token, signal).then((r) => r.items, () => []);
    const names = new Map(operators.map((o) => [`operator:${o.id}`, o.displayName]));
    return [...audit.items.map((e) => fromAudit(e, names)), ...alerts.filter((a) => a.tenantId === tenantId).map(fromAlert)]
      .sort((x, y) => y.at.localeCompare(x.at)).slice(0, 15);
  }, [token, tenantId, refresh]);
  return (
    <section aria-labelledby="timeline-heading" className="card">
      <h2 id="timeline-heading">Recent activity</h2>
      <Loadable state={entries} feature="Activity">
        {(items) => items.length === 0 ? <p className="muted">Nothing yet.</p> : (
          <ol className="timeline">
            {items.map((e) => (
              <li key={e.key}><Time value={e.at} /> — {e.text}{e.detail && <div className="small muted">{e.detail}</div>}</li>
            ))}
          </ol>
        )}
      </Loadable>
    </section>
  );
}
