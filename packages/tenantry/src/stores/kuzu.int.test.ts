// The graph store and guarded Cypher on a real embedded Cypher engine (kuzu, in memory, one
// database for the file): the shared conformance suite on TenantRecord nodes, then guarded
// queries over an application schema, checked against the raw engine.
import fc from 'fast-check';
import kuzu from 'kuzu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId, runWithTenant } from '../core/index.js';
import { lateStore, storeConformanceCases } from '../testing/index.js';
import { kuzuRunner, createKuzuGraph, type KuzuGraph } from './kuzu.js';
import type { CypherRunner, JsonObject } from './graph-store.js';

let database: kuzu.Database;
let connection: kuzu.Connection;
let graph: KuzuGraph;
let raw: CypherRunner;

beforeAll(async () => {
  database = new kuzu.Database(':memory:');
  connection = new kuzu.Connection(database);
  graph = await createKuzuGraph(connection);
  raw = kuzuRunner(connection);
  await raw.run('CREATE NODE TABLE Person(id SERIAL, tenant_id STRING, name STRING, PRIMARY KEY(id))', {});
  await raw.run('CREATE REL TABLE KNOWS(FROM Person TO Person, tenant_id STRING, since INT64)', {});
});

afterAll(async () => {
  await connection?.close();
  await database?.close();
});

const json: fc.Arbitrary<JsonObject> = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4, noNullPrototype: true });

describe('kuzu graph store: conformance', () => {
  for (const c of storeConformanceCases({ store: lateStore('kuzu', () => graph.records), value: json, runs: 8 })) it(c.name, c.run, 180_000);
});

describe('guarded Cypher on kuzu', () => {
  it('binds reads and writes to the tenant: a tenant never sees or links another tenant\'s nodes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ tenant: fc.nat(4), name: fc.stringMatching(/^[a-z]{1,6}$/) }), { minLength: 1, maxLength: 12 }), async (people) => {
        const tenants = Array.from({ length: 5 }, () => newTenantId());
        for (const p of people) await runWithTenant(tenants[p.tenant] as string as never, () => graph.cypher.run('CREATE (:Person {name: $name})', { name: p.name }));
        for (let t = 0; t < tenants.length; t++) {
          await runWithTenant(tenants[t] as never, async () => {
            // Link every pair the tenant can see; only its own nodes can be matched.
            await graph.cypher.run('MATCH (a:Person), (b:Person) WHERE a.id < b.id CREATE (a)-[:KNOWS {since: 2026}]->(b)');
            const names = (await graph.cypher.run('MATCH (p:Person) RETURN p.name AS name')).map((r) => r.name).sort();
            expect(names).toEqual(people.filter((p) => p.tenant === t).map((p) => p.name).sort());
          });
        }
        // The raw engine agrees: every relationship carries the tenant of both its ends.
        const rels = await raw.run('MATCH (a:Person)-[k:KNOWS]->(b:Person) RETURN a.tenant_id AS a, k.tenant_id AS k, b.tenant_id AS b', {});
        for (const r of rels) expect([r.k, r.b]).toEqual([r.a, r.a]);
        expect((await graph.records.verify()).ok).toBe(true);
        for (const t of tenants) await graph.records.purgeTenant(t);
        expect(await raw.run('MATCH (p:Person) RETURN count(p) AS c', {})).toEqual([{ c: 0 }]);
      }),
      { numRuns: 8 },
    );
  });

  it('refuses procedures, APOC-style functions, LOAD CSV, other tenants\' ids and a caller-supplied $tenant', async () => {
    await runWithTenant(newTenantId(), async () => {
      const refusals: Array<[string, Record<string, unknown>, string]> = [
        ['CALL db.labels()', {}, 'CYPHER_PROCEDURE_REFUSED'],
        ['MATCH (p:Person) CALL { WITH p RETURN p.name AS n } RETURN n', {}, 'CYPHER_SYNTAX'],
        ['MATCH (p:Person) RETURN apoc.text.join([p.name], ",")', {}, 'CYPHER_PROCEDURE_REFUSED'],
        ['LOAD CSV FROM "file:///etc/passwd" AS line RETURN line', {}, 'CYPHER_PROCEDURE_REFUSED'],
        ['MATCH (p:Person {tenant_id: "someone-else"}) RETURN p', {}, 'CYPHER_TENANT_PARAMETER'],
        ['MATCH (p:Person) WHERE p.name = "x" SET p.tenant_id = $other', { other: 'x' }, 'CYPHER_TENANT_PARAMETER'],
        ['MATCH (p:Person) SET p += $props', { props: {} }, 'CYPHER_TENANT_PARAMETER'],
        ['MATCH (p:Person) RETURN p', { tenant: newTenantId() }, 'CYPHER_TENANT_PARAMETER'],
        ['MATCH (p:Person $filter) RETURN p', { filter: {} }, 'CYPHER_PATTERN_UNBOUND'],
        ['MATCH (p:Person) RETURN p; MATCH (q:Person) RETURN q', {}, 'CYPHER_SYNTAX'],
        ['MATCH (p:Person RETURN p', {}, 'CYPHER_SYNTAX'],
      ];
      for (const [query, params, code] of refusals) await expect(graph.cypher.run(query, params), query).rejects.toMatchObject({ code });
    });
    await expect(graph.cypher.run('MATCH (p:Person) RETURN p')).rejects.toMatchObject({ code: 'TENANT_CONTEXT_MISSING' });
  });

  it('the verifier finds nodes and relationships written around the guard', async () => {
    const tenant = newTenantId();
    await runWithTenant(tenant, () => graph.cypher.run('CREATE (:Person {name: "guarded"})'));
    await raw.run('CREATE (:Person {name: "stray"})', {});
    const check = await graph.records.verify();
    expect(check.findings.map((f) => f.kind)).toEqual(['untagged_node']);
    await raw.run('MATCH (p:Person) WHERE p.tenant_id IS NULL DELETE p', {});
    await graph.records.purgeTenant(tenant);
    expect((await graph.records.verify()).ok).toBe(true);
  });
});
