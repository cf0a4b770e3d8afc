// verifyIsolation: audits a live database against docs/isolation-rules.md — the catalog lint
// plus an optional dynamic probe — and returns the findings (empty means every check passed).
import { DEFAULT_ROLE_NAMES, toTenantryError, type SqlPool } from '../postgres/index.js';
import { keyFindings, policyCheckFindings, referencePolicy, rowSecurityFindings, sequenceFindings, tenantTables } from './catalog-checks.js';
import type { TenantStore } from '../stores/index.js';
import type { VerifyReport } from './findings.js';
import { probeIsolation } from './isolation-probe.js';
import { appRoleFindings, definerFunctionFindings, viewFindings } from './role-checks.js';

export interface VerifyIsolationOptions {
  /** A superuser (or a member of the app role) connection to the database to audit. */
  readonly admin: SqlPool;
  /** The role the application logs in as. Default `tenantry_app`. */
  readonly appRole?: string;
  /** `run` (default): also probe cross-tenant reads and writes as the app role, rolled back. `skip`: catalog checks only. */
  readonly probe?: 'run' | 'skip';
  /** SECURITY DEFINER functions the app role may call (as `name(argtypes)`); each must re-check the tenant. */
  readonly allowedDefinerFunctions?: readonly string[];
  /**
   * The application's tenant stores beyond PostgreSQL (tenantry/stores): each one's `verify()`
   * runs too, and its findings join the report as `store_isolation` (docs/stores.md).
   */
  readonly stores?: readonly Pick<TenantStore<unknown>, 'verify'>[];
}

/**
 * Audits the database behind `admin`. Use it in a team's CI after migrations:
 *
 * @example
 * const report = await verifyIsolation({ admin: pgPool({ connectionString: process.env.DATABASE_URL }) });
 * if (!report.ok) { console.error(formatReport(report)); process.exit(1); }
 */
export async function verifyIsolation(options: VerifyIsolationOptions): Promise<VerifyReport> {
  const app = options.appRole ?? DEFAULT_ROLE_NAMES.app;
  const connection = await options.admin.connect().catch((err: unknown) => {
    throw toTenantryError(err);
  });
  let broken: Error | undefined;
  try {
    const tables = await tenantTables(connection);
    const findings = [
      ...(await rowSecurityFindings(connection, tables)),
      ...(await policyCheckFindings(connection, tables, await referencePolicy(connection))),
      ...(await keyFindings(connection, tables)),
      ...(await sequenceFindings(connection, tables)),
      ...(await appRoleFindings(connection, app, tables)),
      ...(await viewFindings(connection, app, tables)),
      ...(await definerFunctionFindings(connection, app, options.allowedDefinerFunctions ?? [])),
    ];
    const probed = options.probe !== 'skip';
    if (probed) findings.push(...(await probeIsolation(connection, app, tables)));
    for (const store of options.stores ?? []) {
      const check = await store.verify();
      for (const f of check.findings) findings.push({ kind: 'store_isolation', object: `${check.store}: ${f.object}`, detail: f.kind });
    }
    return { ok: findings.length === 0, tenantTables: tables.map((t) => t.name), findings, probed };
  } catch (err) {
    if (connection.transactionStatus !== 'idle') broken = err instanceof Error ? err : new Error(String(err));
    throw toTenantryError(err);
  } finally {
    connection.release(broken);
  }
}
