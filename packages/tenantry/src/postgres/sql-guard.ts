// The SQL guard: every statement sent through a tenant scope or transaction is parsed with
// PostgreSQL's own parser (libpg-query) and refused when it could weaken isolation. The
// tenant setting is context, not authentication (ISOLATION.md rule 10): any SQL the app role
// runs could change it, so SQL that changes roles or settings never reaches the server.
import { loadModule, parseSync } from 'libpg-query';
import { postgresErrors } from './errors.js';

/** Why a statement was refused; `details.reason` of ISOLATION_STATEMENT_REFUSED. */
export type RefusalReason =
  | 'unparsable'
  | 'multiple_statements'
  | 'role_change'
  | 'tenant_setting'
  | 'session_setting'
  | 'transaction_control'
  | 'row_security_ddl'
  | 'copy_program'
  | 'do_block'
  | 'internal_table'
  | 'prepared_statement_control';

type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: RefusalReason };
const OK: Verdict = Object.freeze({ ok: true });

// Settings that decide whose rows a statement sees, or which objects a name resolves to.
const GUARDED_SETTINGS = /^(role|session_authorization|search_path|row_security|app\..*|tenantry\..*)$/i;
// Tenantry's own schema: the registry, keys, audit chain. Tenant code never touches it directly.
const INTERNAL_SCHEMA = 'tenantry';

function refuse(reason: RefusalReason): Verdict {
  return { ok: false, reason };
}

function funcName(node: { funcname?: { String?: { sval?: string } }[] }): { schema?: string; name: string } {
  const parts = (node.funcname ?? []).map((p) => p.String?.sval ?? '');
  return parts.length > 1 ? { schema: parts[0] as string, name: parts[parts.length - 1] as string } : { name: parts[0] ?? '' };
}

/** Judges one node (the walk visits every node of the tree: subqueries and CTEs included). */
function judgeNode(type: string, node: Record<string, unknown>): Verdict {
  switch (type) {
    case 'VariableSetStmt': {
      const name = typeof node.name === 'string' ? node.name : '';
      if (node.kind === 'VAR_RESET_ALL' || GUARDED_SETTINGS.test(name)) return refuse(name.toLowerCase().startsWith('app.') ? 'tenant_setting' : 'role_change');
      // A session-level SET survives COMMIT and reaches the next tenant on this connection.
      return node.is_local === true ? OK : refuse('session_setting');
    }
    case 'FuncCall': {
      const { schema, name } = funcName(node);
      if (name.toLowerCase() === 'set_config') return refuse('tenant_setting');
      if (schema?.toLowerCase() === INTERNAL_SCHEMA) return refuse('internal_table');
      return OK;
    }
    case 'TransactionStmt':
      return refuse('transaction_control');
    case 'AlterTableStmt': {
      const cmds = (node.cmds ?? []) as { AlterTableCmd?: { subtype?: string } }[];
      const rlsOff = cmds.some((c) => ['AT_DisableRowSecurity', 'AT_NoForceRowSecurity', 'AT_EnableRowSecurity', 'AT_ForceRowSecurity'].includes(c.AlterTableCmd?.subtype ?? ''));
      return rlsOff ? refuse('row_security_ddl') : OK;
    }
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return refuse('row_security_ddl');
    case 'DropStmt':
      return node.removeType === 'OBJECT_POLICY' ? refuse('row_security_ddl') : OK;
    case 'CopyStmt':
      return node.is_program === true ? refuse('copy_program') : OK;
    case 'DoStmt':
      return refuse('do_block');
    case 'RangeVar':
      return typeof node.schemaname === 'string' && node.schemaname.toLowerCase() === INTERNAL_SCHEMA ? refuse('internal_table') : OK;
    case 'VariableShowStmt':
      return OK;
    case 'PrepareStmt':
    case 'ExecuteStmt':
    case 'DeallocateStmt':
    case 'DiscardStmt':
      // They act on the connection's prepared statements, which the driver manages.
      return refuse('prepared_statement_control');
    default:
      return OK;
  }
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
  let tree: { stmts?: unknown[] };
  try {
    tree = parseSync(text) as { stmts?: unknown[] };
  } catch {
    // libpg-query is PostgreSQL's own parser: what it cannot parse, the server would reject.
    return refuse('unparsable');
  }
  if ((tree.stmts?.length ?? 0) > 1) return refuse('multiple_statements');
  return walk(tree.stmts ?? []);
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
