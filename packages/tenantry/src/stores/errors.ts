// Error codes of the tenant stores (object storage, vectors, graph, documents).
import { defineErrors } from '../core/index.js';

export const storesErrors = defineErrors('stores', {
  STORE_KEY_INVALID: {
    kind: 'invalid',
    message: 'The store key is not allowed: it is empty, too long, or holds `..`, `.`, `//`, a leading `/`, a backslash or a control character.',
    fix: 'Use keys made of `/`-separated segments of printable characters (they are NFC-normalized); `details.reason` says which rule the key broke.',
  },
  STORE_TENANT_MISMATCH: {
    kind: 'forbidden',
    message: 'A tenant-wide store operation named a tenant other than the one in context.',
    fix: 'Run purge, export and import for a tenant outside any tenant context (a job or the CLI), or inside that same tenant\'s context.',
  },
  STORE_VALUE_INVALID: {
    kind: 'invalid',
    message: 'The value does not fit this store (wrong type, wrong vector dimension, or not a JSON object).',
    fix: 'Read `details.reason`; vectors must have the dimension the store was opened with, documents must be plain JSON objects.',
  },
  STORE_NAME_INVALID: {
    kind: 'invalid',
    message: 'A configured store name (bucket, table, database or collection prefix) is not allowed.',
    fix: 'Use lowercase letters, digits and `-`/`_`, starting with a letter, within the backend\'s length limit.',
  },
  STORE_PRESIGN_EXPIRY_INVALID: {
    kind: 'invalid',
    message: 'A presigned URL was asked for with an expiry that is not a whole number of seconds between 1 and the configured maximum.',
    fix: 'Pass `expiresInSeconds` between 1 and `maxPresignSeconds` (default 3600).',
  },
  STORE_BACKEND_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The store\'s backend did not answer within the deadline, or answered with a server error.',
    fix: 'Retry later; if it persists, check that the backend (`details.backend`) is up and reachable from this process.',
  },
  STORE_BACKEND_FAILED: {
    kind: 'internal',
    message: 'The store\'s backend refused a request the adapter sent (`details.status`).',
    fix: 'Check the backend\'s version and configuration against docs/stores.md (the cause, in the log, holds its answer); run the store\'s `verify()`.',
  },
  CYPHER_SYNTAX: {
    kind: 'invalid',
    message: 'The Cypher query does not parse.',
    fix: 'Fix the query; `details.error` names the first syntax error the parser found.',
  },
  CYPHER_PROCEDURE_REFUSED: {
    kind: 'forbidden',
    message: 'The Cypher query calls a procedure, loads a file or uses an administrative command; the tenant guard refuses every one of them.',
    fix: 'Procedures (CALL, APOC), LOAD CSV, schema and admin commands run outside the tenant guard, from operator code with the raw driver.',
  },
  CYPHER_PATTERN_UNBOUND: {
    kind: 'forbidden',
    message: 'A node or relationship pattern of the Cypher query is not bound to the tenant and could not be bound unambiguously.',
    fix: 'Give every node pattern `tenant_id: $tenant` (and create relationships with it), or write the pattern in a form the guard can rewrite; `details.pattern` names the one refused.',
  },
  CYPHER_TENANT_PARAMETER: {
    kind: 'forbidden',
    message: 'The caller passed a `tenant` query parameter, or bound `tenant_id` to something other than `$tenant`.',
    fix: 'Never pass `$tenant` yourself: the guard sets it from the tenant context. Compare `tenant_id` only with `$tenant`.',
  },
});
