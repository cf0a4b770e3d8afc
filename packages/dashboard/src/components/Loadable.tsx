// The three states of a loaded panel, rendered the same way everywhere: loading, failed (a
// missing route reads "not available on this server") and loaded.
import type { ReactNode } from 'react';
import type { LoadState } from '../api/use-load.js';
import { NotAvailable } from './NotAvailable.js';
import { ProblemMessage } from './ProblemMessage.js';

export interface LoadableProps<T> {
  readonly state: LoadState<T> & { reload: () => void };
  /** Names the feature in the not-available message. */
  readonly feature: string;
  readonly children: (data: T) => ReactNode;
}

export function Loadable<T>({ state, feature, children }: LoadableProps<T>) {
  if (state.kind === 'loading') return <p className="loading" role="status">Loading {feature.toLowerCase()}…</p>;
  if (state.kind === 'failed') {
    if (state.error.notAvailable) return <NotAvailable feature={feature} />;
    return <ProblemMessage error={state.error} onRetry={state.reload} />;
  }
  return <>{children(state.data)}</>;
}
