// Real dependency processes a fault test starts, owns, freezes and kills: a PostgreSQL cluster
// on a free port of its own (and, from tests/support, a redis-server). The shared servers are never touched.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, owned, type OwnedProcess } from '../../support/processes.js';

export { freePort, hasRedisServer, REDIS_SERVER, startRedis, type OwnedProcess } from '../../support/processes.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const hasPostgres = existsSync(`${PG_BIN}/initdb`);

export interface OwnedPostgres {
  /** A superuser URL (trust authentication, loopback only). */
  readonly url: string;
  /** The postmaster of the current run. */
  current(): OwnedProcess;
  /** Fast shutdown (SIGINT: every backend is terminated, 57P01), then a new start on the same port and data. */
  restartFast(): Promise<void>;
  /**
   * `kill -9` of the postmaster (no shutdown: backends find it gone and exit, crash recovery at
   * the next start), then a new start, retried while the orphaned backends still hold shared memory.
   */
  killAndRestart(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections stay open, nothing answers. */
  freeze(): void;
  /** SIGCONT to the same processes. */
  thaw(): void;
  /** Stops the cluster and removes its data directory. */
  remove(): Promise<void>;
}

// As root, PostgreSQL refuses to run: the cluster belongs to the `postgres` account then.
function asPostgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const out = execFileSync('id', ['-u', 'postgres']).toString().trim();
  const group = execFileSync('id', ['-g', 'postgres']).toString().trim();
  return { uid: Number(out), gid: Number(group) };
}

/** A throwaway PostgreSQL 15 cluster on a free port, fsync off, owned by this process. */
export async function startPostgres(): Promise<OwnedPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-faults-pg-'));
  const user = asPostgresUser();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid ?? user.uid);
  const data = join(dir, 'data');
  execFileSync(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...user, stdio: 'ignore' });
  const start = async (): Promise<OwnedProcess> => {
    const child = spawn(`${PG_BIN}/postgres`, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'], { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('database system is ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`postgres exited with ${code}: ${err}`)));
    });
    return owned(child);
  };
  let postmaster = await start();
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // a backend that ended meanwhile
      }
    }
    frozen = [];
  };
  const childrenOf = (pid: number): number[] =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)]).toString().split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    current: () => postmaster,
    async restartFast() {
      const exited = once(postmaster.child, 'exit');
      postmaster.child.kill('SIGINT');
      await exited;
      postmaster = await start();
    },
    async killAndRestart() {
      const exited = once(postmaster.child, 'exit');
      postmaster.child.kill('SIGKILL');
      await exited;
      for (let attempt = 1; ; attempt += 1) {
        try {
          postmaster = await start();
          return;
        } catch (err) {
          if (attempt >= 50) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    freeze() {
      const pid = postmaster.child.pid as number;
      // The postmaster first, so it forks no backend that would escape the freeze.
      process.kill(pid, 'SIGSTOP');
      frozen = [pid, ...childrenOf(pid)];
      for (const child of frozen.slice(1)) process.kill(child, 'SIGSTOP');
    },
    thaw,
    async remove() {
      thaw();
      await postmaster.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
