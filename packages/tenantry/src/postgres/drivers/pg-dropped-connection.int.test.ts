// Bug (issue 14): a backend that died while a tenant scope held its connection between statements
// crashed the process (an 'error' event with no listener); the next statement answered INTERNAL.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type TenantId } from '../../core/index.js';
import { createTestTenantry, errorOf, type TestTenantry } from '../../testing/index.js';
import { isolateTable } from '../isolate-table.js';

let t: TestTenantry;
let a: TenantId;

/**
 * Ends the backend `pid` (as a restart or an operator would) and returns once it has exited; one
 * more round trip then gives the client's socket time to read the FATAL message and the EOF while
 * its client is idle between statements — the case that had no 'error' listener.
 */
async function terminate(pid: number): Promise<void> {
  const { rows } = await t.admin.query<{ ended: boolean }>('SELECT pg_terminate_backend($1, 10000) AS ended', [pid]);
  expect(rows[0]?.ended).toBe(true);
  await t.admin.query('SELECT 1');
}

const backendPid = async (s: { query: TestTenantry['app']['query'] }) => (await s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

beforeAll(async () => {
  // One app connection: the next scope must get a new, working one after the dead one.
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, appPoolSize: 1 });
  [a] = t.tenants.map((x) => x.id) as [TenantId];
  await t.admin.query(`CREATE TABLE dropped_notes (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL, PRIMARY KEY (tenant_id, id))`);
  await isolateTable('dropped_notes', { admin: t.admin });
});
afterAll(() => t?.close());

describe('a backend terminated while a tenant scope holds its connection', () => {
  it('fails the next statement as DATABASE_UNAVAILABLE, and the pool serves the next scope', async () => {
    const err = await t.db.withTenant(a, async (s) => {
      await terminate(await backendPid(s));
      return errorOf(s.query('SELECT 1'));
    });
    expect(isTenantryError(err, 'DATABASE_UNAVAILABLE')).toBe(true);
    const { rows } = await t.db.withTenant(a, (s) => s.query<{ one: number }>('SELECT 1 AS one'));
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('fails a transaction terminated between its statements as DATABASE_UNAVAILABLE, its writes not committed', async () => {
    const err = await errorOf(t.db.withTenant(a, (s) => s.transaction(async (tx) => {
      await tx.query(`INSERT INTO dropped_notes (body) VALUES ('lost')`);
      await terminate(await backendPid(tx));
      await tx.query(`INSERT INTO dropped_notes (body) VALUES ('never')`);
    })));
    expect(isTenantryError(err, 'DATABASE_UNAVAILABLE')).toBe(true);
    const { rows } = await t.db.withTenant(a, (s) => s.query('SELECT body FROM dropped_notes'));
    expect(rows).toEqual([]);
  });
});
