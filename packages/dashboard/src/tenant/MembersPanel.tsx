// The tenant's members and their roles (read through the impersonation session).
import { tenantApi } from '../api/endpoints.js';
import { useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { Time } from '../components/Time.js';

export function MembersPanel({ token }: { token: string }) {
  const members = useLoad((signal) => tenantApi.members(token, signal), [token]);
  return (
    <section aria-labelledby="members-heading" className="card">
      <h2 id="members-heading">Members</h2>
      <Loadable state={members} feature="Members">
        {({ items: list }) => list.length === 0 ? <p className="muted">No members.</p> : (
          <div className="table-wrap">
            <table className="cards">
              <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Since</th></tr></thead>
              <tbody>
                {list.map((m) => <tr key={m.userId}><th scope="row">{m.userId}</th><td data-label="Role">{m.roleName}</td><td data-label="Since"><Time value={m.createdAt} /></td></tr>)}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
    </section>
  );
}
