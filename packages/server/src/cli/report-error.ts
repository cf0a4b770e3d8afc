// How a failed command reads on stderr: `error CODE: message`, then the details, a hint and the
// cause, one per indented line.
import { coreErrors, errorRegistries, isTenantryError } from 'tenantry';

function hintFor(code: string): string | undefined {
  for (const registry of errorRegistries()) {
    const spec = (registry.specs as Readonly<Record<string, { fix: string }>>)[code];
    if (spec) return spec.fix;
  }
  return undefined;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The CLI runs on the operator's own machine, so unlike an HTTP response it shows the cause
 * (a refused connection, a permission error): that is what the operator has to fix.
 *
 * @example io.err(formatError(err)); // "error TENANT_SLUG_TAKEN: Another tenant already uses this slug.\n  slug: acme\n…"
 */
export function formatError(err: unknown): string {
  const error = isTenantryError(err) ? err : coreErrors.create('INTERNAL', { cause: err });
  const lines = [`error ${error.code}: ${error.message}`];
  for (const [key, value] of Object.entries(error.details)) lines.push(`  ${key}: ${show(value)}`);
  const hint = hintFor(error.code);
  if (hint !== undefined) lines.push(`  hint: ${hint}`);
  const { cause } = error;
  if (cause !== undefined) lines.push(`  cause: ${cause instanceof Error ? cause.message : show(cause)}`);
  return `${lines.join('\n')}\n`;
}
