// Acting inside a tenant: the operator states a reason and starts a time-boxed impersonation
// session (recorded in the tenant's audit log); its token then reaches /v1/tenant/* with the
// admin role. The session lives in this tab's sessionStorage until it expires or is ended.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import { readImpersonation, writeImpersonation } from '../api/session.js';
import type { ImpersonationSession, Tenant } from '../api/types.js';
import { asApiError } from '../api/use-load.js';
import { NotAvailable } from '../components/NotAvailable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { Time } from '../components/Time.js';
import { useOperator } from '../components/operator-context.js';

const DURATIONS = [15, 30, 60];

export function ImpersonationGate({ tenant, children }: { tenant: Tenant; children: (token: string) => ReactNode }) {
  const { token } = useOperator();
  const [session, setSession] = useState<ImpersonationSession | undefined>(() => readImpersonation(tenant.id));
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState(30);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [expired, setExpired] = useState(false);

  // When the session runs out, its token stops working: go back to the form, saying why.
  useEffect(() => {
    if (!session) return;
    const left = Date.parse(session.expiresAt) - Date.now();
    const timer = setTimeout(() => {
      writeImpersonation(tenant.id, undefined);
      setSession(undefined);
      setExpired(true);
    }, Math.min(Math.max(left, 0), 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [session, tenant.id]);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const started = await tenantsApi.impersonate(token, tenant.id, reason.trim(), minutes);
      writeImpersonation(tenant.id, started);
      setExpired(false);
      setSession(started);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const end = async () => {
    if (!session) return;
    // Forget it locally even if the server call fails: the token expires on its own.
    writeImpersonation(tenant.id, undefined);
    setSession(undefined);
    await tenantsApi.endImpersonation(token, tenant.id, session.id).catch(() => undefined);
  };

  if (session) {
    return (
      <>
        <div className="impersonation-banner" role="status">
          <span>Acting inside <strong>{tenant.slug}</strong> as admin until <Time value={session.expiresAt} />.</span>
          <button type="button" className="secondary" onClick={() => void end()}>End session</button>
        </div>
        {children(session.token)}
      </>
    );
  }
  if (tenant.status !== 'active') return <p className="muted">A {tenant.status} tenant cannot be acted in: restore it first.</p>;
  if (error?.notAvailable) return <NotAvailable feature="Impersonation" />;
  return (
    <form className="card impersonation-form" onSubmit={(event) => void start(event)}>
      <h2>Act inside this tenant</h2>
      {expired && <p role="status" className="notice">The impersonation session expired.</p>}
      <p className="small">Members, invitations, API keys, settings and usage are the tenant&apos;s own. Viewing or changing them starts an impersonation session, recorded in the tenant&apos;s audit log with your reason.</p>
      <label className="field">
        Reason
        <textarea value={reason} onChange={(event) => setReason(event.target.value)} required minLength={3} rows={2} placeholder="e.g. TICKET-123: customer cannot invite users" />
      </label>
      <label className="field">
        Duration
        <select value={minutes} onChange={(event) => setMinutes(Number(event.target.value))}>
          {DURATIONS.map((m) => <option key={m} value={m}>{m} minutes</option>)}
        </select>
      </label>
      {error && <ProblemMessage error={error} />}
      <button type="submit" className="primary" disabled={busy || reason.trim().length < 3}>{busy ? 'Starting…' : 'Start impersonation'}</button>
    </form>
  );
}
