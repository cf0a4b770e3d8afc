// tenantry/stores/neo4j: the Cypher guard in front of `neo4j-driver` (an optional peer). A guarded
// session has the shape of the driver's: `run`, `executeRead`, `executeWrite`, `close`; every query
// it runs, inside transactions too, goes through the guard and gets `$tenant` from the context.
import neo4j, { type Driver, type ManagedTransaction, type QueryResult, type Session, type SessionConfig } from 'neo4j-driver';
import { createCypherGuard, TENANT_PARAMETER, type CypherGuardOptions } from './cypher-guard.js';
import { storesErrors } from './errors.js';
import { createGraphRecordStore, guardRunner, type CypherParams, type CypherRow, type CypherRunner, type JsonObject } from './graph-store.js';
import { storeTenant, type TenantStore } from './tenant-store.js';

export type { JsonObject } from './graph-store.js';

/** A transaction whose `run` is guarded. */
export interface GuardedTransaction {
  run(query: string, params?: CypherParams): Promise<QueryResult>;
}

/** A neo4j-driver session, guarded. */
export interface GuardedSession {
  run(query: string, params?: CypherParams): Promise<QueryResult>;
  executeRead<T>(work: (tx: GuardedTransaction) => Promise<T>): Promise<T>;
  executeWrite<T>(work: (tx: GuardedTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function plain(value: unknown): unknown {
  if (neo4j.isInt(value)) return value.toNumber();
  return value;
}

/**
 * Wraps a session: the tenant is read from the context when each query runs, so one guarded
 * session must still serve one tenant at a time, as a driver session serves one caller.
 */
export function guardNeo4jSession(session: Session, options: CypherGuardOptions = {}): GuardedSession {
  const guard = createCypherGuard(options);
  const prepare = (query: string, params: CypherParams): [string, Record<string, unknown>] => {
    const tenant = storeTenant();
    if (Object.hasOwn(params, TENANT_PARAMETER)) throw storesErrors.create('CYPHER_TENANT_PARAMETER', { details: { reason: '$tenant passed by the caller' } });
    const guarded = guard(query);
    return [guarded.query, { ...params, [TENANT_PARAMETER]: tenant }];
  };
  const wrap = (tx: ManagedTransaction): GuardedTransaction => ({ run: (query, params = {}) => tx.run(...prepare(query, params)) });
  return {
    run: async (query, params = {}) => session.run(...prepare(query, params)),
    executeRead: (work) => {
      storeTenant();
      return session.executeRead((tx) => work(wrap(tx)));
    },
    executeWrite: (work) => {
      storeTenant();
      return session.executeWrite((tx) => work(wrap(tx)));
    },
    close: () => session.close(),
  };
}

/** The raw runner: one auto-commit query per call on a fresh session (operator code only). */
export function neo4jRunner(driver: Driver, config: SessionConfig = {}): CypherRunner {
  return {
    async run(query, params) {
      const session = driver.session(config);
      try {
        const result = await session.run(query, params);
        return result.records.map((record) => Object.fromEntries(Object.entries(record.toObject()).map(([k, v]) => [k, plain(v)])) as CypherRow);
      } finally {
        await session.close();
      }
    },
  };
}

/** The TenantStore of JSON records on Neo4j, through the guard. */
export function createNeo4jRecordStore(driver: Driver, options: CypherGuardOptions & { readonly database?: string } = {}): TenantStore<JsonObject> {
  const runner = neo4jRunner(driver, options.database === undefined ? {} : { database: options.database });
  return createGraphRecordStore({ adapter: 'neo4j', runner, guarded: guardRunner(runner, options) });
}
