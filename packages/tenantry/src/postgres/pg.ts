// `tenantry/postgres/pg`: the node-postgres driver, on its own subpath so that only the code
// that uses it needs `pg` installed (`tenantry/postgres` itself imports no driver).
export { pgPool } from './drivers/pg.js';
export type { PgPoolOptions } from './drivers/pg.js';
