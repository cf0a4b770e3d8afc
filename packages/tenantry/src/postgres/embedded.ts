// `tenantry/postgres/embedded`: an embedded PostgreSQL server (embedded/start.ts), and the one
// "use the configured server, or start the embedded one" decision (find-or-start.ts).
export { startEmbeddedPostgres } from './embedded/start.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded/start.js';
export { describePostgresUrl, findOrStartPostgres, postgresAnswers } from './find-or-start.js';
export type { FindOrStartPostgresOptions, FoundPostgres } from './find-or-start.js';
