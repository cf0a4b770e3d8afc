// Quoting for the few places SQL must name something it cannot bind as a parameter (a role in
// SET ROLE, a database in CREATE DATABASE, a password in ALTER ROLE). Our own, so the modules
// that need it do not import a driver: `pg` is an optional peer. The output is the same as
// pg's escapeIdentifier / escapeLiteral, which quote.test.ts checks character by character.

/**
 * `name` as a quoted identifier: wrapped in double quotes, each `"` doubled. Case and every
 * other character are kept as they are.
 *
 * @example quoteIdentifier('tenantry_app') // "tenantry_app"
 * @example quoteIdentifier('a"b') // "a""b"
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * `value` as a string literal: wrapped in single quotes, each `'` doubled. A value with a
 * backslash becomes an escape string (` E'…'`, leading space included, as pg writes it) with
 * each backslash doubled, so it means the same whatever `standard_conforming_strings` says.
 *
 * @example quoteLiteral("it's") // 'it''s'
 * @example quoteLiteral('a\\b') //  E'a\\b'
 */
export function quoteLiteral(value: string): string {
  const quoted = `'${value.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`;
  return value.includes('\\') ? ` E${quoted}` : quoted;
}
