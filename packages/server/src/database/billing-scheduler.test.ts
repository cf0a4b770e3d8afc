// The scheduler's pass, with a stand-in billing service (the real one runs in
// billing-server.int.test.ts): settle before close, a pass in flight is joined rather than
// stacked, and a tenant that fails is logged while the pass goes on.
import { describe, expect, it } from 'vitest';
import type { Billing } from 'tenantry/billing';
import { createLogger } from '../logger.js';
import { startBillingScheduler } from './billing-scheduler.js';

function standIn() {
  const calls: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const billing = {
    subscriptions: { settleDue: async () => { calls.push('settle'); await gate; return [{ tenantId: 't-1', code: 'QUOTA_PLAN_UNKNOWN' }]; } },
    invoices: { closeDue: async () => { calls.push('close'); return Promise.resolve({ issued: [{}, {}], failed: [] }); } },
  } as unknown as Billing;
  return { billing, calls, release };
}

describe('startBillingScheduler', () => {
  it('settles, then closes; joins a pass in flight; counts what failed and was issued', async () => {
    const { billing, calls, release } = standIn();
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => { lines.push(line); } } });
    const scheduler = startBillingScheduler(billing, { logger, intervalMs: 3_600_000 });
    const first = scheduler.tick();
    const second = scheduler.tick();
    release();
    expect(await first).toEqual({ failed: 1, invoicesIssued: 2 });
    expect(await second).toEqual({ failed: 1, invoicesIssued: 2 });
    expect(calls).toEqual(['settle', 'close']);
    expect(lines.join('')).toContain('QUOTA_PLAN_UNKNOWN');
    await scheduler.close();
  });
});
