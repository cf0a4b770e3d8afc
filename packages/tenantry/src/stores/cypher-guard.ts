// The Cypher guard: every query is parsed with the openCypher ANTLR grammar Neo4j publishes
// (npm `@neo4j-cypher/antlr4`, a real parser, not a pattern match on text) and then either refused
// or returned with every node pattern bound to the tenant (`tenant_id: $tenant`). What it refuses:
// procedure calls (CALL, APOC and every other namespaced procedure), user-defined functions outside
// the temporal/spatial namespaces, LOAD CSV, schema and admin commands, more than one statement,
// `tenant_id` compared with anything but `$tenant`, and writes that could change a node's
// `tenant_id` (SET n.tenant_id, SET n = <not a literal map with tenant_id: $tenant>, SET n += <not a
// literal map>, REMOVE n.tenant_id). What it rewrites (when `rewrite` is on): a node pattern with
// no `tenant_id` gets `tenant_id: $tenant` added; a relationship created by CREATE or MERGE gets it
// too. A pattern it cannot bind unambiguously (properties given as a parameter map, a variable
// re-aliased with AS) is refused.
import { createRequire } from 'node:module';
import { storesErrors } from './errors.js';

interface Token {
  readonly start: number;
  readonly stop: number;
  readonly text: string;
}
interface ParseNode {
  readonly ruleIndex?: number;
  readonly children?: ParseNode[] | null;
  readonly parentCtx?: ParseNode | null;
  readonly start?: Token;
  readonly stop?: Token;
  readonly symbol?: Token;
  getText(): string;
}
interface ErrorListener {
  syntaxError(recognizer: unknown, symbol: unknown, line: number, column: number, message: string): void;
  reportAmbiguity(): void;
  reportAttemptingFullContext(): void;
  reportContextSensitivity(): void;
}
interface Recognizer {
  removeErrorListeners(): void;
  addErrorListener(listener: ErrorListener): void;
}
interface CypherParserInstance extends Recognizer {
  readonly ruleNames: readonly string[];
  cypher(): ParseNode;
}
interface Antlr {
  InputStream: new (text: string) => unknown;
  CommonTokenStream: new (lexer: unknown) => unknown;
}
interface CypherGrammar {
  CypherLexer: new (input: unknown) => Recognizer;
  CypherParser: new (tokens: unknown) => CypherParserInstance;
}

// The package's ES build has extensionless imports Node's ESM loader rejects; its CommonJS build
// loads everywhere, so it is required (lazily: only applications that guard Cypher pay for it).
const require = createRequire(import.meta.url);
let grammar: { antlr: Antlr; cypher: CypherGrammar } | undefined;
function loadGrammar(): { antlr: Antlr; cypher: CypherGrammar } {
  if (grammar === undefined) {
    const antlrModule = require('@neo4j-cypher/antlr4-browser') as { default?: Antlr } & Antlr;
    grammar = { antlr: antlrModule.default ?? antlrModule, cypher: require('@neo4j-cypher/antlr4') as CypherGrammar };
  }
  return grammar;
}

/** What the guard returns: the query to run (with `$tenant` wherever it bound a pattern). */
export interface GuardedCypher {
  readonly query: string;
  /** True when the guard added a tenant binding the caller had not written. */
  readonly rewritten: boolean;
}

export interface CypherGuardOptions {
  /** Add `tenant_id: $tenant` to patterns that lack it (default true); false refuses them instead. */
  readonly rewrite?: boolean;
}

/** The tenant property every guarded node and created relationship carries. */
export const TENANT_PROPERTY = 'tenant_id';
/** The parameter the guard binds it to; callers never pass it (the session wrapper does). */
export const TENANT_PARAMETER = 'tenant';

const TENANT_VALUE = `$${TENANT_PARAMETER}`;
const REFUSED_RULES = new Set([
  'call',
  'procedureInvocation',
  'loadCSVClause',
  'loadCSVQuery',
  'periodicCommitHint',
  'command',
  'systemCommand',
  'multidatabaseCommand',
  'userCommand',
  'privilegeCommand',
  'startClause',
  'bulkImportQuery',
  'cypherConsoleCommand',
  'legacyParameter',
]);
/** Namespaces of built-in functions; every other namespaced function is user-defined (APOC …). */
const ALLOWED_FUNCTION_NAMESPACES = new Set(['date', 'datetime', 'localdatetime', 'localtime', 'time', 'duration', 'point']);

function refuse(code: 'CYPHER_SYNTAX' | 'CYPHER_PROCEDURE_REFUSED' | 'CYPHER_PATTERN_UNBOUND' | 'CYPHER_TENANT_PARAMETER', details: Record<string, unknown>): never {
  throw storesErrors.create(code, { details });
}

class Tree {
  constructor(private readonly ruleNames: readonly string[]) {}
  rule(node: ParseNode): string | undefined {
    return node.ruleIndex === undefined ? undefined : this.ruleNames[node.ruleIndex];
  }
  /** Every rule node in document order. */
  *walk(node: ParseNode): Iterable<ParseNode> {
    if (node.ruleIndex !== undefined) yield node;
    for (const child of node.children ?? []) yield* this.walk(child);
  }
  child(node: ParseNode, rule: string): ParseNode | undefined {
    return (node.children ?? []).find((c) => this.rule(c) === rule);
  }
  first(node: ParseNode, rule: string): ParseNode | undefined {
    for (const n of this.walk(node)) if (n !== node && this.rule(n) === rule) return n;
    return undefined;
  }
  hasAncestor(node: ParseNode, rules: ReadonlySet<string>): boolean {
    for (let p = node.parentCtx; p; p = p.parentCtx) if (rules.has(this.rule(p) ?? '')) return true;
    return false;
  }
  terminals(node: ParseNode): string[] {
    return (node.children ?? []).filter((c) => c.symbol !== undefined).map((c) => c.getText());
  }
}

function parse(query: string): { root: ParseNode; tree: Tree } {
  const { antlr, cypher } = loadGrammar();
  const lexer = new cypher.CypherLexer(new antlr.InputStream(query));
  const parser = new cypher.CypherParser(new antlr.CommonTokenStream(lexer));
  const errors: string[] = [];
  const listener: ErrorListener = {
    syntaxError: (_r, _s, line, column, message) => errors.push(`${line}:${column} ${message}`),
    reportAmbiguity() {},
    reportAttemptingFullContext() {},
    reportContextSensitivity() {},
  };
  for (const recognizer of [lexer, parser]) {
    recognizer.removeErrorListeners();
    recognizer.addErrorListener(listener);
  }
  const root = parser.cypher();
  if (errors.length > 0) refuse('CYPHER_SYNTAX', { error: errors[0] });
  return { root, tree: new Tree(parser.ruleNames) };
}

/** `tenant_id: <value>` inside a map literal: 'bound', 'absent', or refused when it is not `$tenant`. */
function tenantEntry(tree: Tree, map: ParseNode, pattern: string): 'bound' | 'absent' {
  for (const entry of map.children ?? []) {
    if (tree.rule(entry) !== 'literalEntry') continue;
    const key = tree.child(entry, 'propertyKeyName')?.getText();
    if (key !== TENANT_PROPERTY) continue;
    const value = tree.child(entry, 'expression')?.getText();
    if (value !== TENANT_VALUE) refuse('CYPHER_TENANT_PARAMETER', { pattern });
    return 'bound';
  }
  return 'absent';
}

interface Insertion {
  readonly at: number;
  readonly text: string;
}

/** Inserts the tenant entry into a pattern's `{…}`, or adds one before its closing bracket. */
function bindProperties(tree: Tree, owner: ParseNode, closing: number, pattern: string, insertions: Insertion[]): 'bound' | 'inserted' {
  const properties = tree.child(owner, 'properties');
  if (properties === undefined) {
    insertions.push({ at: closing, text: ` {${TENANT_PROPERTY}: ${TENANT_VALUE}}` });
    return 'inserted';
  }
  const map = tree.child(properties, 'mapLiteral');
  if (map === undefined) refuse('CYPHER_PATTERN_UNBOUND', { pattern, reason: 'properties given as a parameter map' });
  if (tenantEntry(tree, map, pattern) === 'bound') return 'bound';
  const hasEntries = (map.children ?? []).some((c) => tree.rule(c) === 'literalEntry');
  insertions.push({ at: (map.start as Token).start + 1, text: `${TENANT_PROPERTY}: ${TENANT_VALUE}${hasEntries ? ', ' : ''}` });
  return 'inserted';
}

const WRITING_CLAUSES = new Set(['createClause', 'mergeClause', 'createUniqueClause']);

/**
 * Checks (and where unambiguous, rewrites) one Cypher query for the tenant in `$tenant`.
 * Throws `CYPHER_SYNTAX`, `CYPHER_PROCEDURE_REFUSED`, `CYPHER_PATTERN_UNBOUND` or
 * `CYPHER_TENANT_PARAMETER`.
 *
 * @example
 * guardCypher('MATCH (d:Doc) RETURN d').query // 'MATCH (d:Doc {tenant_id: $tenant}) RETURN d'
 */
export function guardCypher(query: string, options: CypherGuardOptions = {}): GuardedCypher {
  const rewrite = options.rewrite ?? true;
  const { root, tree } = parse(query);
  const nodes = [...tree.walk(root)];
  if (nodes.filter((n) => tree.rule(n) === 'cypherPart').length !== 1 || !nodes.some((n) => tree.rule(n) === 'cypherQuery')) {
    refuse('CYPHER_SYNTAX', { error: 'exactly one query per call' });
  }

  // Variables given a new meaning by AS (or by a list iteration): a bare `(v)` naming one of them
  // is not known to be a tenant-bound node.
  const realiased = new Set<string>();
  for (const node of nodes) {
    const rule = tree.rule(node);
    if (rule === 'returnItem' || rule === 'unwindClause' || rule === 'idInColl' || rule === 'reduceFunction') {
      const variable = tree.child(node, 'variable');
      if (variable !== undefined) realiased.add(variable.getText());
    }
  }

  const insertions: Insertion[] = [];
  const bound = new Set<string>();
  for (const node of nodes) {
    const rule = tree.rule(node) as string;
    const text = node.getText();
    if (REFUSED_RULES.has(rule)) refuse('CYPHER_PROCEDURE_REFUSED', { clause: rule });
    if (rule === 'functionInvocation') {
      const name = tree.child(node, 'functionName')?.getText() ?? '';
      const dot = name.lastIndexOf('.');
      if (dot >= 0 && !ALLOWED_FUNCTION_NAMESPACES.has(name.slice(0, dot).toLowerCase().replace(/`/g, ''))) refuse('CYPHER_PROCEDURE_REFUSED', { function: name });
    } else if (rule === 'nodePattern') {
      const variable = tree.child(node, 'variable')?.getText();
      const hasProperties = tree.child(node, 'properties') !== undefined;
      if (!hasProperties && variable !== undefined && bound.has(variable) && !realiased.has(variable)) continue; // a reference
      if (!hasProperties && variable !== undefined && realiased.has(variable)) refuse('CYPHER_PATTERN_UNBOUND', { pattern: text, reason: 'variable re-aliased with AS' });
      const result = bindProperties(tree, node, (node.stop as Token).start, text, insertions);
      if (result === 'inserted' && !rewrite) refuse('CYPHER_PATTERN_UNBOUND', { pattern: text });
      if (variable !== undefined) bound.add(variable);
    } else if (rule === 'relationshipDetail') {
      const properties = tree.child(node, 'properties');
      const map = properties === undefined ? undefined : tree.child(properties, 'mapLiteral');
      if (tree.hasAncestor(node, WRITING_CLAUSES)) {
        const result = bindProperties(tree, node, (node.stop as Token).start, text, insertions);
        if (result === 'inserted' && !rewrite) refuse('CYPHER_PATTERN_UNBOUND', { pattern: text });
      } else if (map !== undefined) {
        tenantEntry(tree, map, text);
      }
    } else if (rule === 'relationshipPattern' && tree.hasAncestor(node, WRITING_CLAUSES) && tree.child(node, 'relationshipDetail') === undefined) {
      refuse('CYPHER_PATTERN_UNBOUND', { pattern: text, reason: 'a created relationship needs [:TYPE]' });
    } else if (rule === 'setItem') {
      checkSetItem(tree, node, text);
    } else if (rule === 'removeItem') {
      if (tree.child(node, 'propertyExpression') !== undefined && lastPropertyKey(tree, node) === TENANT_PROPERTY) refuse('CYPHER_TENANT_PARAMETER', { pattern: text });
    }
  }

  let out = query;
  for (const insertion of [...insertions].sort((a, b) => b.at - a.at)) out = out.slice(0, insertion.at) + insertion.text + out.slice(insertion.at);
  return { query: out, rewritten: insertions.length > 0 };
}

function lastPropertyKey(tree: Tree, node: ParseNode): string | undefined {
  let last: string | undefined;
  for (const n of tree.walk(node)) if (tree.rule(n) === 'propertyKeyName') last = n.getText();
  return last;
}

function checkSetItem(tree: Tree, node: ParseNode, text: string): void {
  if (tree.child(node, 'propertyExpression') !== undefined) {
    if (lastPropertyKey(tree, tree.child(node, 'propertyExpression') as ParseNode) === TENANT_PROPERTY) refuse('CYPHER_TENANT_PARAMETER', { pattern: text });
    return;
  }
  const expression = tree.child(node, 'expression');
  if (expression === undefined) return; // SET n:Label
  const operator = tree.terminals(node).find((t) => t === '=' || t === '+=');
  const map = tree.first(expression, 'mapLiteral');
  const isLiteralMap = map !== undefined && map.getText() === expression.getText();
  if (!isLiteralMap) refuse('CYPHER_TENANT_PARAMETER', { pattern: text, reason: 'SET of a whole node from a non-literal map' });
  const entry = tenantEntry(tree, map, text);
  if (operator === '=' && entry !== 'bound') refuse('CYPHER_TENANT_PARAMETER', { pattern: text, reason: 'SET n = {…} must keep tenant_id: $tenant' });
}

/**
 * A bounded cache of guard results by query text: applications run a few query shapes many
 * times with different parameters, so each shape is parsed once.
 */
export function createCypherGuard(options: CypherGuardOptions & { readonly cacheSize?: number } = {}): (query: string) => GuardedCypher {
  const size = options.cacheSize ?? 500;
  const cache = new Map<string, GuardedCypher>();
  return (query) => {
    const hit = cache.get(query);
    if (hit !== undefined) return hit;
    const guarded = guardCypher(query, options);
    if (cache.size >= size) cache.delete(cache.keys().next().value as string);
    cache.set(query, guarded);
    return guarded;
  };
}
