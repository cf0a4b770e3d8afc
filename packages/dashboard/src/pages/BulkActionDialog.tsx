// Suspend or restore several tenants at once: one call per tenant (each audited on its own, as a
// single action is), one after the other, and a result per tenant — done, or the problem's code
// and title — so a partial failure names exactly which tenants were not changed.
import { useState, type FormEvent } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { Tenant } from '../api/types.js';
import { asApiError } from '../api/use-load.js';
import { Dialog } from '../components/Dialog.js';
import { useOperator } from '../components/operator-context.js';
import { useToast } from '../components/toast.js';

export type BulkAction = 'suspend' | 'restore';
interface Result { readonly tenant: Tenant; readonly error?: string }

export function BulkActionDialog({ action, tenants, onClose }: { action: BulkAction; tenants: readonly Tenant[]; onClose: (changed: boolean) => void }) {
  const { token } = useOperator();
  const toast = useToast();
  const [reason, setReason] = useState('');
  const [results, setResults] = useState<readonly Result[] | undefined>();
  const [busy, setBusy] = useState(false);
  const [summary, setSummary] = useState('');
  const verb = action === 'suspend' ? 'Suspend' : 'Restore';
  const done = action === 'suspend' ? 'Suspended' : 'Restored';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const outcome: Result[] = [];
    // Sequential: each change waits for the tenant's in-flight work (docs/lifecycle.md); many at once would only queue.
    for (const tenant of tenants) {
      try {
        await tenantsApi.act(token, tenant.id, action, action === 'suspend' && reason.trim() ? reason.trim() : undefined);
        outcome.push({ tenant });
      } catch (err) {
        const problem = asApiError(err).problem;
        outcome.push({ tenant, error: `${problem.code ?? problem.status}: ${problem.title}` });
      }
      setResults([...outcome]);
    }
    setBusy(false);
    const failed = outcome.filter((r) => r.error).length;
    const said = failed === 0 ? `${done} ${outcome.length} tenants.` : `${done} ${outcome.length - failed} of ${outcome.length} tenants; ${failed} failed.`;
    setSummary(said);
    toast(said, failed === 0 ? 'ok' : 'error');
  };

  return (
    <Dialog title={`${verb} ${tenants.length} tenants?`} open onClose={() => onClose(results !== undefined)}>
      <form onSubmit={(event) => void submit(event)}>
        <div className="dialog-body">
          <p>{action === 'suspend' ? 'Every request for these tenants will be refused until they are restored. Their data is kept.' : 'These tenants become active again at once.'}</p>
          <p className="small muted">{tenants.map((t) => t.slug).join(', ')}</p>
        </div>
        {action === 'suspend' && results === undefined && (
          <label className="field">
            Reason (optional, kept and audited for each)
            <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} />
          </label>
        )}
        {/* In the dialog: while it is open the page behind (and its toasts) is inert. */}
        <p role="status" className="small">{summary}</p>
        {results && (
          <ul className="results" aria-label="Results">
            {results.map((r) => (
              <li key={r.tenant.id} className={r.error ? 'result-failed' : 'result-ok'}>
                <strong>{r.tenant.slug}</strong>: {r.error ? `not changed — ${r.error}` : 'done'}
              </li>
            ))}
          </ul>
        )}
        <div className="actions">
          {results === undefined ? (
            <>
              <button type="button" className="secondary" onClick={() => onClose(false)} autoFocus>Cancel</button>
              <button type="submit" className={action === 'suspend' ? 'danger' : 'primary'} disabled={busy}>{busy ? 'Working…' : `${verb} ${tenants.length}`}</button>
            </>
          ) : (
            <button type="button" className="primary" onClick={() => onClose(true)} disabled={busy}>Close</button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
