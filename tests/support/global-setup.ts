// Once per test run: find the PostgreSQL server the suite uses (DATABASE_URL when it answers,
// otherwise an embedded one started here) and hand its address to every test file.
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { findOrStartPostgres } from 'tenantry/postgres/embedded';
import { freePort, hasRedisServer, redisAnswers, startRedis, type OwnedProcess } from './processes.js';

/** Where the tests' clocks start unless TENANTRY_TEST_NOW says otherwise (scripts/test-at-instants.mjs). */
const DEFAULT_TEST_NOW = '2026-11-10T12:00:00.000Z';

function testNow(): string {
  const asked = process.env.TENANTRY_TEST_NOW;
  if (asked === undefined || asked === '') return DEFAULT_TEST_NOW;
  const ms = Date.parse(asked);
  if (!Number.isFinite(ms)) throw new Error(`TENANTRY_TEST_NOW=${asked} is not an ISO 8601 instant`);
  return new Date(ms).toISOString();
}

/**
 * REDIS_URL when it answers; otherwise a redis-server of the run's own (no persistence, a free
 * port) when the binary is installed; otherwise '' and the Redis-backed cases skip, saying so.
 */
async function findOrStartRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const none = { stop: async () => {} };
  const configured = process.env.REDIS_URL;
  if (configured && (await redisAnswers(configured))) return { url: configured, ...none };
  const why = configured ? `REDIS_URL (${new URL(configured).host}) does not answer` : 'no REDIS_URL';
  if (!hasRedisServer) {
    console.warn(`[tenantry tests] ${why} and no redis-server installed: the Redis-backed cases skip (their in-process variants run)`);
    return { url: '', ...none };
  }
  const port = await freePort();
  const server: OwnedProcess = await startRedis(port);
  console.warn(`[tenantry tests] ${why}: started a redis-server of this run's own on 127.0.0.1:${port}`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill() };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide('testNow', testNow());
  // Servers no test here can start (no Debian or npm package brings them): their suites run
  // only where a URL names one, and skip saying so elsewhere (packages/tenantry/src/stores).
  project.provide('neo4jUrl', process.env.NEO4J_URL ?? '');
  project.provide('mongodbUrl', process.env.MONGODB_URL ?? '');
  project.provide('weaviateUrl', process.env.WEAVIATE_URL ?? '');
  project.provide('s3Url', process.env.S3_URL ?? '');
  const redis = await findOrStartRedis();
  project.provide('redisUrl', redis.url);
  const postgres = await findOrStartPostgres({ url: process.env.DATABASE_URL || undefined, whenUrlGiven: 'use-if-answers', embedded: { dataDir: 'temporary' } });
  if (postgres.kind === 'embedded') console.warn(`[tenantry tests] ${postgres.urlNotUsedBecause ?? 'no DATABASE_URL'}: started an embedded PostgreSQL`);
  project.provide('adminUrl', postgres.adminUrl);
  project.provide('rolePasswords', postgres.rolePasswords ?? { app: `app-${randomBytes(9).toString('hex')}`, operator: `op-${randomBytes(9).toString('hex')}` });
  return async () => {
    await Promise.all([postgres.stop(), redis.stop()]);
  };
}
