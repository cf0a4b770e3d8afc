// One database observer from several (metrics and tracing together), so createTenantDatabase
// keeps a single, optional hook.
import type { TenantDatabaseObserver } from '../postgres/index.js';

/**
 * One observer that tells each of `observers` in turn (metrics and tracing together).
 *
 * @example createTenantDatabase({ pool, observer: combineObservers(metrics.databaseObserver, tracingDatabaseObserver(tracer)) });
 */
export function combineObservers(...observers: readonly (TenantDatabaseObserver | undefined)[]): TenantDatabaseObserver | undefined {
  const present = observers.filter((o): o is TenantDatabaseObserver => o !== undefined);
  if (present.length <= 1) return present[0];
  const statements = present.flatMap((o) => (o.onStatement ? [o.onStatement] : []));
  const transactions = present.flatMap((o) => (o.onTransaction ? [o.onTransaction] : []));
  return {
    onStatement: (event) => {
      for (const fn of statements) fn(event);
    },
    onTransaction: (event) => {
      for (const fn of transactions) fn(event);
    },
  };
}
