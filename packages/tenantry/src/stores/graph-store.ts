// The graph store shared by the Cypher adapters (kuzu, Neo4j): a guarded runner that binds every
// query to the tenant in context, and a TenantStore of JSON records kept as `TenantRecord` nodes,
// whose own queries go through the same guard (so the store is the guard's first user).
import { runWithTenant, type TenantId } from '../core/index.js';
import { createCypherGuard, TENANT_PARAMETER, type CypherGuardOptions } from './cypher-guard.js';
import { storesErrors } from './errors.js';
import { normalizeStoreKey, normalizeStorePrefix } from './keys.js';
import { operatorTenant, recordsOf, sortKeys, storeCheck, storeTenant, type StoreFinding, type TenantStore } from './tenant-store.js';

export type CypherParams = Readonly<Record<string, unknown>>;
export type CypherRow = Readonly<Record<string, unknown>>;

/** What an engine adapter provides: run one query with parameters, rows back as plain objects. */
export interface CypherRunner {
  run(query: string, params: CypherParams): Promise<CypherRow[]>;
}

/** A runner that refuses or binds every query to the tenant in context before the engine sees it. */
export interface GuardedCypherRunner {
  /** Runs `query` for the current tenant (`TENANT_CONTEXT_MISSING` without one). */
  run(query: string, params?: CypherParams): Promise<CypherRow[]>;
}

/** Wraps `runner` with the Cypher guard: the tenant comes from the context, never the caller. */
export function guardRunner(runner: CypherRunner, options: CypherGuardOptions = {}): GuardedCypherRunner {
  const guard = createCypherGuard(options);
  return {
    async run(query, params = {}) {
      const tenant = storeTenant();
      if (Object.hasOwn(params, TENANT_PARAMETER)) throw storesErrors.create('CYPHER_TENANT_PARAMETER', { details: { reason: '$tenant passed by the caller' } });
      const guarded = guard(query);
      return runner.run(guarded.query, guarded.query.includes(`$${TENANT_PARAMETER}`) ? { ...params, [TENANT_PARAMETER]: tenant } : params);
    },
  };
}

/** A JSON object, as graph and document records hold. */
export type JsonObject = { readonly [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;

export const RECORD_LABEL = 'TenantRecord';

function encode(value: JsonObject): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'records are JSON objects' } });
  return JSON.stringify(value);
}

export interface GraphStoreOptions {
  readonly adapter: string;
  /** The raw engine (used by the verifier only; everything else goes through the guard). */
  readonly runner: CypherRunner;
  readonly guarded: GuardedCypherRunner;
}

/**
 * A TenantStore of JSON records as `TenantRecord` nodes `{pk, tenant_id, key, value}`; `pk` is
 * `<tenant>/<key>` because engines such as kuzu need one primary key across all tenants.
 */
export function createGraphRecordStore(options: GraphStoreOptions): TenantStore<JsonObject> {
  const { guarded, runner } = options;
  const pk = (key: string) => `${storeTenant()}/${key}`;
  const put = (key: string, value: JsonObject) =>
    guarded.run(`MERGE (r:${RECORD_LABEL} {pk: $pk}) SET r.key = $key, r.value = $value`, { pk: pk(key), key, value: encode(value) });
  const exportRows = async (tenantId: TenantId) =>
    runWithTenant(operatorTenant(tenantId), () => guarded.run(`MATCH (r:${RECORD_LABEL}) RETURN r.key AS key, r.value AS value`));
  return {
    kind: 'graph',
    adapter: options.adapter,
    async put(key, value) {
      await put(normalizeStoreKey(key), value);
    },
    async get(key) {
      const rows = await guarded.run(`MATCH (r:${RECORD_LABEL} {key: $key}) RETURN r.value AS value`, { key: normalizeStoreKey(key) });
      return rows.length === 0 ? undefined : (JSON.parse(String(rows[0]?.value)) as JsonObject);
    },
    async delete(key) {
      await guarded.run(`MATCH (r:${RECORD_LABEL} {key: $key}) DETACH DELETE r`, { key: normalizeStoreKey(key) });
    },
    async list(prefix) {
      const rows = await guarded.run(`MATCH (r:${RECORD_LABEL}) WHERE r.key STARTS WITH $prefix RETURN r.key AS key`, { prefix: normalizeStorePrefix(prefix) });
      return sortKeys(rows.map((row) => String(row.key)));
    },
    async purgeTenant(tenantId) {
      // Every node of the tenant, of any label, and every relationship touching one.
      await runWithTenant(operatorTenant(tenantId), () => guarded.run('MATCH (n) DETACH DELETE n'));
    },
    async *exportTenant(tenantId) {
      for (const row of await exportRows(tenantId)) yield { key: String(row.key), value: JSON.parse(String(row.value)) as JsonObject };
    },
    async importTenant(tenantId, records) {
      let count = 0;
      await runWithTenant(operatorTenant(tenantId), async () => {
        for await (const record of recordsOf(records)) {
          await put(normalizeStoreKey(record.key), record.value);
          count++;
        }
      });
      return count;
    },
    async verify() {
      const findings: StoreFinding[] = [];
      const untagged = await runner.run('MATCH (n) WHERE n.tenant_id IS NULL RETURN count(n) AS c', {});
      if (Number(untagged[0]?.c ?? 0) > 0) findings.push({ kind: 'untagged_node', object: `${String(untagged[0]?.c)} node(s) without tenant_id` });
      const crossing = await runner.run('MATCH (a)-[r]->(b) WHERE a.tenant_id <> b.tenant_id OR r.tenant_id IS NULL OR r.tenant_id <> a.tenant_id RETURN count(r) AS c', {});
      if (Number(crossing[0]?.c ?? 0) > 0) findings.push({ kind: 'cross_tenant_relationship', object: `${String(crossing[0]?.c)} relationship(s) untagged or joining two tenants` });
      return storeCheck(options.adapter, findings);
    },
  };
}
