// The server's pino logger: JSON lines, secrets redacted, request and error serializers shared
// by Fastify and the wiring so every line has the same shape.
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * Paths pino replaces with "[Redacted]". Tokens and passwords must never reach a log, whoever
 * logs the object: credentials in headers, options objects and connection strings.
 */
export const REDACTED_PATHS: readonly string[] = Object.freeze([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...['password', 'token', 'secret', 'apiKey', 'databaseUrl', 'adminUrl', 'appPassword', 'operatorPassword', 'rolePasswords'].flatMap(
    (key) => [key, `*.${key}`],
  ),
]);

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
