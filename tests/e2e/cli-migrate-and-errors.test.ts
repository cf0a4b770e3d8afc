// `tenantry migrate` on a fresh database, and the failures every command shares: bad
// configuration, an unreachable database, usage errors. Each as a child process.
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantryMigrations } from 'tenantry/postgres';
import { runCli } from './support/cli.js';

const adminUrl = inject('adminUrl');
const { app: appPassword, operator: operatorPassword } = inject('rolePasswords');
const database = `tenantry_e2e_migrate_${process.pid}_${Date.now().toString(36)}`;
// Each command is a fresh Node process that compiles TypeScript: seconds each on a busy machine.
const SLOW = { timeout: 180_000 };
let databaseUrl: string;

async function admin<T>(work: (client: pg.Client) => Promise<T>, url = adminUrl): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  databaseUrl = url.toString();
});
afterAll(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`)));

describe('tenantry migrate', SLOW, () => {
  it('applies the migrations to a fresh database, then finds it up to date', async () => {
    const env = { DATABASE_URL: databaseUrl, TENANTRY_APP_PASSWORD: appPassword, TENANTRY_OPERATOR_PASSWORD: operatorPassword };
    const versions = (await tenantryMigrations()).map((m) => m.version);
    const first = await runCli(['migrate'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(new RegExp(`^applied ${versions.length} migrations: ${versions.join(', ')} `));
    const tables = await admin((c) => c.query(`SELECT to_regclass('tenantry.tenants') IS NOT NULL AS present`), databaseUrl);
    expect(tables.rows[0]).toEqual({ present: true });

    const second = await runCli(['migrate', '--json'], env);
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout) as { applied: string[]; alreadyApplied: string[] };
    expect(again.applied).toEqual([]);
    expect([...again.alreadyApplied].sort()).toEqual(versions);
  });
});

describe('failures every command shares', SLOW, () => {
  it('names PORT when it is not a port number, exit code 1', async () => {
    const result = await runCli(['tenants', 'list'], { DATABASE_URL: databaseUrl, PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error CONFIG_INVALID: PORT must be an integer from 0 to 65535 \(got "eighty"\)\.\n {2}path: PORT\n/);
  });

  it('names DATABASE_URL when it is not a PostgreSQL URL, without echoing it', async () => {
    const result = await runCli(['tenants', 'list'], { DATABASE_URL: 'mysql://root:hunter2@db/app' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error CONFIG_INVALID: DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL\.\n {2}path: DATABASE_URL\n/);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('reports a database nobody answers at as DATABASE_UNAVAILABLE, exit code 1', async () => {
    const url = new URL(databaseUrl);
    url.port = String(await closedPort());
    const result = await runCli(['tenants', 'list'], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error DATABASE_UNAVAILABLE: /);
  });

  it('exits 2 on an unknown command or option, and 0 for --help', async () => {
    const unknownCommand = await runCli(['tenants', 'frobnicate'], {});
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'frobnicate'");
    const unknownOption = await runCli(['tenants', 'list', '--colour'], {});
    expect(unknownOption.code).toBe(2);
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/start .*\n.*migrate .*\n.*tenants /s);
  });
});
