// How a failed command reads on stderr: `error CODE: message`, then the details, a hint and the
// cause, one per indented line; or, with --json, the same as one JSON object. And which exit
// code a failure gets (docs/cli.md).
import { coreErrors, errorRegistries, isTenantryError, type TenantryError } from 'tenantry';

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

// A value given on the command line that the library judged malformed: a usage error (exit 2),
// like a malformed option commander catches. Other errors of kind `invalid` are about the
// environment, its files or the data (CONFIG_INVALID, ISOLATION_FINDINGS …) and exit 1.
const ARGUMENT_CODES = new Set([
  'TENANT_SLUG_INVALID', 'TENANT_SLUG_RESERVED', 'TENANT_FIELD_INVALID', 'TENANT_ID_INVALID', 'CONTROL_FIELD_INVALID',
  'QUOTA_PLAN_INVALID', 'BILLING_PERIOD_INVALID', 'AUDIT_KEY_INVALID',
]);

/**
 * 2 for a malformed argument (checked before anything changed), 1 for every other failure.
 *
 * @example process.exitCode = exitCodeFor(err);
 */
export function exitCodeFor(err: unknown): number {
  return isTenantryError(err) && ARGUMENT_CODES.has(err.code) ? EXIT_USAGE : EXIT_ERROR;
}

function registryFix(code: string): string | undefined {
  for (const registry of errorRegistries()) {
    const spec = (registry.specs as Readonly<Record<string, { fix: string }>>)[code];
    if (spec) return spec.fix;
  }
  return undefined;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const LIFECYCLE_COMMANDS: Readonly<Record<string, string>> = {
  suspend: 'tenantry tenants suspend', restore: 'tenantry tenants restore', offboard: 'tenantry tenants offboard', delete: 'tenantry tenants delete --yes',
};

/** What the operator at a terminal should do: the registry's fix, made concrete where the CLI knows how. */
function hintFor(error: TenantryError): string | undefined {
  const d = error.details;
  switch (error.code) {
    case 'CONFIG_INVALID':
      if (typeof d.path === 'string' && /^[A-Z][A-Z0-9_]*$/.test(d.path)) return `Set ${d.path} to a valid value${typeof d.reason === 'string' ? ` (${d.reason})` : ''}, or unset it for the default; \`tenantry --help\` lists the variables.`;
      return typeof d.reason === 'string' ? `Correct ${show(d.path ?? 'the configuration')}: ${d.reason}.` : undefined;
    case 'TENANT_FIELD_INVALID':
    case 'CONTROL_FIELD_INVALID':
      return typeof d.field === 'string' ? `Change --${d.field === 'displayName' ? 'name' : d.field}: it ${show(d.reason ?? 'is not valid')}.` : undefined;
    case 'TENANT_INVALID_TRANSITION': {
      const allowed = Array.isArray(d.allowed) ? (d.allowed as string[]).flatMap((event) => (LIFECYCLE_COMMANDS[event] ? [`\`${LIFECYCLE_COMMANDS[event]} <tenant>\``] : [])) : [];
      if (allowed.length === 0) return `The tenant is ${show(d.from)}: no lifecycle command applies to it now.`;
      return `The tenant is ${show(d.from)}; from there: ${allowed.join(', or ')}.`;
    }
    case 'TENANT_NOT_FOUND':
      return 'Check the slug or id with `tenantry tenants list` (add --deleted for deleted tenants, which only their id still names).';
    case 'OPERATOR_NOT_FOUND':
      return 'Check the email or id with `tenantry operators list`.';
    case 'OPERATOR_TOKEN_NOT_FOUND':
      return 'Check the token id with `tenantry operators list --tokens`.';
    case 'QUOTA_PLAN_INVALID':
      return `Use a plan of the catalog (TENANTRY_PLANS_FILE, or the built-in free, pro, enterprise) instead of ${show(d.plan)}.`;
    case 'DATABASE_UNAVAILABLE':
      return 'Check that PostgreSQL is running and that DATABASE_URL names its host and port; unset DATABASE_URL to use the embedded one.';
    case 'DATABASE_LOGIN_REFUSED':
      return 'Correct the user name and password in DATABASE_URL (percent-encode special characters), or unset DATABASE_URL to use the embedded PostgreSQL.';
    case 'DATABASE_ERROR':
      return `PostgreSQL refused it with SQLSTATE ${show(d.sqlstate)} (see https://www.postgresql.org/docs/current/errcodes-appendix.html); the cause line says why.`;
    default:
      return registryFix(error.code);
  }
}

function asTenantryError(err: unknown): TenantryError {
  return isTenantryError(err) ? err : coreErrors.create('INTERNAL', { cause: err });
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? cause.message : show(cause);
}

/**
 * The CLI runs on the operator's own machine, so unlike an HTTP response it shows the cause
 * (a refused connection, a permission error): that is what the operator has to fix.
 *
 * @example io.err(formatError(err)); // "error TENANT_SLUG_TAKEN: Another tenant already uses this slug.\n  slug: acme\n…"
 */
export function formatError(err: unknown): string {
  const error = asTenantryError(err);
  const lines = [`error ${error.code}: ${error.message}`];
  for (const [key, value] of Object.entries(error.details)) lines.push(`  ${key}: ${show(value)}`);
  const hint = hintFor(error);
  if (hint !== undefined) lines.push(`  hint: ${hint}`);
  const cause = causeText(error.cause);
  if (cause !== undefined) lines.push(`  cause: ${cause}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The --json form of a failure: `{ error: { code, kind, message, details, hint?, cause? }, exitCode }`.
 *
 * @example io.err(formatErrorJson(err));
 */
export function formatErrorJson(err: unknown): string {
  const error = asTenantryError(err);
  const hint = hintFor(error);
  const cause = causeText(error.cause);
  const body = {
    code: error.code, kind: error.kind, message: error.message, details: error.details,
    ...(hint === undefined ? {} : { hint }), ...(cause === undefined ? {} : { cause }),
  };
  return `${JSON.stringify({ error: body, exitCode: exitCodeFor(err) })}\n`;
}

/**
 * A usage error (from the argument parser) as --json: no Tenantry code, `kind: "usage"`.
 *
 * @example io.err(formatUsageErrorJson('error: missing required argument'));
 */
export function formatUsageErrorJson(message: string): string {
  return `${JSON.stringify({ error: { kind: 'usage', message: message.trim().replace(/^error: /, '') }, exitCode: EXIT_USAGE })}\n`;
}
