// tenantry/stores/kuzu: the graph store on kuzu, an embedded Cypher engine (npm `kuzu`, an
// optional peer). Queries go through the Cypher guard; prepared statements are cached by query
// text, since a guarded application runs a few query shapes many times.
import type { Connection, PreparedStatement, QueryResult } from 'kuzu';
import type { CypherGuardOptions } from './cypher-guard.js';
import { createGraphRecordStore, guardRunner, RECORD_LABEL, type CypherParams, type CypherRow, type CypherRunner, type GuardedCypherRunner, type JsonObject } from './graph-store.js';
import type { TenantStore } from './tenant-store.js';

export type { CypherRow, GuardedCypherRunner, JsonObject } from './graph-store.js';

/** The raw runner over a kuzu connection (no guard: operator code and benchmarks only). */
export function kuzuRunner(connection: Connection, options: { readonly cacheSize?: number } = {}): CypherRunner {
  const prepared = new Map<string, PreparedStatement>();
  const size = options.cacheSize ?? 500;
  const rows = async (result: QueryResult | QueryResult[]): Promise<CypherRow[]> => {
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return last === undefined ? [] : ((await last.getAll()));
  };
  return {
    async run(query, params: CypherParams) {
      if (Object.keys(params).length === 0) return rows(await connection.query(query));
      let statement = prepared.get(query);
      if (statement === undefined) {
        statement = await connection.prepare(query);
        if (!statement.isSuccess()) throw new Error(statement.getErrorMessage());
        if (prepared.size >= size) prepared.delete(prepared.keys().next().value as string);
        prepared.set(query, statement);
      }
      return rows(await connection.execute(statement, params as Record<string, never>));
    },
  };
}

/** The DDL of the record table (kuzu needs a schema; run it once, as operator code). */
export const KUZU_RECORD_TABLE = `CREATE NODE TABLE IF NOT EXISTS ${RECORD_LABEL}(pk STRING, tenant_id STRING, key STRING, value STRING, PRIMARY KEY(pk))`;

export interface KuzuGraph {
  /** Guarded Cypher for the tenant in context. */
  readonly cypher: GuardedCypherRunner;
  /** The TenantStore of JSON records (TenantRecord nodes). */
  readonly records: TenantStore<JsonObject>;
}

/**
 * @example
 * const graph = await createKuzuGraph(new kuzu.Connection(new kuzu.Database('./graph')));
 * await runWithTenant(tenantId, () => graph.cypher.run('MATCH (p:Person) RETURN p.name AS name'));
 */
export async function createKuzuGraph(connection: Connection, options: CypherGuardOptions = {}): Promise<KuzuGraph> {
  const runner = kuzuRunner(connection);
  await runner.run(KUZU_RECORD_TABLE, {});
  const cypher = guardRunner(runner, options);
  return { cypher, records: createGraphRecordStore({ adapter: 'kuzu', runner, guarded: cypher }) };
}
