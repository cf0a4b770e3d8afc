// The dynamic half of the verifier: inside a transaction that is always rolled back, act as the
// app role and try to read and write across tenants in every tenant table.
import { randomUUID } from 'node:crypto';
import { quoteIdentifier, type SqlConnection } from '../postgres/index.js';
import type { TenantTable } from './catalog-checks.js';
import type { Finding } from './findings.js';

async function attempt<T>(db: SqlConnection, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string | undefined }> {
  await db.query('SAVEPOINT tenantry_probe');
  try {
    const value = await work();
    await db.query('RELEASE SAVEPOINT tenantry_probe');
    return { ok: true, value };
  } catch (err) {
    await db.query('ROLLBACK TO SAVEPOINT tenantry_probe');
    return { ok: false, code: (err as { code?: string }).code };
  }
}

/**
 * Probes every tenant table as the app role, with two canary tenants that own no rows:
 * with no tenant set nothing is visible; with canary A set no row of any other tenant is
 * visible or changeable; inserting a row for canary B is refused by the policy. Needs a
 * connection that may `SET ROLE` to the app role (a superuser); everything is rolled back.
 */
export async function probeIsolation(db: SqlConnection, app: string, tables: readonly TenantTable[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  const canaryA = randomUUID();
  const canaryB = randomUUID();
  await db.query('BEGIN');
  try {
    await db.query(`SET LOCAL ROLE ${quoteIdentifier(app)}`);
    for (const table of tables) {
      const noTenant = await attempt(db, () => db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.name}`));
      if (noTenant.ok && noTenant.value.rows[0]?.n !== '0') findings.push({ kind: 'probe_read_without_tenant', object: table.name, detail: `${noTenant.value.rows[0]?.n} rows` });
    }
    await db.query(`SELECT set_config('app.tenant_id', $1, true)`, [canaryA]);
    for (const table of tables) {
      const read = await attempt(db, () => db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table.name} WHERE tenant_id IS DISTINCT FROM $1::uuid`, [canaryA]));
      if (read.ok && read.value.rows[0]?.n !== '0') findings.push({ kind: 'probe_cross_tenant_read', object: table.name, detail: `${read.value.rows[0]?.n} rows` });
      const update = await attempt(db, () => db.query(`UPDATE ${table.name} SET tenant_id = tenant_id WHERE tenant_id IS DISTINCT FROM $1::uuid`, [canaryA]));
      if (update.ok && (update.value.rowCount ?? 0) > 0) findings.push({ kind: 'probe_cross_tenant_write', object: table.name, detail: `UPDATE reached ${update.value.rowCount} rows` });
      // A partitioned parent routes the row before any check (no partition for it: 23514);
      // its partitions are probed directly instead.
      if (table.partitioned) continue;
      // The row-level WITH CHECK runs before NOT NULL and CHECK constraints, so a refused
      // insert shows up as 42501 even when other columns are missing.
      const insert = await attempt(db, () => db.query(`INSERT INTO ${table.name} (tenant_id) VALUES ($1)`, [canaryB]));
      if (insert.ok) findings.push({ kind: 'probe_cross_tenant_write', object: table.name, detail: 'INSERT for another tenant succeeded' });
      else if (insert.code !== '42501' && insert.code !== '42P17') {
        // Refused for another reason (a NOT NULL column): the WITH CHECK did not stop it first.
        findings.push({ kind: 'probe_cross_tenant_write', object: table.name, detail: `INSERT for another tenant was not refused by a policy (SQLSTATE ${insert.code ?? 'none'})` });
      }
    }
  } finally {
    await db.query('ROLLBACK');
  }
  return findings;
}
