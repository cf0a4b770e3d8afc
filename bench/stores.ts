// bench/stores: per tenant store, operations/s through the tenant wrapper ÷ the raw client doing
// the same operations (one write and one read of a small record per operation), same run, paired
// ABBA so the machine's drift cancels. The raw client writes the same bytes to the same places
// (the tenant's prefix, table or nodes) but skips what the wrapper adds: the tenant context, key
// validation, the Cypher guard.
// pgvector is isolated by the database (RLS), so "the same operations" include entering the
// tenant: its raw side is the hand-written tenant transaction (role, set_config, statement) per
// operation, as an application without Tenantry writes it; the wrapper adds the gate's registry
// read and its own JavaScript. `pgvector_vs_bare` (also on the last line) is the wrapper against
// bare statements with no tenant transaction at all: the whole price of isolation by
// transaction on an in-process database, where a statement costs no network round trip.
//   npm run bench -- stores            full: 5 rounds × 2 s per adapter
//   npm run bench -- stores --smoke    CI: 1 round × 0.3 s per adapter
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import * as lancedb from '@lancedb/lancedb';
import kuzu from 'kuzu';
import S3rver from 's3rver';
import { newTenantId, runWithTenant, type TenantId } from 'tenantry';
import { freePort, migratePglite } from 'tenantry/testing';
import { createKuzuGraph, kuzuRunner } from 'tenantry/stores/kuzu';
import { createLanceStore } from 'tenantry/stores/lancedb';
import { createPgvectorStore, pgliteVectorClient, pgvectorSchema, type VectorSqlClient } from 'tenantry/stores/pgvector';
import { createS3Store } from 'tenantry/stores/s3';
import { median, pairedRatio } from './support/database.js';

const smoke = process.argv.includes('--smoke');
const ROUNDS = smoke ? 1 : 5;
const MS = smoke ? 300 : 2000;
const CLIENTS = 4;
const TENANTS: TenantId[] = Array.from({ length: 20 }, () => newTenantId());
let n = 0;
const pick = () => TENANTS[n++ % TENANTS.length] as TenantId;
const key = () => `k${n % 50}`;
const tmp = mkdtempSync(join(tmpdir(), 'tenantry-bench-stores-'));

async function measure(name: string, raw: () => Promise<unknown>, wrapped: () => Promise<unknown>): Promise<number> {
  await pairedRatio(CLIENTS, smoke ? 100 : 1000, raw, wrapped); // warm-up
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r = await pairedRatio(CLIENTS, MS, raw, wrapped);
    ratios.push(r.ratio);
    console.log(`${name} round ${round + 1}: raw ${r.baseline.toFixed(0)} ops/s, wrapper ${r.candidate.toFixed(0)} ops/s, ratio ${r.ratio.toFixed(3)}`);
  }
  return Number(median(ratios).toFixed(3));
}

/** The statement a gated pgvector store enters a tenant with, read off the wire (the gate is not a public export). */
async function gateStatement(client: VectorSqlClient, tenant: TenantId): Promise<string> {
  const seen: string[] = [];
  const recording = createPgvectorStore({
    client: { transaction: (work) => client.transaction((query) => work((text, params) => (seen.push(text), query(text, params)))) },
    admit: 'tenantry-gate', table: 'embeddings', dimension: 8, role: 'tenantry_app',
  });
  await runWithTenant(tenant, () => recording.get('k0'));
  const gate = seen.find((text) => /tenantry\.tenants/.test(text));
  if (gate === undefined) throw new Error('the gated store sent no gate statement');
  return gate;
}

const result: Record<string, number> = {};
const body = new Uint8Array(256);

// ---- S3 (s3rver on a free loopback port) ----
{
  const port = await freePort();
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: join(tmp, 's3'), configureBuckets: [{ name: 'bench', configs: [] }] });
  await server.run();
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const store = createS3Store({ client, layout: { mode: 'prefix', bucket: 'bench' } });
  try {
    result.s3 = await measure(
      's3',
      async () => {
        const Key = `tenants/${pick()}/${key()}`;
        await client.send(new PutObjectCommand({ Bucket: 'bench', Key, Body: body, ContentLength: body.byteLength }));
        const out = await client.send(new GetObjectCommand({ Bucket: 'bench', Key }));
        await out.Body?.transformToByteArray();
      },
      () =>
        runWithTenant(pick(), async () => {
          const k = key();
          await store.put(k, body);
          await store.get(k);
        }),
    );
  } finally {
    client.destroy();
    await server.close();
  }
}

// ---- pgvector on PGlite, migrated with Tenantry's own migrations, entered through its gate ----
{
  const db = await PGlite.create({ extensions: { vector } });
  const tenantry = await migratePglite(db);
  for (const statement of pgvectorSchema({ table: 'embeddings', dimension: 8, appRole: 'tenantry_app' })) await db.exec(statement);
  const store = createPgvectorStore({ client: pgliteVectorClient(db), admit: 'tenantry-gate', table: 'embeddings', dimension: 8, role: 'tenantry_app' });
  const registered: TenantId[] = [];
  for (let i = 0; i < TENANTS.length; i++) registered.push(await tenantry.addTenant());
  let m = 0;
  const pickRegistered = () => registered[m++ % registered.length] as TenantId;
  const value = { vector: [1, 2, 3, 4, 5, 6, 7, 8], metadata: { a: 1 } };
  const UPSERT = `INSERT INTO embeddings (key, embedding, metadata) VALUES ($1, $2::vector, $3::jsonb)
       ON CONFLICT (tenant_id, key) DO UPDATE SET embedding = excluded.embedding, metadata = excluded.metadata`;
  const wrapped = () =>
    runWithTenant(pickRegistered(), async () => {
      const k = key();
      await store.put(k, value);
      await store.get(k);
    });
  /** One hand-written tenant transaction, as the pooled tier needs without Tenantry (or with Tenantry's gate statement). */
  const inTenant = (tenant: TenantId, text: string, params: unknown[], enter = "SELECT set_config('app.tenant_id', $1, true)") =>
    db.transaction(async (tx) => {
      await tx.query('SET LOCAL ROLE tenantry_app');
      await tx.query(enter, enter.includes('$2') ? [tenant, 'work'] : [tenant]);
      await tx.query(text, params);
    });
  try {
    result.pgvector = await measure(
      'pgvector (raw: a hand-written tenant transaction per operation)',
      async () => {
        const [tenant, k] = [pickRegistered(), key()];
        await inTenant(tenant, UPSERT, [k, '[1,2,3,4,5,6,7,8]', '{"a":1}']);
        await inTenant(tenant, 'SELECT embedding::text AS embedding, metadata FROM embeddings WHERE key = $1', [k]);
      },
      wrapped,
    );
    // Where the rest goes: the same hand-written transactions entering through Tenantry's gate
    // statement instead of set_config (printed for the report, not on the last line).
    const gateText = await gateStatement(pgliteVectorClient(db), pickRegistered());
    await measure(
      'pgvector (raw: hand-written transactions entered through the gate statement)',
      async () => {
        const [tenant, k] = [pickRegistered(), key()];
        await inTenant(tenant, UPSERT, [k, '[1,2,3,4,5,6,7,8]', '{"a":1}'], gateText);
        await inTenant(tenant, 'SELECT embedding::text AS embedding, metadata FROM embeddings WHERE key = $1', [k], gateText);
      },
      wrapped,
    );
    result.pgvector_vs_bare = await measure(
      'pgvector (raw: bare statements as the owner, no tenant transaction)',
      async () => {
        const [tenant, k] = [pickRegistered(), key()];
        await db.query(
          `INSERT INTO embeddings (tenant_id, key, embedding, metadata) VALUES ($1, $2, $3::vector, $4::jsonb)
           ON CONFLICT (tenant_id, key) DO UPDATE SET embedding = excluded.embedding, metadata = excluded.metadata`,
          [tenant, k, '[1,2,3,4,5,6,7,8]', '{"a":1}'],
        );
        await db.query('SELECT embedding::text AS embedding, metadata FROM embeddings WHERE tenant_id = $1 AND key = $2', [tenant, k]);
      },
      wrapped,
    );
  } finally {
    await db.close();
  }
}

// ---- LanceDB, a table per tenant ----
{
  const connection = await lancedb.connect(join(tmp, 'lance'));
  const store = createLanceStore({ connection, dimension: 8 });
  const value = { vector: [1, 2, 3, 4, 5, 6, 7, 8], metadata: { a: 1 } };
  for (const tenant of TENANTS) await runWithTenant(tenant, () => store.put('k0', value)); // tables exist before timing
  const tables = new Map(await Promise.all(TENANTS.map(async (t) => [t, await connection.openTable(`tenant_${t}`)] as const)));
  try {
    result.lancedb = await measure(
      'lancedb',
      async () => {
        const [table, k] = [tables.get(pick()) as lancedb.Table, key()];
        await table.mergeInsert('key').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ key: k, vector: value.vector, metadata: '{"a":1}' }]);
        await table.query().where(`key = '${k}'`).limit(1).toArray();
      },
      () =>
        runWithTenant(pick(), async () => {
          const k = key();
          await store.put(k, value);
          await store.get(k);
        }),
    );
  } finally {
    connection.close();
  }
}

// ---- Cypher on kuzu: guarded queries (unbound, rewritten by the guard) vs the same queries bound by hand ----
{
  const database = new kuzu.Database(':memory:');
  const connection = new kuzu.Connection(database);
  const graph = await createKuzuGraph(connection);
  const raw = kuzuRunner(connection);
  await raw.run('CREATE NODE TABLE Person(id SERIAL, tenant_id STRING, name STRING, PRIMARY KEY(id))', {});
  for (const tenant of TENANTS) for (let i = 0; i < 20; i++) await raw.run('CREATE (:Person {tenant_id: $tenant, name: $name})', { tenant, name: `p${i}` });
  try {
    result.cypher = await measure(
      'cypher',
      async () => {
        const tenant = pick();
        await raw.run('MATCH (p:Person {tenant_id: $tenant}) WHERE p.name = $name SET p.seen = 1', { tenant, name: key() }).catch(() => undefined);
        await raw.run('MATCH (p:Person {tenant_id: $tenant}) WHERE p.name = $name RETURN p.name AS name', { tenant, name: 'p1' });
      },
      () =>
        runWithTenant(pick(), async () => {
          await graph.cypher.run('MATCH (p:Person) WHERE p.name = $name SET p.seen = 1', { name: key() }).catch(() => undefined);
          await graph.cypher.run('MATCH (p:Person) WHERE p.name = $name RETURN p.name AS name', { name: 'p1' });
        }),
    );
  } finally {
    await connection.close();
    await database.close();
  }
}

rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ s3: result.s3, pgvector: result.pgvector, lancedb: result.lancedb, cypher: result.cypher, pgvector_vs_bare: result.pgvector_vs_bare }));
