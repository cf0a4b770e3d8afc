// `tenantry/postgres/postgres-js`: the postgres.js driver, on its own subpath so that only the
// code that uses it needs `postgres` installed.
export { postgresJsPool } from './drivers/postgres-js.js';
export type { PostgresJsConfig, PostgresJsPoolOptions } from './drivers/postgres-js.js';
