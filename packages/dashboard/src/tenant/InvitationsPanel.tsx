// Invitations: invite by email and role, see who is pending, revoke an open invitation.
import { useState } from 'react';
import { tenantApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Time } from '../components/Time.js';
import { InviteForm } from './InviteForm.js';

export function InvitationsPanel({ token }: { token: string }) {
  const invitations = useLoad((signal) => tenantApi.invitations(token, signal), [token]);
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();

  const revoke = async (id: string, email: string) => {
    setError(undefined);
    try {
      await tenantApi.revokeInvitation(token, id);
      setNotice(`Revoked the invitation of ${email}.`);
      invitations.reload();
    } catch (err) {
      setError(asApiError(err));
    }
  };

  return (
    <section aria-labelledby="invitations-heading" className="card">
      <h2 id="invitations-heading">Invitations</h2>
      <InviteForm token={token} onInvited={(email) => { setNotice(`Invited ${email}.`); invitations.reload(); }} />
      <p role="status" className="small">{notice}</p>
      {error && <ProblemMessage error={error} />}
      <Loadable state={invitations} feature="Invitations">
        {({ items: list }) => list.length === 0 ? <p className="muted">No invitations.</p> : (
          <div className="table-wrap">
            <table className="cards">
              <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {list.map((i) => (
                  <tr key={i.id}>
                    <th scope="row">{i.email}</th><td data-label="Role">{i.role}</td><td data-label="Status"><StatusBadge status={i.status} /></td><td data-label="Expires"><Time value={i.expiresAt} /></td>
                    <td>{i.status === 'pending' && <button type="button" className="secondary small-button" onClick={() => void revoke(i.id, i.email)} aria-label={`Revoke the invitation of ${i.email}`}>Revoke</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
    </section>
  );
}
