// Sign-in with an operator token (tnt_op_…, from `tenantry operators create`). The token is
// checked against the API before it is kept, in sessionStorage only.
import { useState, type FormEvent } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import { asApiError } from '../api/use-load.js';
import { ProblemMessage } from '../components/ProblemMessage.js';

export function SignInPage({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await tenantsApi.list(token.trim(), {}, undefined);
      onSignedIn(token.trim());
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <h1>Tenantry</h1>
      <p className="muted">Control-plane dashboard</p>
      {notice && <p role="status" className="notice">{notice}</p>}
      <form onSubmit={(event) => void submit(event)} className="card">
        <label className="field">
          Operator token
          <input type="password" name="token" value={token} onChange={(event) => setToken(event.target.value)}
            placeholder="tnt_op_…" autoComplete="current-password" required autoFocus />
        </label>
        <p className="small muted">Create one with <code>tenantry operators create</code>. It is kept in this tab only.</p>
        {error && <ProblemMessage error={error} />}
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
