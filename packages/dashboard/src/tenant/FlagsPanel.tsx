// Feature flags: each flag's state and where it comes from; an override can be set either way
// or removed (back to the plan or rollout).
import { useState } from 'react';
import { tenantApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { ProblemMessage } from '../components/ProblemMessage.js';

export function FlagsPanel({ token }: { token: string }) {
  const flags = useLoad((signal) => tenantApi.flags(token, signal), [token]);
  const [error, setError] = useState<ApiError | undefined>();
  const act = async (work: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await work();
      flags.reload();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <section aria-labelledby="flags-heading" className="card">
      <h2 id="flags-heading">Feature flags</h2>
      {error && <ProblemMessage error={error} />}
      <Loadable state={flags} feature="Feature flags">
        {({ items }) => items.length === 0 ? <p className="muted">No flags.</p> : (
          <ul className="flag-list">
            {items.map((flag) => (
              <li key={flag.key}>
                <label className="check">
                  <input type="checkbox" role="switch" checked={flag.enabled} onChange={(event) => void act(() => tenantApi.setFlag(token, flag.key, event.target.checked))} />
                  {flag.key}
                </label>
                <span className="small muted">from {flag.source}</span>
                {flag.source === 'override' && (
                  <button type="button" className="secondary small-button" onClick={() => void act(() => tenantApi.clearFlag(token, flag.key))} aria-label={`Remove the override of ${flag.key}`}>Reset</button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Loadable>
    </section>
  );
}
