// The server's configuration: the only place in the project that reads process.env. One TypeBox
// schema gives the types, the defaults and the validation; errors name the variable at fault.
import { resolve } from 'node:path';
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { coreErrors, isTenantryError } from 'tenantry';
import { checkAlertRules, type AlertRule } from 'tenantry/health';
import { DEFAULT_ROUTE_DEADLINES } from './http/request-deadline.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

FormatRegistry.Set('postgres-url', (value) => {
  try {
    const { protocol } = new URL(value);
    return protocol === 'postgres:' || protocol === 'postgresql:';
  } catch {
    return false;
  }
});

FormatRegistry.Set('redis-url', (value) => {
  try {
    const { protocol } = new URL(value);
    return protocol === 'redis:' || protocol === 'rediss:';
  } catch {
    return false;
  }
});

export const RATE_LIMIT_ON_UNAVAILABLE = ['open', 'closed', 'local'] as const;

/**
 * `env`: the variable an option is read from (options without one are set in code only).
 * `reason`: what the error says, instead of TypeBox's generic wording.
 * `secret`: the value is never echoed in an error (URLs carry passwords).
 */
interface Annotations {
  readonly env?: string;
  readonly reason: string;
  readonly secret?: boolean;
}
const annotate = (a: Annotations) => a;

const ServerConfigSchema = Type.Object(
  {
    /** Admin (superuser or CREATEROLE) URL, used for migrations only; absent → embedded PostgreSQL. */
    databaseUrl: Type.Optional(
      Type.String({ format: 'postgres-url', ...annotate({ env: 'DATABASE_URL', reason: 'must be a postgres:// or postgresql:// URL', secret: true }) }),
    ),
    /**
     * Where local state lives; the embedded PostgreSQL cluster goes under `<dataDir>/postgres`.
     * Unset: `./.tenantry`, or — as root, where the `postgres` account cannot enter it — a
     * root-owned directory under /var/lib/tenantry/clusters (the startup log names it).
     */
    dataDir: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_DATA_DIR', reason: 'must be a directory path' }) })),
    /** Set on the app login role by migrate (external PostgreSQL only; embedded generates its own). */
    appPassword: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_APP_PASSWORD', reason: 'must not be empty', secret: true }) })),
    operatorPassword: Type.Optional(
      Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_OPERATOR_PASSWORD', reason: 'must not be empty', secret: true }) }),
    ),
    /**
     * `auto`: the app pool prepares statements once per connection (also right through
     * PgBouncer ≥ 1.21 with max_prepared_statements). `off`: no named statement at all — for a
     * DATABASE_URL that goes through a pooler in transaction mode that does not track them
     * (PgBouncer < 1.21). See docs/isolation.md.
     */
    preparedStatements: Type.Union([Type.Literal('auto'), Type.Literal('off')], {
      default: 'auto',
      ...annotate({ env: 'TENANTRY_PREPARED_STATEMENTS', reason: 'must be one of auto, off' }),
    }),
    /** 0 asks the OS for a free port (tests). */
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, ...annotate({ env: 'PORT', reason: 'must be an integer from 0 to 65535' }) }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', ...annotate({ env: 'HOST', reason: 'must be a host name or IP address' }) }),
    logLevel: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      { default: 'info', ...annotate({ env: 'LOG_LEVEL', reason: `must be one of ${LOG_LEVELS.join(', ')}` }) },
    ),
    /** Tenant principals' JWTs (docs/api.md): all three of issuer, audience and one key source, or none. */
    jwtIssuer: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_JWT_ISSUER', reason: 'must not be empty' }) })),
    jwtAudience: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_JWT_AUDIENCE', reason: 'must not be empty' }) })),
    /** HS256 shared secret; at least 32 characters so it cannot be brute-forced offline. */
    jwtSecret: Type.Optional(Type.String({ minLength: 32, ...annotate({ env: 'TENANTRY_JWT_SECRET', reason: 'must be at least 32 characters', secret: true }) })),
    jwtJwksUrl: Type.Optional(Type.String({ pattern: '^https?://', ...annotate({ env: 'TENANTRY_JWT_JWKS_URL', reason: 'must be an http:// or https:// URL' }) })),
    /**
     * Single sign-on (docs/sso.md): the server's public URL (the `iss` and `aud` of the tokens it
     * issues, the base of its SSO callback) and the master key (32 bytes, base64) that wraps its
     * token signing keys and encrypts tenants' client secrets. Both or neither.
     */
    ssoPublicUrl: Type.Optional(Type.String({ pattern: '^https?://', ...annotate({ env: 'TENANTRY_PUBLIC_URL', reason: 'must be an http:// or https:// URL' }) })),
    ssoMasterKey: Type.Optional(Type.String({ minLength: 40, ...annotate({ env: 'TENANTRY_SSO_MASTER_KEY', reason: 'must be 32 bytes, base64', secret: true }) })),
    /** The plan catalog as JSON (docs/quotas.md); absent → the built-in free / pro / enterprise plans. */
    plansFile: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_PLANS_FILE', reason: 'must be a file path' }) })),
    /** Where usage alerts are POSTed, signed with the secret below (both or neither). */
    usageWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://', ...annotate({ env: 'TENANTRY_USAGE_WEBHOOK_URL', reason: 'must be an http:// or https:// URL' }) })),
    usageWebhookSecret: Type.Optional(Type.String({ minLength: 32, ...annotate({ env: 'TENANTRY_USAGE_WEBHOOK_SECRET', reason: 'must be at least 32 characters', secret: true }) })),
    /** Billing (docs/billing.md): who issues invoices, the tax rate, the grace period, what past due does. */
    billingIssuer: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$', default: 'INV', ...annotate({ env: 'TENANTRY_BILLING_ISSUER', reason: 'must be 1–32 letters, digits, "_" or "-"' }) }),
    billingTaxRatePpm: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, ...annotate({ env: 'TENANTRY_BILLING_TAX_RATE_PPM', reason: 'must be an integer from 0 to 1000000 (parts per million)' }) }),
    billingGraceDays: Type.Integer({ minimum: 0, maximum: 365, default: 14, ...annotate({ env: 'TENANTRY_BILLING_GRACE_DAYS', reason: 'must be an integer from 0 to 365' }) }),
    billingDegradeTo: Type.Union([Type.Literal('read_only'), Type.Literal('suspended')], { default: 'read_only', ...annotate({ env: 'TENANTRY_BILLING_DEGRADE_TO', reason: 'must be read_only or suspended' }) }),
    /** How often the billing scheduler settles due trials and grace periods and closes ended periods (docs/billing.md). */
    billingTickSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, ...annotate({ env: 'TENANTRY_BILLING_TICK_SECONDS', reason: 'must be an integer from 1 to 86400' }) }),
    /** Stripe as the payment provider (both or neither): the API key, and the webhook endpoint's signing secret. */
    stripeSecretKey: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_STRIPE_SECRET_KEY', reason: 'must not be empty', secret: true }) })),
    stripeWebhookSecret: Type.Optional(Type.String({ minLength: 1, ...annotate({ env: 'TENANTRY_STRIPE_WEBHOOK_SECRET', reason: 'must not be empty', secret: true }) })),
    /** Where the Stripe SDK sends its calls, when not to Stripe itself (a Stripe-compatible test server). */
    stripeApiUrl: Type.Optional(Type.String({ pattern: '^https?://', ...annotate({ env: 'TENANTRY_STRIPE_API_URL', reason: 'must be an http:// or https:// URL' }) })),
    /** Redis for rate limits and the change feed of cached settings; absent → in-process (one server only). */
    redisUrl: Type.Optional(
      Type.String({ format: 'redis-url', ...annotate({ env: 'REDIS_URL', reason: 'must be a redis:// or rediss:// URL', secret: true }) }),
    ),
    /** Per tenant on /v1/tenant routes: the average rate and how many requests may come at once. */
    rateLimitPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600, ...annotate({ env: 'RATE_LIMIT_PER_MINUTE', reason: 'must be an integer from 1 to 1000000' }) }),
    rateLimitBurst: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100, ...annotate({ env: 'RATE_LIMIT_BURST', reason: 'must be an integer from 1 to 1000000' }) }),
    /** Per API key within its tenant. */
    rateLimitApiKeyPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 300, ...annotate({ env: 'RATE_LIMIT_API_KEY_PER_MINUTE', reason: 'must be an integer from 1 to 1000000' }) }),
    rateLimitApiKeyBurst: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 50, ...annotate({ env: 'RATE_LIMIT_API_KEY_BURST', reason: 'must be an integer from 1 to 1000000' }) }),
    /** When Redis cannot be reached: allow (open), refuse with 503 (closed), or limit per server (local). */
    rateLimitOnUnavailable: Type.Union(
      RATE_LIMIT_ON_UNAVAILABLE.map((mode) => Type.Literal(mode)),
      { default: 'local', ...annotate({ env: 'RATE_LIMIT_ON_UNAVAILABLE', reason: `must be one of ${RATE_LIMIT_ON_UNAVAILABLE.join(', ')}` }) },
    ),
    /** How far back per-tenant health looks (docs/health-and-analytics.md). */
    healthWindowMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 15, ...annotate({ env: 'TENANTRY_HEALTH_WINDOW_MINUTES', reason: 'must be an integer from 1 to 1440' }) }),
    /** Where alert openings and resolutions are POSTed; with the secret, or neither. */
    alertWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://', ...annotate({ env: 'TENANTRY_ALERT_WEBHOOK_URL', reason: 'must be an http:// or https:// URL' }) })),
    /** JSON array of alert rules ({ name, metric, threshold, minRequests?, plans?, tenantIds? }); default: the server's two rules. */
    alertRules: Type.Optional(Type.String({ minLength: 2, ...annotate({ env: 'TENANTRY_ALERT_RULES', reason: 'must be a JSON array of alert rules' }) })),
    alertWebhookSecret: Type.Optional(Type.String({ minLength: 16, ...annotate({ env: 'TENANTRY_ALERT_WEBHOOK_SECRET', reason: 'must be at least 16 characters', secret: true }) })),
    /**
     * Per-tenant Prometheus metrics and GET /metrics: `off` (nothing collected), `operator` (served
     * to a bearer operator token) or `open` (served to anyone: only on a private network).
     */
    metrics: Type.Union([Type.Literal('off'), Type.Literal('operator'), Type.Literal('open')], {
      default: 'off',
      ...annotate({ env: 'TENANTRY_METRICS', reason: 'must be one of off, operator, open' }),
    }),
    /** N: tenants with a tenant label value of their own in metrics; the rest are `other`. */
    metricsTopTenants: Type.Integer({ minimum: 0, maximum: 1000, default: 20, ...annotate({ env: 'TENANTRY_METRICS_TOP_TENANTS', reason: 'must be an integer from 0 to 1000' }) }),
    /**
     * Spans through @opentelemetry/api's global tracer provider (register an SDK yourself):
     * `off`; `parent` (parent-based: only requests that arrive with a sampled W3C `traceparent`
     * get a server span and database spans — nothing for the rest); `on` (every request).
     */
    tracing: Type.Union([Type.Literal('off'), Type.Literal('parent'), Type.Literal('on')], {
      default: 'parent',
      ...annotate({ env: 'TENANTRY_TRACING', reason: 'must be one of off, parent, on' }),
    }),
    /** Connections of the app-role pool (tenant data) and of the operator-role pool (registries, audit, analytics). */
    appPoolSize: Type.Integer({ minimum: 1, maximum: 1000, default: 10, ...annotate({ env: 'TENANTRY_APP_POOL_SIZE', reason: 'must be an integer from 1 to 1000' }) }),
    operatorPoolSize: Type.Integer({ minimum: 1, maximum: 1000, default: 4, ...annotate({ env: 'TENANTRY_OPERATOR_POOL_SIZE', reason: 'must be an integer from 1 to 1000' }) }),
    /** The longest wait for a pooled connection (or a new one); then 503 DATABASE_UNAVAILABLE. As long as a tenant request's deadline by default: under a burst a request queues for a connection while its deadline allows (bench/soak: 2,000 concurrent requests, none refused), and no longer. */
    poolAcquireTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 5_000, ...annotate({ env: 'TENANTRY_POOL_ACQUIRE_TIMEOUT_MS', reason: 'must be an integer from 1 to 600000' }) }),
    /**
     * Client-side deadlines of all database work of one request, per route class (docs/operations.md):
     * tenant routes (/v1/tenant/…), operator routes (the rest of /v1), and exports and audit
     * verifications, which read a whole period or chain. Past it: 503 DATABASE_TIMEOUT with Retry-After.
     */
    tenantDeadlineMs: Type.Integer({ minimum: 1, maximum: 600_000, default: DEFAULT_ROUTE_DEADLINES.tenant, ...annotate({ env: 'TENANTRY_TENANT_DEADLINE_MS', reason: 'must be an integer from 1 to 600000' }) }),
    operatorDeadlineMs: Type.Integer({ minimum: 1, maximum: 600_000, default: DEFAULT_ROUTE_DEADLINES.operator, ...annotate({ env: 'TENANTRY_OPERATOR_DEADLINE_MS', reason: 'must be an integer from 1 to 600000' }) }),
    exportDeadlineMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: DEFAULT_ROUTE_DEADLINES.export, ...annotate({ env: 'TENANTRY_EXPORT_DEADLINE_MS', reason: 'must be an integer from 1 to 3600000' }) }),
    /** After a SIGINT/SIGTERM, how long a graceful shutdown may take before the process exits anyway. */
    shutdownTimeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 10_000, ...annotate({ reason: 'must be an integer from 1 to 600000' }) }),
  },
  { additionalProperties: false },
);

type Shape = Static<typeof ServerConfigSchema>;
/** What code may pass (every option optional; unknown keys are rejected). */
export type ServerOptions = { readonly [K in keyof Shape]?: Shape[K] };
/** The resolved configuration: defaults applied, `dataDir` (when given) absolute, frozen. */
export type ServerConfig = Readonly<Shape>;
/** Where variables come from: `process.env` unless a caller (a test) hands its own. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

const properties = ServerConfigSchema.properties as Record<string, TSchema & Partial<Annotations>>;

function invalid(name: string, reason: string, shown = ''): never {
  throw coreErrors.create('CONFIG_INVALID', { message: `${name} ${reason}${shown}.`, details: { path: name, reason } });
}

/** JWT settings only make sense together: half a configuration would silently refuse every token. */
function checkJwt(config: Shape, nameOf: (key: string) => string): void {
  const { jwtIssuer, jwtAudience, jwtSecret, jwtJwksUrl } = config;
  if ([jwtIssuer, jwtAudience, jwtSecret, jwtJwksUrl].every((v) => v === undefined)) return;
  if (jwtSecret !== undefined && jwtJwksUrl !== undefined) invalid(nameOf('jwtJwksUrl'), 'cannot be set together with the JWT secret');
  if (jwtIssuer === undefined) invalid(nameOf('jwtIssuer'), 'is required when JWTs are configured');
  if (jwtAudience === undefined) invalid(nameOf('jwtAudience'), 'is required when JWTs are configured');
  if (jwtSecret === undefined && jwtJwksUrl === undefined) invalid(nameOf('jwtSecret'), 'or the JWKS URL is required when JWTs are configured');
}

function validate(raw: Record<string, unknown>, nameOf: (key: string) => string): ServerConfig {
  const candidate = Value.Default(ServerConfigSchema, structuredClone(raw)) as Record<string, unknown>;
  const first = Value.Errors(ServerConfigSchema, candidate).First();
  if (first !== undefined) {
    const key = first.path.split('/')[1] ?? '';
    const property = properties[key];
    if (property === undefined) invalid(nameOf(key), 'is not a known option');
    const shown = property.secret === true || candidate[key] === undefined ? '' : ` (got ${JSON.stringify(candidate[key])})`;
    invalid(nameOf(key), property.reason ?? 'is invalid', shown);
  }
  const config = candidate as Shape;
  checkJwt(config, nameOf);
  if ((config.ssoPublicUrl === undefined) !== (config.ssoMasterKey === undefined)) {
    invalid(nameOf(config.ssoPublicUrl === undefined ? 'ssoPublicUrl' : 'ssoMasterKey'), 'is required when the other SSO setting is set');
  }
  if ((config.stripeSecretKey === undefined) !== (config.stripeWebhookSecret === undefined)) {
    invalid(nameOf(config.stripeSecretKey === undefined ? 'stripeSecretKey' : 'stripeWebhookSecret'), 'is required when the other Stripe setting is set');
  }
  if ((config.usageWebhookUrl === undefined) !== (config.usageWebhookSecret === undefined)) {
    invalid(nameOf(config.usageWebhookUrl === undefined ? 'usageWebhookUrl' : 'usageWebhookSecret'), 'is required when the other usage webhook setting is set');
  }
  if (config.alertRules !== undefined) {
    try {
      parseAlertRules(config.alertRules);
    } catch (err) {
      const reason = isTenantryError(err) ? `has an invalid rule: ${String(err.details.path)} ${String(err.details.reason)}` : 'must be a JSON array of alert rules';
      invalid(nameOf('alertRules'), reason);
    }
  }
  // An unsigned webhook could be forged by anyone who finds its URL; a secret without a URL is a typo.
  if ((config.alertWebhookUrl === undefined) !== (config.alertWebhookSecret === undefined)) {
    invalid(nameOf(config.alertWebhookUrl === undefined ? 'alertWebhookUrl' : 'alertWebhookSecret'), 'is required when the other alert webhook setting is set');
  }
  return Object.freeze(config.dataDir === undefined ? config : { ...config, dataDir: resolve(config.dataDir) });
}

/**
 * Validates options given in code (tests, embedding) and applies the defaults; an error's
 * `details.path` is the option name.
 *
 * @example const config = resolveConfig({ databaseUrl: t.url, port: 0, logLevel: 'silent' });
 */
export function resolveConfig(options: ServerOptions = {}): ServerConfig {
  return validate({ ...options }, (key) => key);
}

/**
 * Reads and validates the environment once. Empty variables count as unset (compose files and
 * CI often export `VAR=`). Throws CONFIG_INVALID whose `details.path` names the variable.
 *
 * @example const config = loadConfig(); // reads process.env
 */
export function loadConfig(env: EnvSource = process.env): ServerConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    const value = property.env === undefined ? undefined : env[property.env];
    if (value === undefined || value === '') continue;
    // Only whole decimal numbers become integers: "3000abc" or "3e3" stay strings and fail.
    raw[key] = property.type === 'integer' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  }
  return validate(raw, (key) => properties[key]?.env ?? key);
}

/** The variables `loadConfig` reads, with their defaults, for help texts and docs. */
export function configVariables(): readonly { readonly name: string; readonly option: string; readonly default?: string }[] {
  return Object.entries(properties).flatMap(([option, p]) => {
    const fallback: unknown = p.default;
    if (p.env === undefined) return [];
    return [{ name: p.env, option, ...(typeof fallback === 'string' || typeof fallback === 'number' ? { default: String(fallback) } : {}) }];
  });
}

/**
 * The rules of TENANTRY_ALERT_RULES, checked (HEALTH_OPTIONS_INVALID names the rule's field).
 *
 * @example parseAlertRules('[{"name":"errors","metric":"errorRate","threshold":0.1}]')
 */
export function parseAlertRules(json: string): readonly AlertRule[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every((rule) => typeof rule === 'object' && rule !== null && !Array.isArray(rule))) {
    throw new TypeError('not an array of objects');
  }
  return checkAlertRules(value as AlertRule[]);
}
