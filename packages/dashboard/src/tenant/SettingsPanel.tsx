// The tenant's settings: each plain value (text, number, on/off) editable in place, saved as
// one PATCH of the values that changed; a refused field is named by the server's problem.
import { useState, type FormEvent } from 'react';
import { tenantApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';

type Values = Record<string, unknown>;

function SettingsForm({ token, values, onSaved }: { token: string; values: Values; onSaved: () => void }) {
  const [draft, setDraft] = useState<Values>(values);
  const [error, setError] = useState<ApiError | undefined>();
  const [saved, setSaved] = useState(false);
  const editable = Object.entries(values).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v));
  const other = Object.entries(values).filter(([, v]) => !['string', 'number', 'boolean'].includes(typeof v));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setSaved(false);
    const changed = Object.fromEntries(Object.entries(draft).filter(([k, v]) => values[k] !== v));
    try {
      await tenantApi.updateSettings(token, changed);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(asApiError(err));
    }
  };

  if (Object.keys(values).length === 0) return <p className="muted">No settings.</p>;
  return (
    <form onSubmit={(event) => void submit(event)} className="settings-form">
      {editable.map(([key, original]) => (
        typeof original === 'boolean' ? (
          <label key={key} className="check"><input type="checkbox" checked={draft[key] === true} onChange={(event) => setDraft({ ...draft, [key]: event.target.checked })} />{key}</label>
        ) : (
          <label key={key} className="field">{key}
            <input type={typeof original === 'number' ? 'number' : 'text'} value={typeof draft[key] === 'number' || typeof draft[key] === 'string' ? String(draft[key]) : ''}
              onChange={(event) => setDraft({ ...draft, [key]: typeof original === 'number' ? Number(event.target.value) : event.target.value })} />
          </label>
        )
      ))}
      {other.map(([key, value]) => (
        <div key={key} className="field"><span>{key}</span><code className="small">{JSON.stringify(value)}</code></div>
      ))}
      {error && <ProblemMessage error={error} />}
      <p role="status" className="small">{saved ? 'Saved.' : ''}</p>
      <button type="submit" className="primary">Save settings</button>
    </form>
  );
}

export function SettingsPanel({ token }: { token: string }) {
  const settings = useLoad((signal) => tenantApi.settings(token, signal), [token]);
  return (
    <section aria-labelledby="settings-heading" className="card">
      <h2 id="settings-heading">Settings</h2>
      <Loadable state={settings} feature="Settings">
        {({ values }) => <SettingsForm token={token} values={values} onSaved={settings.reload} />}
      </Loadable>
    </section>
  );
}
