// The Neo4j adapter against a real server, where NEO4J_URL names one (bolt://user:password@host:7687);
// skipped, saying so, elsewhere (no Neo4j server installs here).
import fc from 'fast-check';
import neo4j, { type Driver } from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newTenantId, runWithTenant } from '../core/index.js';
import { lateStore, storeConformanceCases } from '../testing/index.js';
import type { JsonObject } from './graph-store.js';
import { createNeo4jRecordStore, guardNeo4jSession } from './neo4j.js';

const url = inject('neo4jUrl');
let driver: Driver;

describe.skipIf(!url)(`Neo4j graph store${url ? '' : ' (SKIPPED: set NEO4J_URL to run the Neo4j suite)'}`, () => {
  beforeAll(() => {
    const parsed = new URL(url);
    driver = neo4j.driver(`${parsed.protocol}//${parsed.host}`, neo4j.auth.basic(decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)));
  });
  afterAll(async () => driver?.close());

  const json = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 4, noNullPrototype: true }) as fc.Arbitrary<JsonObject>;
  for (const c of storeConformanceCases({ store: lateStore('neo4j', () => createNeo4jRecordStore(driver)), value: json, runs: 5 })) it(c.name, c.run);

  it('a guarded session binds reads and writes, in transactions too', async () => {
    const [a, b] = [newTenantId(), newTenantId()];
    const session = guardNeo4jSession(driver.session());
    try {
      await runWithTenant(a, () => session.executeWrite((tx) => tx.run('CREATE (:TenantryProbe {name: "a"})')));
      await runWithTenant(b, () => session.run('CREATE (:TenantryProbe {name: "b"})'));
      const seen = await runWithTenant(a, () => session.executeRead((tx) => tx.run('MATCH (p:TenantryProbe) RETURN p.name AS name')));
      expect(seen.records.map((r) => r.get('name') as unknown)).toEqual(['a']);
      await runWithTenant(a, async () => expect(session.run('CALL db.labels()')).rejects.toMatchObject({ code: 'CYPHER_PROCEDURE_REFUSED' }));
    } finally {
      for (const t of [a, b]) await runWithTenant(t, () => session.run('MATCH (p:TenantryProbe) DETACH DELETE p'));
      await session.close();
    }
  });
});
