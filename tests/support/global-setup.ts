// Once per test run: find the PostgreSQL server the suite uses (DATABASE_URL when it answers,
// otherwise an embedded one started here) and hand its address to every test file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from 'tenantry/postgres/embedded';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.DATABASE_URL;
  if (configured && (await answers(configured))) {
    project.provide('adminUrl', configured);
    project.provide('rolePasswords', { app: `app-${randomBytes(9).toString('hex')}`, operator: `op-${randomBytes(9).toString('hex')}` });
    return async () => {};
  }
  console.warn(`[tenantry tests] ${configured ? `DATABASE_URL (${new URL(configured).host}) does not answer` : 'no DATABASE_URL'}: starting an embedded PostgreSQL`);
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir: dir });
  project.provide('adminUrl', server.url);
  project.provide('rolePasswords', server.rolePasswords);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
