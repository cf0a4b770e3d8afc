// The one "which PostgreSQL do we use" decision, shared by the server (`tenantry start`,
// `migrate`, `verify`), the test suite's global setup and the benchmarks: a server named by a
// URL, or the embedded one. Whether a named server answers is asked over the wire protocol
// itself (a StartupMessage); only a server that asks for a password needs the `pg` driver.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded/start.js';

export interface FindOrStartPostgresOptions {
  /** The server to use (a superuser or admin URL); unset: start the embedded one. */
  readonly url?: string | undefined;
  /**
   * What to do with `url`: `'use'` (default) takes it as configured, as a server in production
   * must; `'use-if-answers'` asks it first and starts the embedded one when it does not answer
   * (tests, benchmarks: they run anywhere).
   */
  readonly whenUrlGiven?: 'use' | 'use-if-answers';
  /** Options of the embedded server; `dataDir: 'temporary'` makes a directory under the system's temp dir, removed by stop(). */
  readonly embedded?: EmbeddedPostgresOptions;
}

export interface FoundPostgres {
  readonly kind: 'external' | 'embedded';
  /** The admin URL: for migrations and test databases, never for serving requests. */
  readonly adminUrl: string;
  /** The embedded server's generated role passwords; undefined for an external server (they are the caller's). */
  readonly rolePasswords?: { readonly app: string; readonly operator: string };
  /** Where the server is, without credentials, for logs and messages. */
  readonly location: string;
  /** Why the embedded server keeps its data elsewhere than asked (see startEmbeddedPostgres). */
  readonly relocatedBecause?: string;
  readonly embeddedDataDir?: string;
  /** Why the URL was not used (`whenUrlGiven: 'use-if-answers'`), when it was given and did not answer. */
  readonly urlNotUsedBecause?: string;
  /** Stops the embedded server (and removes a temporary data directory); nothing for an external one. */
  stop(): Promise<void>;
}

/** The host, port and database of `url`, without credentials. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host || 'local socket'}${parsed.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * Whether a PostgreSQL server at `url` accepts its user and database: sends a StartupMessage
 * and reads the answers. ReadyForQuery means yes; an ErrorResponse (no such role or database,
 * starting up, too many connections), a refusal or silence for `timeoutMs` means no. A server
 * that asks for a password checks the database only after it, so then the probe logs in with
 * the `pg` driver (an optional peer); without it installed, the password request counts as yes
 * and a missing database fails at the first real query.
 */
export async function postgresAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const answer = await startupAnswer(url, timeoutMs);
  if (answer !== 'password') return answer === 'ready';
  return logsIn(url, Math.max(1, deadline - Date.now()));
}

type StartupAnswer = 'ready' | 'password' | 'no';

function startupAnswer(url: string, timeoutMs: number): Promise<StartupAnswer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve('no');
  }
  const user = decodeURIComponent(parsed.username) || 'postgres';
  const database = decodeURIComponent(parsed.pathname.slice(1)) || user;
  const body = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4); // protocol 3.0
  body.copy(message, 8);
  return new Promise((resolve) => {
    const socket = connect({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 5432) });
    const done = (answer: StartupAnswer) => { socket.destroy(); resolve(answer); };
    socket.setTimeout(timeoutMs, () => done('no'));
    socket.on('error', () => done('no'));
    socket.on('connect', () => socket.write(message));
    // Messages: a type byte and an int32 length (itself included). With AuthenticationOk the
    // server goes on to check the database, so read on to ReadyForQuery ('Z') or an error ('E').
    let buffered = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 5) {
        const type = String.fromCharCode(buffered[0] as number);
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        if (type === 'E') return done('no');
        if (type === 'Z') return done('ready');
        // A password (or SASL) request: the database is checked only after authentication.
        if (type === 'R' && buffered.readInt32BE(5) !== 0) return done('password');
        buffered = buffered.subarray(1 + length);
      }
    });
  });
}

/** Logs in with the `pg` driver where it is installed; without it, a password request counts as an answer. */
async function logsIn(url: string, timeoutMs: number): Promise<boolean> {
  let Client: typeof import('pg').Client;
  try {
    ({ Client } = (await import('pg')).default);
  } catch {
    return true;
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The PostgreSQL server to use: `url` (asked first with `whenUrlGiven: 'use-if-answers'`), or
 * an embedded one started here.
 *
 * @example
 * const server = await findOrStartPostgres({ url: process.env.DATABASE_URL, whenUrlGiven: 'use-if-answers', embedded: { dataDir: 'temporary' } });
 * try { await migrate({ admin: pgPool({ connectionString: server.adminUrl }) }); } finally { await server.stop(); }
 */
export async function findOrStartPostgres(options: FindOrStartPostgresOptions = {}): Promise<FoundPostgres> {
  let urlNotUsedBecause: string | undefined;
  if (options.url !== undefined) {
    const use = (options.whenUrlGiven ?? 'use') === 'use' || (await postgresAnswers(options.url));
    if (use) return { kind: 'external', adminUrl: options.url, location: describePostgresUrl(options.url), stop: async () => {} };
    urlNotUsedBecause = `${describePostgresUrl(options.url)} does not answer`;
  }
  const { dataDir: asked, ...embeddedOptions } = options.embedded ?? {};
  const temporary = asked === 'temporary' ? await mkdtemp(join(tmpdir(), 'tenantry-pg-')) : undefined;
  const dataDir = temporary ?? asked;
  const embedded = await startEmbeddedPostgres({ ...embeddedOptions, ...(dataDir === undefined ? {} : { dataDir }) });
  return {
    kind: 'embedded',
    adminUrl: embedded.url,
    rolePasswords: embedded.rolePasswords,
    location: `embedded at 127.0.0.1:${embedded.port} (${embedded.dataDir}${embedded.attachedTo === undefined ? '' : `, the server of tenantry start (pid ${embedded.attachedTo})`})`,
    embeddedDataDir: embedded.dataDir,
    ...(embedded.relocatedBecause === undefined ? {} : { relocatedBecause: embedded.relocatedBecause }),
    ...(urlNotUsedBecause === undefined ? {} : { urlNotUsedBecause }),
    async stop() {
      await embedded.stop();
      if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
    },
  };
}
