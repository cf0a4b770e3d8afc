// TenantryError and the registry builder every capability uses for its own error codes.

/**
 * The closed set of error kinds. Only the HTTP edge turns a kind into a status; nothing below
 * `http/` knows one.
 */
export const ERROR_KINDS = [
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'limited',
  'unavailable',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** One row of a capability's error registry: what the code means and how to fix it. */
export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** A sentence that never carries identifiers of another tenant. */
  readonly message: string;
  /** What the caller can do about it; `docs/errors.md` shows it beside the code. */
  readonly fix: string;
}

export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The one error type Tenantry throws. `code` is stable and never reused; `kind` is one of
 * {@link ERROR_KINDS}; `details` is safe to show to the caller; `cause` is kept for logs only.
 *
 * @example
 * try { await db.withTenant(id, work) }
 * catch (err) { if (isTenantryError(err, 'TENANT_SUSPENDED')) showBanner() }
 */
export class TenantryError<Code extends string = string> extends Error {
  override readonly name = 'TenantryError';
  readonly code: Code;
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(code: Code, spec: ErrorSpec, options: { details?: ErrorDetails; cause?: unknown; message?: string } = {}) {
    super(options.message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = spec.kind;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** A capability's registry: `errors.create('CODE', { details })` with the code union derived from the object. */
export interface ErrorRegistry<Codes extends string> {
  readonly capability: string;
  readonly specs: Readonly<Record<Codes, ErrorSpec>>;
  create(code: Codes, options?: { details?: ErrorDetails; cause?: unknown; message?: string }): TenantryError<Codes>;
}

const registries = new Map<string, ErrorRegistry<string>>();

/**
 * Declares the error codes of one capability. Codes are global: declaring one twice (in two
 * capabilities) throws at import time, so a code can never mean two things.
 *
 * @example
 * export const quotaErrors = defineErrors('quota', {
 *   QUOTA_EXCEEDED: { kind: 'limited', message: 'The quota is used up.', fix: 'Raise the plan limit.' },
 * });
 * throw quotaErrors.create('QUOTA_EXCEEDED', { details: { limit: 10 } });
 */
export function defineErrors<const Specs extends Record<string, ErrorSpec>>(
  capability: string,
  specs: Specs,
): ErrorRegistry<Extract<keyof Specs, string>> {
  if (registries.has(capability)) throw new Error(`error registry ${capability} is declared twice`);
  for (const code of Object.keys(specs)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) throw new Error(`error code ${code} is not UPPER_SNAKE`);
    for (const other of registries.values()) {
      if (other.capability !== capability && code in other.specs) {
        throw new Error(`error code ${code} is declared by both ${other.capability} and ${capability}`);
      }
    }
  }
  const registry: ErrorRegistry<Extract<keyof Specs, string>> = {
    capability,
    specs: Object.freeze({ ...specs }),
    create(code, options = {}) {
      return new TenantryError(code, specs[code] as ErrorSpec, options);
    },
  };
  registries.set(capability, registry);
  return registry;
}

/** Every registry declared so far (the docs sync test reads it). */
export function errorRegistries(): readonly ErrorRegistry<string>[] {
  return [...registries.values()];
}

/**
 * Narrows an unknown thrown value to a TenantryError, optionally of one code.
 *
 * @example
 * if (isTenantryError(err, 'TENANT_NOT_FOUND')) return undefined;
 */
export function isTenantryError<C extends string = string>(err: unknown, code?: C): err is TenantryError<C> {
  return err instanceof TenantryError && (code === undefined || err.code === code);
}

export const coreErrors = defineErrors('core', {
  INTERNAL: {
    kind: 'internal',
    message: 'An internal error occurred.',
    fix: 'Retry; if it persists, report it with the request id. The cause is in the server log.',
  },
  CONFIG_INVALID: {
    kind: 'invalid',
    message: 'The configuration is invalid.',
    fix: 'Read `details.path` and `details.reason` and correct that option.',
  },
  TENANT_ID_INVALID: {
    kind: 'invalid',
    message: 'The tenant id is not a valid UUID.',
    fix: 'Pass the tenant id as a canonical UUID string (the `id` Tenantry returned), not the slug.',
  },
  TENANT_CONTEXT_MISSING: {
    kind: 'invalid',
    message: 'No tenant is in context.',
    fix: 'Resolve the tenant first, or run the code inside `runWithTenant(...)`.',
  },
  TENANT_CONTEXT_CONFLICT: {
    kind: 'conflict',
    message: 'A different tenant is already in context.',
    fix: 'Do not nest work for one tenant inside another tenant\'s context; start it from a context-free scope.',
  },
  TENANT_NOT_FOUND: {
    kind: 'not_found',
    message: 'The tenant does not exist.',
    fix: 'Check the id or slug; a deleted tenant is not found either.',
  },
  TENANT_SUSPENDED: {
    kind: 'forbidden',
    message: 'The tenant is suspended.',
    fix: 'An operator must restore the tenant before its data can be used.',
  },
  // A conflict (409), not unavailable (503): nothing is failing, and retrying cannot help an
  // offboarding tenant, which will never accept work again; 503 told clients to retry.
  TENANT_NOT_ACTIVE: {
    kind: 'conflict',
    message: 'The tenant is not active (still provisioning or being offboarded).',
    fix: 'Do not retry: an offboarding tenant accepts no more work (an operator can tell you its status). A tenant still provisioning becomes active once its onboarding call returns.',
  },
});
