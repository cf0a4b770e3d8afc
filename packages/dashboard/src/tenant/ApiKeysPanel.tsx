// API keys: create one with scopes (the key is shown once), list them, revoke one.
import { useState, type FormEvent } from 'react';
import { tenantApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import type { ApiKey } from '../api/types.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { Loadable } from '../components/Loadable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Time } from '../components/Time.js';
import { CreatedKeyNotice } from './CreatedKeyNotice.js';

const SCOPE_CHOICES = ['members:read', 'members:write', 'invitations:read', 'invitations:write', 'apikeys:read', 'apikeys:write'];

export function ApiKeysPanel({ token }: { token: string }) {
  const keys = useLoad((signal) => tenantApi.apiKeys(token, signal), [token]);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['members:read']);
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [revoking, setRevoking] = useState<ApiKey | undefined>();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const result = await tenantApi.createApiKey(token, name.trim(), scopes);
      setCreated({ name: result.apiKey.name, key: result.key });
      setName('');
      keys.reload();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  // Errors are shown in the confirmation dialog, which stays open on a failure.
  const revoke = async (id: string) => {
    await tenantApi.revokeApiKey(token, id);
    keys.reload();
  };
  const toggle = (scope: string) => setScopes(scopes.includes(scope) ? scopes.filter((s) => s !== scope) : [...scopes, scope]);

  return (
    <section aria-labelledby="keys-heading" className="card">
      <h2 id="keys-heading">API keys</h2>
      {created && <CreatedKeyNotice name={created.name} secret={created.key} onDismiss={() => setCreated(undefined)} />}
      <form onSubmit={(event) => void create(event)} aria-label="Create an API key">
        <label className="field">Name<input value={name} onChange={(event) => setName(event.target.value)} required /></label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {SCOPE_CHOICES.map((scope) => (
            <label key={scope} className="check"><input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} />{scope}</label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={scopes.length === 0}>Create key</button>
      </form>
      {error && <ProblemMessage error={error} />}
      <Loadable state={keys} feature="API keys">
        {({ items: apiKeys }) => apiKeys.length === 0 ? <p className="muted">No API keys.</p> : (
          <div className="table-wrap">
            <table className="cards">
              <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Status</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {apiKeys.map((k) => (
                  <tr key={k.id}>
                    <th scope="row">{k.name}</th><td data-label="Prefix"><code className="break">{k.prefix}</code></td><td className="small" data-label="Scopes">{k.scopes.join(', ')}{k.status === 'active' && k.effectiveScopes.length < k.scopes.length && <span className="muted"> (now only: {k.effectiveScopes.join(', ') || 'none'}, its creator's current permissions)</span>}</td>
                    <td data-label="Status"><StatusBadge status={k.status} /></td><td data-label="Last used"><Time value={k.lastUsedAt} /></td>
                    <td>{k.status === 'active' && <button type="button" className="danger small-button" onClick={() => setRevoking(k)} aria-label={`Revoke API key ${k.name}`}>Revoke…</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
      {revoking && (
        <ConfirmDialog title="Revoke this API key?" confirmLabel="Revoke" destructive onConfirm={() => revoke(revoking.id)} onClose={() => setRevoking(undefined)}>
          <p>{revoking.name} ({revoking.prefix}) stops working at once: every request with it is refused.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
