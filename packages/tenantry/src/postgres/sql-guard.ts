// The SQL guard: every statement sent through a tenant scope or transaction is parsed with
// PostgreSQL's own parser (libpg-query) and refused unless it is plain data access. The tenant
// setting is context, not authentication (docs/isolation-rules.md rule 10): any SQL the app role runs
// could change it, so the guard is an allow-list of statement kinds, with a deny-list of the
// built-ins and catalogs through which even a SELECT could change settings, run SQL given as
// text, hold another tenant's lock, or read statistics computed over every tenant.
import { loadModule, parseSync } from 'libpg-query';
import { postgresErrors } from './errors.js';

/** Why a statement was refused; `details.reason` of ISOLATION_STATEMENT_REFUSED. */
export type RefusalReason =
  | 'unparsable'
  | 'multiple_statements'
  | 'statement_kind'
  | 'role_change'
  | 'tenant_setting'
  | 'session_setting'
  | 'transaction_control'
  | 'row_security_ddl'
  | 'copy_program'
  | 'do_block'
  | 'internal_table'
  | 'catalog_access'
  | 'dangerous_function'
  | 'select_into'
  | 'prepared_statement_control'
  | 'tenant_schema';

type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: RefusalReason };
const OK: Verdict = Object.freeze({ ok: true });

/** The statement kinds tenant code may send: data access, under row-level security. */
const DATA_STATEMENTS = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'VariableShowStmt']);
/** Settings a transaction may change for itself (`SET LOCAL`): presentation only, never limits or resolution. */
const LOCAL_SETTINGS = new Set(['timezone', 'time zone', 'datestyle', 'intervalstyle', 'extra_float_digits', 'bytea_output']);
// Settings whose change would change whose rows are seen, or lift a tenant's limits.
const TENANT_SETTING = /^(app|tenantry)\./i;
const ROLE_SETTINGS = new Set(['role', 'session_authorization', 'search_path', 'row_security']);
/**
 * Built-ins that change settings (set_config), run SQL passed as text (the *_to_xml family,
 * ts_stat, ts_rewrite), take locks other tenants wait on (advisory locks, including the
 * tenants' own lifecycle locks), signal other sessions, or reach files and large objects.
 * Matched by name in any schema.
 */
const DANGEROUS_FUNCTIONS =
  /^(set_config|query_to_xml\w*|cursor_to_xml\w*|table_to_xml\w*|schema_to_xml\w*|database_to_xml\w*|ts_stat|ts_rewrite|pg_(try_)?advisory\w*|pg_terminate_backend|pg_cancel_backend|pg_signal_backend|pg_notify|pg_reload_conf|pg_rotate_logfile|pg_read_\w+|pg_ls_\w+|pg_stat_reset\w*|lo_\w+|dblink\w*|pg_logical_\w+|pg_replication_\w+|pg_create_\w+|pg_drop_\w+|pg_switch_wal|pg_promote)$/i;
// Tenantry's own schema: the registry, keys, audit chain. Tenant code never touches it directly.
const INTERNAL_SCHEMA = 'tenantry';
// Schema-tier tenants' schemas (placement): a tenant's statements name their tables unqualified
// and the gate's search_path picks the tenant's schema; naming a tenant schema is reaching past it.
const TENANT_SCHEMA = /^tenant_[0-9a-f]{32}$/;
// Catalogs: pg_settings is writable (it calls set_config), pg_stat_activity shows other tenants'
// statements, pg_stats and pg_class estimates are computed over every tenant (rule 9).
const CATALOG_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

function refuse(reason: RefusalReason): Verdict {
  return { ok: false, reason };
}

function lower(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : '';
}

function funcName(node: { funcname?: { String?: { sval?: string } }[] }): { schema?: string; name: string } {
  const parts = (node.funcname ?? []).map((p) => p.String?.sval ?? '');
  return parts.length > 1 ? { schema: parts[0] as string, name: parts[parts.length - 1] as string } : { name: parts[0] ?? '' };
}

function judgeSetting(node: Record<string, unknown>): Verdict {
  const name = lower(node.name);
  if (node.kind === 'VAR_RESET_ALL' || ROLE_SETTINGS.has(name)) return refuse('role_change');
  if (TENANT_SETTING.test(name)) return refuse('tenant_setting');
  // A session-level SET survives COMMIT and reaches the next tenant on this connection; a
  // local one may only change how values are shown, not the tenant's limits.
  return node.is_local === true && LOCAL_SETTINGS.has(name) ? OK : refuse('session_setting');
}

/** The top-level statement: data access passes, everything else is refused with the most telling reason. */
function judgeStatementKind(type: string, node: Record<string, unknown>): Verdict {
  switch (type) {
    case 'VariableSetStmt':
      return judgeSetting(node);
    case 'TransactionStmt':
      return refuse('transaction_control');
    case 'AlterTableStmt': {
      const cmds = (node.cmds ?? []) as { AlterTableCmd?: { subtype?: string } }[];
      const rls = cmds.some((c) => /RowSecurity$/.test(c.AlterTableCmd?.subtype ?? ''));
      return refuse(rls ? 'row_security_ddl' : 'statement_kind');
    }
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return refuse('row_security_ddl');
    case 'DropStmt':
      return refuse(node.removeType === 'OBJECT_POLICY' ? 'row_security_ddl' : 'statement_kind');
    case 'CopyStmt':
      return refuse(node.is_program === true ? 'copy_program' : 'statement_kind');
    case 'DoStmt':
      return refuse('do_block');
    case 'PrepareStmt':
    case 'ExecuteStmt':
    case 'DeallocateStmt':
    case 'DiscardStmt':
      // They act on the connection's prepared statements, which the driver manages.
      return refuse('prepared_statement_control');
    case 'SelectStmt':
      // SELECT … INTO creates a table.
      return node.intoClause ? refuse('select_into') : OK;
    default:
      // DECLARE … WITH HOLD, LISTEN, LOCK, EXPLAIN, ALTER ROLE … SET, CALL, VACUUM …: each
      // leaves state on the pooled connection or reaches past the tenant.
      return DATA_STATEMENTS.has(type) ? OK : refuse('statement_kind');
  }
}

/** Judges a node anywhere in the tree (subqueries, CTEs, function arguments). */
function judgeNode(type: string, node: Record<string, unknown>): Verdict {
  if (type === 'FuncCall') {
    const { schema, name } = funcName(node);
    if (lower(name) === 'set_config') return refuse('tenant_setting');
    if (lower(schema) === INTERNAL_SCHEMA) return refuse('internal_table');
    if (TENANT_SCHEMA.test(lower(schema))) return refuse('tenant_schema');
    return DANGEROUS_FUNCTIONS.test(name) ? refuse('dangerous_function') : OK;
  }
  if (type === 'RangeVar') {
    const schema = lower(node.schemaname);
    if (schema === INTERNAL_SCHEMA) return refuse('internal_table');
    if (TENANT_SCHEMA.test(schema)) return refuse('tenant_schema');
    // Unqualified pg_* names resolve to pg_catalog first, whatever the search_path.
    if (CATALOG_SCHEMAS.has(schema) || (schema === '' && lower(node.relname).startsWith('pg_'))) return refuse('catalog_access');
  }
  if (type === 'SelectStmt' && node.intoClause) return refuse('select_into');
  return OK;
}

function walk(value: unknown): Verdict {
  if (Array.isArray(value)) {
    for (const item of value) {
      const verdict = walk(item);
      if (!verdict.ok) return verdict;
    }
    return OK;
  }
  if (value === null || typeof value !== 'object') return OK;
  // The target of INSERT/UPDATE/DELETE/MERGE is a RangeVar stored without its node-type key:
  // recognise relations by shape, or `UPDATE pg_settings …` and `INSERT INTO tenantry.…`
  // would pass unseen.
  if (typeof (value as { relname?: unknown }).relname === 'string') {
    const verdict = judgeNode('RangeVar', value as Record<string, unknown>);
    if (!verdict.ok) return verdict;
  }
  for (const [key, child] of Object.entries(value)) {
    // Parse-tree nodes are `{ NodeType: { …fields } }`; node type names start upper-case.
    if (/^[A-Z]/.test(key) && child !== null && typeof child === 'object' && !Array.isArray(child)) {
      const verdict = judgeNode(key, child as Record<string, unknown>);
      if (!verdict.ok) return verdict;
    }
    const verdict = walk(child);
    if (!verdict.ok) return verdict;
  }
  return OK;
}

/** Judges SQL text without caching (exported for tests and the verifier). */
export function judgeStatement(text: string): Verdict {
  let tree: { stmts?: { stmt?: Record<string, Record<string, unknown>> }[] };
  try {
    tree = parseSync(text) as typeof tree;
  } catch {
    // libpg-query is PostgreSQL's own parser: what it cannot parse, the server would reject.
    return refuse('unparsable');
  }
  const statements = tree.stmts ?? [];
  if (statements.length > 1) return refuse('multiple_statements');
  const [entry] = Object.entries(statements[0]?.stmt ?? {});
  if (!entry) return refuse('unparsable');
  const kind = judgeStatementKind(entry[0], entry[1]);
  return kind.ok ? walk(statements) : kind;
}

export interface SqlGuardOptions {
  /** Verdicts kept by statement text; statements are parsed once each. Default 10,000. */
  readonly cacheSize?: number;
}

let parserReady: Promise<void> | undefined;

/**
 * Refuses SQL that could weaken isolation, with ISOLATION_STATEMENT_REFUSED. Parsing costs
 * hundreds of microseconds, so verdicts are cached by text: applications send the same
 * parameterized texts over and over, and the cached check is one Map lookup.
 *
 * @example
 * const guard = createSqlGuard();
 * await guard.check('SELECT * FROM notes WHERE id = $1'); // ok
 * await guard.check('SET ROLE postgres');                  // throws ISOLATION_STATEMENT_REFUSED
 */
export function createSqlGuard(options: SqlGuardOptions = {}) {
  const cacheSize = options.cacheSize ?? 10_000;
  const verdicts = new Map<string, Verdict>();
  let ready = false;

  function remember(text: string): Verdict {
    let verdict = verdicts.get(text);
    if (verdict === undefined) {
      verdict = judgeStatement(text);
      if (verdicts.size >= cacheSize) verdicts.delete(verdicts.keys().next().value as string);
      verdicts.set(text, verdict);
    }
    return verdict;
  }

  function checkNow(text: string): void {
    const verdict = remember(text);
    if (!verdict.ok) throw postgresErrors.create('ISOLATION_STATEMENT_REFUSED', { details: { reason: verdict.reason } });
  }

  return {
    /** True once the parser is loaded and checkNow() may be used. */
    get ready() {
      return ready;
    },
    /** Throws ISOLATION_STATEMENT_REFUSED unless `text` is safe to run in a tenant scope (loads the parser first). */
    async check(text: string): Promise<void> {
      if (!ready) {
        parserReady ??= loadModule();
        await parserReady;
        ready = true;
      }
      checkNow(text);
    },
    /** check() without the wait, for when `ready` is true. */
    checkNow,
  };
}

export type SqlGuard = ReturnType<typeof createSqlGuard>;
