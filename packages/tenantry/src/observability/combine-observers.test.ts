// combineObservers tells every observer each event, in order, and adds nothing when there is
// at most one (no wrapper on the statement path).
import { describe, expect, it } from 'vitest';
import type { TenantStatementEvent, TenantTransactionEvent } from '../postgres/index.js';
import { combineObservers } from './combine-observers.js';

const statement = { tenantId: 't', durationMs: 1, error: undefined, inTransaction: false } as unknown as TenantStatementEvent;
const transaction = { tenantId: 't', durationMs: 2, outcome: 'commit', error: undefined } as unknown as TenantTransactionEvent;

describe('combineObservers', () => {
  it('tells each observer in turn, skipping the callbacks one does not have', () => {
    const seen: string[] = [];
    const combined = combineObservers(
      { onStatement: () => void seen.push('a:statement') },
      undefined,
      { onStatement: () => void seen.push('b:statement'), onTransaction: () => void seen.push('b:transaction') },
    );
    combined?.onStatement?.(statement);
    combined?.onTransaction?.(transaction);
    expect(seen).toEqual(['a:statement', 'b:statement', 'b:transaction']);
  });

  it('returns the only observer itself, and undefined for none', () => {
    const only = { onStatement: () => {} };
    expect(combineObservers(undefined, only)).toBe(only);
    expect(combineObservers(undefined, undefined)).toBeUndefined();
  });
});
