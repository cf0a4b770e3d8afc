// tenantry/stores/pgvector: embeddings in a PostgreSQL table under row-level security, as the
// pooled tier keeps every tenant table (docs/isolation-rules.md, rules 2–4 and 11): each operation
// is one transaction that sets `app.tenant_id` with set_config(…, true) and runs as the app role,
// so isolation is the database's, not this file's. Like the SQL path it fails closed for a tenant
// that may not work (suspended, offboarding, unknown): in Tenantry's database each transaction
// enters through Tenantry's own gate statement; elsewhere the registry's record is checked first.
// Works on any client with transactions: `pg` pools and PGlite (with its `vector` extension)
// through the two small adapters below.
import { admitTenant, coreErrors, type AdmissionPurpose, type TenantId } from '../core/index.js';
import { TENANT_PREDICATE, toTenantryError } from '../postgres/index.js';
import { enterTenant } from '../postgres/internal.js';
import type { TenantLookup } from '../resolve/index.js';
import { storesErrors } from './errors.js';
import type { JsonObject } from './graph-store.js';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';
import { operatorTenant, recordsOf, storeCheck, storeTenant, type StoreFinding, type TenantStore } from './tenant-store.js';
import { checkK, checkVector, checkVectorValue, type VectorHit, type VectorValue } from './vector-value.js';

export type { VectorHit, VectorValue } from './vector-value.js';

/** One statement in a transaction. */
export type VectorQuery = <R extends Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<R[]>;

/** What the store needs from a PostgreSQL client: a transaction. */
export interface VectorSqlClient {
  transaction<T>(work: (query: VectorQuery) => Promise<T>): Promise<T>;
}

/** PGlite (`@electric-sql/pglite`, with `extensions: { vector }`), structurally typed. */
export interface PgliteLike {
  transaction<T>(work: (tx: { query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>): Promise<T>;
}

export function pgliteVectorClient(db: PgliteLike): VectorSqlClient {
  return { transaction: (work) => db.transaction((tx) => work(async (text, params) => (await tx.query(text, params ? [...params] : [])).rows as never)) };
}

/** A `pg` Pool (or anything with the same connect/query/release), structurally typed. */
export interface PgPoolLike {
  connect(): Promise<{ query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>; release(err?: boolean | Error): void }>;
}

export function pgPoolVectorClient(pool: PgPoolLike): VectorSqlClient {
  return {
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(async (text, params) => (await client.query(text, params ? [...params] : [])).rows as never);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          broken = rollbackErr as Error; // a connection that cannot roll back is not reused (rule 12)
        }
        throw err;
      } finally {
        client.release(broken ?? false);
      }
    },
  };
}

/**
 * How the store refuses a tenant that may not work (suspended, offboarding, provisioning,
 * unknown), with the codes the SQL path gives (TENANT_SUSPENDED, TENANT_NOT_ACTIVE,
 * TENANT_NOT_FOUND). Required: a store that admitted every tenant would not fail closed.
 */
export type PgvectorAdmission =
  /**
   * The table is in Tenantry's migrated database: each transaction enters through Tenantry's
   * gate statement (the one `withTenant` sends), which sets the tenant and refuses it in the
   * database, in the same statement, so a suspension committed earlier is never missed.
   */
  | 'tenantry-gate'
  /**
   * The table is elsewhere (PGlite, another database): the tenant's record is read from `lookup`
   * (the registry's `lookup`, or a `cachedTenantLookup`) before each transaction. A suspension
   * takes effect as soon as the lookup sees it.
   */
  | { readonly lookup: TenantLookup };

export interface PgvectorStoreOptions {
  readonly client: VectorSqlClient;
  readonly admit: PgvectorAdmission;
  /** `schema.table` or `table` (lowercase identifiers). */
  readonly table: string;
  readonly dimension: number;
  /**
   * A role to `SET LOCAL ROLE` to in each transaction, when the client logs in as the table's
   * owner (tests, PGlite). Leave unset when the pool already logs in as the app role.
   */
  readonly role?: string;
}

export interface PgvectorTenantStore extends TenantStore<VectorValue> {
  /** The current tenant's `k` nearest neighbours of `vector` (L2 distance). */
  search(vector: readonly number[], k: number): Promise<VectorHit[]>;
}

/** The pooled tier's one policy (postgres/isolate-table.ts), which the embeddings table carries too. */
export const PGVECTOR_TENANT_PREDICATE = TENANT_PREDICATE;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw storesErrors.create('STORE_NAME_INVALID', { details: { reason: `${what}: lowercase identifier` } });
  return name;
}

/**
 * The DDL for an embeddings table under Tenantry's isolation (run it once, as the owner). The key
 * leads with tenant_id (rule 5); RLS is enabled and forced with the one policy (rules 2–4).
 */
export function pgvectorSchema(options: { readonly table: string; readonly dimension: number; readonly appRole?: string }): string[] {
  const table = checkIdentifier(options.table, 'table');
  if (!Number.isInteger(options.dimension) || options.dimension < 1 || options.dimension > 16000) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'dimension' } });
  const policy = `${table.replace('.', '_')}_tenantry_isolation`;
  const statements = [
    'CREATE EXTENSION IF NOT EXISTS vector',
    `CREATE TABLE IF NOT EXISTS ${table} (
       tenant_id uuid NOT NULL DEFAULT (nullif(current_setting('app.tenant_id', true), '')::uuid),
       key text NOT NULL,
       embedding vector(${options.dimension}) NOT NULL,
       metadata jsonb NOT NULL DEFAULT '{}',
       PRIMARY KEY (tenant_id, key))`,
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS ${policy} ON ${table}`,
    `CREATE POLICY ${policy} ON ${table} AS PERMISSIVE FOR ALL TO PUBLIC USING (${PGVECTOR_TENANT_PREDICATE}) WITH CHECK (${PGVECTOR_TENANT_PREDICATE})`,
  ];
  if (options.appRole !== undefined) statements.push(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${checkIdentifier(options.appRole, 'appRole')}`);
  return statements;
}

function checkAdmission(admit: PgvectorAdmission | undefined): PgvectorAdmission {
  if (admit === 'tenantry-gate') return admit;
  if (typeof admit === 'object' && admit !== null && typeof admit.lookup?.tryGet === 'function') return admit;
  throw coreErrors.create('CONFIG_INVALID', { details: { path: 'admit', reason: "'tenantry-gate', or { lookup } with the registry's lookup: a vector store must refuse tenants that may not work" } });
}

const literal = (vector: readonly number[]) => `[${vector.join(',')}]`;
const parseVector = (text: unknown): number[] => (typeof text === 'string' ? (JSON.parse(text) as number[]) : (text as number[]));

/**
 * @example
 * const vectors = createPgvectorStore({ client: pgPoolVectorClient(appPool), admit: 'tenantry-gate', table: 'embeddings', dimension: 384 });
 * await runWithTenant(tenantId, () => vectors.search(queryEmbedding, 10));
 */
export function createPgvectorStore(options: PgvectorStoreOptions): PgvectorTenantStore {
  const { client, dimension } = options;
  const table = checkIdentifier(options.table, 'table');
  const role = options.role === undefined ? undefined : checkIdentifier(options.role, 'role');
  const admission = checkAdmission(options.admit);

  /**
   * One transaction with the tenant set for it alone (rule 11), admitted first. Errors come out
   * as the SQL path's codes (a gate refusal as TENANT_SUSPENDED…, never a raw driver error).
   */
  const asTenant = async <T>(tenantId: TenantId, work: (query: VectorQuery) => Promise<T>, purpose: AdmissionPurpose = 'work'): Promise<T> => {
    try {
      if (admission !== 'tenantry-gate') admitTenant(await admission.lookup.tryGet(tenantId), purpose);
      return await client.transaction(async (query) => {
        // The role first: the gate reads the registry row through the app role's own policy.
        if (role !== undefined) await query(`SET LOCAL ROLE ${role}`);
        if (admission === 'tenantry-gate') {
          const gate = enterTenant(tenantId, purpose === 'purge' ? 'offboarding' : 'active');
          await query(gate.text, gate.values);
        } else {
          await query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
        }
        return work(query);
      });
    } catch (err) {
      throw toTenantryError(err);
    }
  };
  const upsert = (query: VectorQuery, key: string, value: VectorValue) =>
    query(
      `INSERT INTO ${table} (key, embedding, metadata) VALUES ($1, $2::vector, $3::jsonb)
       ON CONFLICT (tenant_id, key) DO UPDATE SET embedding = excluded.embedding, metadata = excluded.metadata`,
      [key, literal(checkVectorValue(value, dimension).vector), JSON.stringify(value.metadata)],
    );

  return {
    kind: 'vectors',
    adapter: 'pgvector',
    async put(key, value) {
      const name = normalizeStoreKey(key);
      await asTenant(storeTenant(), (query) => upsert(query, name, value));
    },
    async get(key) {
      const name = normalizeStoreKey(key);
      const rows = await asTenant(storeTenant(), (query) => query<{ embedding: string; metadata: JsonObject }>(`SELECT embedding::text AS embedding, metadata FROM ${table} WHERE key = $1`, [name]));
      const row = rows[0];
      return row === undefined ? undefined : { vector: parseVector(row.embedding), metadata: row.metadata };
    },
    async delete(key) {
      const name = normalizeStoreKey(key);
      await asTenant(storeTenant(), (query) => query(`DELETE FROM ${table} WHERE key = $1`, [name]));
    },
    async list(prefix) {
      const start = normalizeStorePrefix(prefix);
      const rows = await asTenant(storeTenant(), (query) =>
        query<{ key: string }>(`SELECT key FROM ${table} WHERE left(key, length($1)) = $1 ORDER BY key COLLATE "C"`, [start]),
      );
      return rows.map((r) => r.key);
    },
    async search(vector, k) {
      checkVector(vector, dimension);
      checkK(k);
      const rows = await asTenant(storeTenant(), (query) =>
        query<{ key: string; distance: number; metadata: JsonObject }>(
          `SELECT key, embedding <-> $1::vector AS distance, metadata FROM ${table} ORDER BY embedding <-> $1::vector, key LIMIT $2`,
          [literal(vector), k],
        ),
      );
      return rows.map((r) => ({ key: r.key, distance: Number(r.distance), metadata: r.metadata }));
    },
    async purgeTenant(tenantId) {
      // RLS scopes the DELETE to the tenant set for the transaction.
      await asTenant(operatorTenant(tenantId), (query) => query(`DELETE FROM ${table}`), 'purge');
    },
    async *exportTenant(tenantId) {
      const rows = await asTenant(operatorTenant(tenantId), (query) =>
        query<{ key: string; embedding: string; metadata: JsonObject }>(`SELECT key, embedding::text AS embedding, metadata FROM ${table} ORDER BY key COLLATE "C"`),
      );
      for (const row of rows) yield { key: row.key, value: { vector: parseVector(row.embedding), metadata: row.metadata } };
    },
    async importTenant(tenantId, records) {
      const tenant = operatorTenant(tenantId);
      const all: { key: string; value: VectorValue }[] = [];
      for await (const record of recordsOf(records)) all.push({ key: normalizeStoreKey(record.key), value: record.value });
      await asTenant(tenant, async (query) => {
        for (const record of all) await upsert(query, record.key, record.value);
      });
      return all.length;
    },
    async verify() {
      const findings: StoreFinding[] = [];
      const [facts] = await client.transaction(async (query) => {
        if (role !== undefined) await query(`SET LOCAL ROLE ${role}`);
        return query<{ rls: boolean | null; forced: boolean | null; policies: number; bypass: boolean }>(
          `SELECT c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
                  (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive) AS policies,
                  (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass
             FROM (SELECT to_regclass($1) AS oid) t LEFT JOIN pg_class c ON c.oid = t.oid`,
          [table],
        );
      });
      if (facts?.rls === null || facts?.rls === undefined) return storeCheck('pgvector', [{ kind: 'table_missing', object: table }]);
      if (!facts.rls) findings.push({ kind: 'rls_not_enabled', object: table });
      if (!facts.forced) findings.push({ kind: 'rls_not_forced', object: table });
      if (facts.policies === 0) findings.push({ kind: 'no_policy', object: table });
      if (facts.bypass) findings.push({ kind: 'role_bypasses_rls', object: role ?? 'current_user' });
      return storeCheck('pgvector', findings);
    },
  };
}
