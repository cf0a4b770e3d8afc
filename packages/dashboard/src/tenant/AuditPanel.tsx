// The tenant's audit log, newest first, filtered by type, a page at a time, with the status of
// its hash-chain verification above it.
import { useState, type FormEvent } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { AuditEventItem } from '../api/types.js';
import { useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';
import { AuditVerificationStatus } from './AuditVerificationStatus.js';

function EventRow({ event }: { event: AuditEventItem }) {
  const data = Object.keys(event.data).length === 0 ? '' : JSON.stringify(event.data);
  return (
    <tr>
      <td className="num" data-label="Seq">{event.seq}</td>
      <th scope="row"><code>{event.type}</code></th>
      <td className="break" data-label="Actor">{event.actor}</td>
      <td className="break small" data-label="Target"><span>{event.target ?? ''}{data && <span className="muted block">{data}</span>}</span></td>
      <td data-label="When"><Time value={event.occurredAt} /></td>
    </tr>
  );
}

export function AuditPanel({ tenantId, refresh }: { tenantId: string; refresh: number }) {
  const { token } = useOperator();
  const [type, setType] = useState('');
  const [applied, setApplied] = useState<string | undefined>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = useLoad((signal) => tenantsApi.auditEvents(token, tenantId, cursor, applied, signal), [token, tenantId, cursor, applied, refresh]);
  const filter = (event: FormEvent) => {
    event.preventDefault();
    setApplied(type.trim() === '' ? undefined : type.trim());
    setCursors([undefined]);
  };

  return (
    <section aria-labelledby="audit-heading" className="card">
      <h2 id="audit-heading">Audit log</h2>
      <AuditVerificationStatus tenantId={tenantId} refresh={refresh} />
      <form className="inline-form" onSubmit={filter} role="search" aria-label="Filter audit events">
        <label className="field grow">Event type<input value={type} onChange={(event) => setType(event.target.value)} placeholder="e.g. tenant.suspend" /></label>
        <button type="submit" className="secondary">Filter</button>
      </form>
      <Loadable state={page} feature="Audit log">
        {({ items, nextCursor }) => (
          <>
            {items.length === 0 ? <p className="muted">No events.</p> : (
              <div className="table-wrap">
                <table className="audit-table cards">
                  <thead><tr><th scope="col">Seq</th><th scope="col">Type</th><th scope="col">Actor</th><th scope="col">Target / data</th><th scope="col">When</th></tr></thead>
                  <tbody>{items.map((e) => <EventRow key={e.id} event={e} />)}</tbody>
                </table>
              </div>
            )}
            <nav className="pager" aria-label="Audit pages">
              <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
              <button type="button" className="secondary" disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>Older</button>
            </nav>
          </>
        )}
      </Loadable>
    </section>
  );
}
