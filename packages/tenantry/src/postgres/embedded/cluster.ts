// One PostgreSQL cluster directory: initialise it, start its server as the cluster's account,
// know whether a running server there is ours or someone else's, and stop it. The server runs
// in its own process group (a terminal's Ctrl-C reaches Tenantry, which shuts down in order,
// not PostgreSQL under requests still in flight) and logs to a file beside the cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreErrors } from '../../core/index.js';
import type { PostgresBinaries } from './binaries.js';
import type { ClusterAccount } from './system-account.js';

/**
 * The cluster's processes get a fixed, minimal environment: messages in English (the log is
 * read back into errors), and nothing of ours (credentials in variables stay with us).
 */
const CLUSTER_ENV = { LC_ALL: 'C', LANG: 'C' };

/** The files a cluster directory (`<dataDir>/cluster`) keeps beside it in `<dataDir>`. */
export interface ClusterLayout {
  readonly dataDir: string;
  readonly clusterDir: string;
  /** Which Tenantry process started the running server: tells a stale one from a live one. */
  readonly ownerFile: string;
  readonly logFile: string;
}

export function clusterLayout(dataDir: string): ClusterLayout {
  return { dataDir, clusterDir: join(dataDir, 'cluster'), ownerFile: join(dataDir, 'owner.json'), logFile: join(dataDir, 'postgres.log') };
}

/** A process, by pid and (on Linux) start time, so a recycled pid is not taken for the same one. */
interface ProcessIdentity {
  readonly pid: number;
  readonly startTime?: string;
}

async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Field 22 (starttime); the command name in field 2 may hold spaces, so count after ')'.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user (the postgres account, when we run as root).
    return (err as { code?: string }).code === 'EPERM';
  }
}

async function stillRunning(identity: ProcessIdentity): Promise<boolean> {
  if (!alive(identity.pid)) return false;
  return identity.startTime === undefined || identity.startTime === (await startTimeOf(identity.pid));
}

/** The server's pid from postmaster.pid, when that process is alive; and whether it said "ready". */
async function postmasterOf(clusterDir: string): Promise<{ pid: number; ready: boolean } | undefined> {
  const lines = (await readFile(join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  // Line 8 is the server's status, "ready" once it accepts connections (PostgreSQL ≥ 10).
  return { pid, ready: lines[7]?.trim() === 'ready' };
}

/** Runs initdb as the cluster's account, the superuser password passed through a 0600 file it owns. */
export async function initialiseCluster(layout: ClusterLayout, bin: PostgresBinaries, account: ClusterAccount, superuserPassword: string): Promise<void> {
  await mkdir(layout.clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(layout.dataDir, `.initdb-password-${process.pid}`);
  await writeFile(passwordFile, `${superuserPassword}\n`, { mode: 0o600 });
  try {
    if (account.ids) {
      await chown(layout.clusterDir, account.ids.uid, account.ids.gid);
      await chown(passwordFile, account.ids.uid, account.ids.gid);
    }
    const args = [`--pgdata=${layout.clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'];
    const output = await runToEnd(bin.initdb, args, account);
    if (output.code !== 0) {
      throw new Error(`initdb failed (exit ${output.code ?? output.signal ?? '?'}): ${output.text.trim().split('\n').slice(-6).join(' | ')}`);
    }
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function runToEnd(command: string, args: readonly string[], account: ClusterAccount): Promise<{ code: number | null; signal: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CLUSTER_ENV, ...(account.ids ?? {}) });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    // Without this listener a spawn failure (EACCES, ENOENT) is an uncaught 'error' event.
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, text }));
  });
}

/**
 * The server a live Tenantry process (`tenantry start`) runs in the cluster directory and that
 * accepts connections, with its port (line 4 of postmaster.pid); undefined for anything else.
 */
export async function liveTenantryServer(layout: ClusterLayout): Promise<{ pid: number; port: number; ownerPid: number } | undefined> {
  const running = await postmasterOf(layout.clusterDir);
  if (running === undefined || !running.ready) return undefined;
  const owner = JSON.parse(await readFile(layout.ownerFile, 'utf8').catch(() => 'null')) as ProcessIdentity | null;
  if (owner === null || !(await stillRunning(owner))) return undefined;
  const lines = (await readFile(join(layout.clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 && port < 65536 ? { pid: running.pid, port, ownerPid: owner.pid } : undefined;
}

/**
 * Refuses a server someone else is running in the cluster directory, and stops one a Tenantry
 * process left behind when it died (its recorded owner is gone): that one is ours to recover.
 */
export async function recoverOrRefuse(layout: ClusterLayout, onLog: (line: string) => void): Promise<void> {
  const running = await postmasterOf(layout.clusterDir);
  if (running === undefined) return;
  const owner = JSON.parse(await readFile(layout.ownerFile, 'utf8').catch(() => 'null')) as ProcessIdentity | null;
  if (owner === null || (await stillRunning(owner))) {
    const by = owner === null ? 'not started by Tenantry' : `started by process ${owner.pid}`;
    throw coreErrors.create('CONFIG_INVALID', {
      message: `Another PostgreSQL server (pid ${running.pid}) is using the data directory ${layout.dataDir} (${by}): stop it, or point DATABASE_URL at it.`,
      details: { path: 'dataDir', reason: `is in use by a running PostgreSQL server (pid ${running.pid})` },
    });
  }
  onLog(`a PostgreSQL server (pid ${running.pid}) was left running by process ${owner.pid}, which has ended: stopping it before starting again`);
  await stopPostmaster(running.pid, layout.clusterDir);
}

/** Fast shutdown (SIGINT), then immediate (SIGQUIT) if it takes longer than `graceMs`. */
async function stopPostmaster(pid: number, clusterDir: string, graceMs = 15_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => { try { process.kill(pid, name); } catch { /* already gone */ } };
  signal('SIGINT');
  const deadline = Date.now() + graceMs;
  while ((await postmasterOf(clusterDir))?.pid === pid) {
    if (Date.now() > deadline) signal('SIGQUIT');
    await sleep(25);
  }
}

export interface RunningCluster {
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1:`port` and resolves once it accepts connections. A start-up
 * failure rejects with the last lines of its log; a process that exits without stop() being
 * called stops the server on its way out.
 */
export async function startCluster(layout: ClusterLayout, bin: PostgresBinaries, account: ClusterAccount, port: number, onLog: (line: string) => void): Promise<RunningCluster> {
  const log = await open(layout.logFile, 'a', 0o600);
  const logStart = (await log.stat()).size;
  let child: ChildProcess;
  try {
    child = spawn(bin.postgres, ['-D', layout.clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
      stdio: ['ignore', log.fd, log.fd],
      detached: true,
      env: CLUSTER_ENV,
      ...(account.ids ?? {}),
    });
  } finally {
    await log.close();
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(err.message));
    child.once('exit', (code, signal) => resolve(`exit ${code ?? signal ?? '?'}`));
  });
  // The server must not keep this process alive by itself: the caller owns shutdown.
  child.unref();
  let exitReason: string | undefined;
  void exited.then((reason) => (exitReason = reason));
  const deadline = Date.now() + 60_000;
  let pid: number | undefined;
  while (pid === undefined) {
    const state = await postmasterOf(layout.clusterDir);
    if (state !== undefined && state.pid === child.pid && state.ready) {
      pid = state.pid;
      break;
    }
    if (exitReason !== undefined || Date.now() > deadline) {
      if (exitReason === undefined && child.pid !== undefined) await stopPostmaster(child.pid, layout.clusterDir);
      const tail = (await readFile(layout.logFile, 'utf8').catch(() => '')).slice(logStart).trim();
      throw new Error(`the embedded PostgreSQL did not start (${exitReason ?? 'not ready within 60 s'}): ${tail.split('\n').slice(-6).join(' | ') || 'no log output'}`);
    }
    await sleep(20);
  }
  for (const line of (await readFile(layout.logFile, 'utf8')).slice(logStart).trim().split('\n')) if (line !== '') onLog(line);
  const self: ProcessIdentity = { pid: process.pid, ...(await startTimeOf(process.pid).then((t) => (t === undefined ? {} : { startTime: t }))) };
  await writeFile(layout.ownerFile, JSON.stringify(self), { mode: 0o600 });
  // The safety net for a process that ends without stop() (an uncaught error): a signal is
  // synchronous, so it still goes out from an `exit` listener. A SIGKILLed process leaves the
  // server running; the next start recovers it (recoverOrRefuse).
  const stopOnExit = () => { try { process.kill(pid, 'SIGINT'); } catch { /* already gone */ } };
  process.once('exit', stopOnExit);
  let stopping: Promise<void> | undefined;
  return {
    pid,
    stop() {
      stopping ??= (async () => {
        process.removeListener('exit', stopOnExit);
        // Whoever runs there now (ours, or one restarted from outside) is stopped and awaited.
        const running = await postmasterOf(layout.clusterDir);
        if (running !== undefined) await stopPostmaster(running.pid, layout.clusterDir);
        await rm(layout.ownerFile, { force: true });
      })();
      return stopping;
    },
  };
}
