// useLoad: runs an API call when its inputs change and tracks loading / loaded / failed, so
// every panel renders the same three states; a stale answer never overwrites a newer one.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './problem.js';

export type LoadState<T> =
  | { readonly kind: 'loading' }
  | { readonly kind: 'loaded'; readonly data: T }
  | { readonly kind: 'failed'; readonly error: ApiError };

function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError({ status: 0, title: 'Unexpected error', code: 'CLIENT_ERROR', detail: err instanceof Error ? err.message : String(err) });
}

/**
 * @example const tenants = useLoad((signal) => listTenants(token, filters, signal), [token, filters]);
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): LoadState<T> & { reload: () => void } {
  const [state, setState] = useState<LoadState<T>>({ kind: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState({ kind: 'loading' });
    loadRef.current(controller.signal).then(
      (data) => { if (!controller.signal.aborted) setState({ kind: 'loaded', data }); },
      (err: unknown) => { if (!controller.signal.aborted) setState({ kind: 'failed', error: asApiError(err) }); },
    );
    return () => controller.abort();
    // The caller names the inputs, as with useEffect; `load` itself is read through the ref.
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}

export { asApiError };
