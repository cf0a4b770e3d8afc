// The server's pino logger: JSON lines, secrets redacted, request and error serializers shared
// by Fastify and the wiring so every line has the same shape.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { currentTenant } from 'tenantry';
import type { LogLevel } from './config.js';
import { currentRequestId, REQUEST_ID_BOUND } from './http/request-context.js';

/**
 * Paths pino replaces with "[Redacted]". Tokens and passwords must never reach a log, whoever
 * logs the object: credentials in headers, options objects and connection strings.
 */
export const REDACTED_PATHS: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  // Headers logged as an object of their own (`{ headers }`), one or two levels down.
  ...['authorization', 'cookie', '["x-api-key"]', '["set-cookie"]'].flatMap((h) => [`headers.${h}`, `*.headers.${h}`]),
  ...['password', 'token', 'secret', 'key', 'apiKey', 'accessToken', 'refreshToken', 'clientSecret', 'authorization', 'cookie', 'databaseUrl', 'adminUrl', 'appPassword', 'operatorPassword', 'rolePasswords'].flatMap(
    (key) => [key, `*.${key}`],
  ),
]);

/** Marks the access logger: its one line carries `reqId` and `tenantId` itself, so the mixin adds nothing. */
const FIELDS_GIVEN: unique symbol = Symbol('tenantry.requestFieldsGiven');

/**
 * Adds the tenant id (from the tenant context) and the request id (from the request context)
 * to every line written while a request is served, whichever logger writes it. A fresh object
 * each time: pino merges the line's own fields into it, and those win.
 */
function requestFields(_merge: object, _level: number, logger: Logger): object {
  // The access line names both itself (AccessLog): nothing to look up.
  if ((logger as Logger & { [FIELDS_GIVEN]?: true })[FIELDS_GIVEN]) return {};
  const tenantId = currentTenant()?.tenantId;
  const reqId = (logger as Logger & { [REQUEST_ID_BOUND]?: true })[REQUEST_ID_BOUND] ? undefined : currentRequestId();
  if (tenantId === undefined) return reqId === undefined ? {} : { reqId };
  return reqId === undefined ? { tenantId } : { tenantId, reqId };
}

// Query parameters that carry credentials in links (magic links, OAuth codes, signed URLs).
const SECRET_PARAM = /token|key|secret|password|signature|code/i;

/** The URL with secret-looking query values replaced, so request logs cannot leak them. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  for (const name of new Set(params.keys())) if (SECRET_PARAM.test(name)) params.set(name, '[Redacted]');
  return `${url.slice(0, at)}?${params.toString()}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  host?: string;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Defaults to stdout (a service's log stream); the CLI passes stderr to keep stdout for output. */
  readonly destination?: DestinationStream;
}

/**
 * @example
 * const logger = createLogger({ level: config.logLevel });
 * logger.info({ url }, 'tenantry listening');
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      mixin: requestFields,
      redact: { paths: [...REDACTED_PATHS], censor: '[Redacted]' },
      serializers: {
        // Only what identifies the request: headers carry credentials, so they are left out.
        req: (req: LoggedRequest) => ({ method: req.method, url: req.url === undefined ? undefined : redactUrl(req.url), host: req.host, remoteAddress: req.ip }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        // The cause chain is what explains an INTERNAL error; the plain serializer drops it.
        err: stdSerializers.errWithCause,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * A child of `logger` without redaction, for the one access-log line per request: that line is
 * built by us from serialized fields only (method, URL with secret query values replaced, status,
 * time, ids; never headers or bodies), and pino's redaction with the wildcard paths above costs
 * ~30 µs a line (measured with bench/telemetry's setup), more than the rest of a request's
 * telemetry together. Every other line keeps the full redaction.
 *
 * @example new AccessLog(accessLogger(logger));
 */
export function accessLogger(logger: Logger): Logger {
  const access = logger.child({}, { redact: { paths: [] } });
  Object.defineProperty(access, FIELDS_GIVEN, { value: true });
  return access;
}
