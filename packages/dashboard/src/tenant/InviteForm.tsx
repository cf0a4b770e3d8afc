// Inviting someone by email with a built-in role.
import { useState, type FormEvent } from 'react';
import { tenantApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import { asApiError } from '../api/use-load.js';
import { ProblemMessage } from '../components/ProblemMessage.js';

// An impersonating operator can invite viewers only (it cannot grant what it does not hold).
const ROLES = ['viewer', 'member', 'admin', 'owner'];

export function InviteForm({ token, onInvited }: { token: string; onInvited: (email: string) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('viewer');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await tenantApi.invite(token, email.trim(), role);
      onInvited(email.trim());
      setEmail('');
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)} aria-label="Invite someone">
      <label className="field grow">Email<input type="email" value={email} onChange={(event) => setEmail(event.target.value)} required /></label>
      <label className="field">Role
        <select value={role} onChange={(event) => setRole(event.target.value)}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
      </label>
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Inviting…' : 'Invite'}</button>
      {error && <ProblemMessage error={error} />}
    </form>
  );
}
