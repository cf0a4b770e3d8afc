// The Cypher guard on its own (no engine): what it binds, what it rewrites, what it refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardCypher } from './cypher-guard.js';

const refusedWith = (query: string) => {
  try {
    guardCypher(query);
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('guardCypher', () => {
  it.each([
    ['MATCH (d:Doc) RETURN d', 'MATCH (d:Doc {tenant_id: $tenant}) RETURN d'],
    ['MATCH (a:P {tenant_id: $tenant})-[:K]->(b) RETURN b', 'MATCH (a:P {tenant_id: $tenant})-[:K]->(b {tenant_id: $tenant}) RETURN b'],
    ['CREATE (a:P {name: "x"})-[:K]->(b:P {})', 'CREATE (a:P {tenant_id: $tenant, name: "x"})-[:K {tenant_id: $tenant}]->(b:P {tenant_id: $tenant})'],
    ['MATCH (a:P {tenant_id: $tenant}) CREATE (a)-[:K {w: 1}]->(b:P)', 'MATCH (a:P {tenant_id: $tenant}) CREATE (a)-[:K {tenant_id: $tenant, w: 1}]->(b:P {tenant_id: $tenant})'],
    ['MERGE (n:P {k: 1}) ON CREATE SET n.x = 2', 'MERGE (n:P {tenant_id: $tenant, k: 1}) ON CREATE SET n.x = 2'],
    ['MATCH (n) WHERE (n)-->() RETURN n', 'MATCH (n {tenant_id: $tenant}) WHERE (n)-->( {tenant_id: $tenant}) RETURN n'],
    ['MATCH (n) RETURN [(n)-[:X]->(m) | m.name]', 'MATCH (n {tenant_id: $tenant}) RETURN [(n)-[:X]->(m {tenant_id: $tenant}) | m.name]'],
    ['MATCH p = shortestPath((a)-[*]-(b)) RETURN p', 'MATCH p = shortestPath((a {tenant_id: $tenant})-[*]-(b {tenant_id: $tenant})) RETURN p'],
    ['MATCH (n:P) RETURN datetime.truncate("day", n.t)', 'MATCH (n:P {tenant_id: $tenant}) RETURN datetime.truncate("day", n.t)'],
  ])('binds %s', (query, expected) => {
    expect(guardCypher(query).query).toBe(expected);
  });

  it('leaves a query that binds every pattern unchanged', () => {
    const query = 'MATCH (a:P {tenant_id: $tenant})-[r:K]->(b:P {tenant_id: $tenant}) RETURN a, r, b';
    expect(guardCypher(query)).toEqual({ query, rewritten: false });
  });

  it.each([
    ['CALL db.labels()', 'CYPHER_PROCEDURE_REFUSED'],
    ['CALL apoc.cypher.run("MATCH (n) RETURN n", {}) YIELD value RETURN value', 'CYPHER_PROCEDURE_REFUSED'],
    ['MATCH (n) RETURN apoc.text.join(["a"], ",")', 'CYPHER_PROCEDURE_REFUSED'],
    ['LOAD CSV FROM "file:///x" AS r RETURN r', 'CYPHER_PROCEDURE_REFUSED'],
    ['CREATE INDEX ON :P(name)', 'CYPHER_PROCEDURE_REFUSED'],
    ['MATCH (n {tenant_id: "x"}) RETURN n', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH (n {tenant_id: $other}) RETURN n', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH (n) SET n.tenant_id = "x"', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH (n) SET n = {name: "x"}', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH (n) SET n += $p', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH (n) REMOVE n.tenant_id', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH ()-[r {tenant_id: "x"}]->() RETURN r', 'CYPHER_TENANT_PARAMETER'],
    ['MATCH (n $p) RETURN n', 'CYPHER_PATTERN_UNBOUND'],
    ['MATCH (n) WITH n AS m MATCH (m) RETURN m', 'CYPHER_PATTERN_UNBOUND'],
    ['MATCH (n) RETURN n; MATCH (m) RETURN m', 'CYPHER_SYNTAX'],
    ['MATCH (n RETURN n', 'CYPHER_SYNTAX'],
  ])('refuses %s', (query, code) => {
    expect(refusedWith(query)).toBe(code);
  });

  it('with rewrite off, refuses what it would have rewritten', () => {
    expect(() => guardCypher('MATCH (d:Doc) RETURN d', { rewrite: false })).toThrow(expect.objectContaining({ code: 'CYPHER_PATTERN_UNBOUND' }));
  });

  it('every node pattern of a random chain comes out bound (property)', () => {
    const node = fc.record({ variable: fc.constantFrom('', 'a', 'b', 'c'), label: fc.constantFrom('', ':P', ':Q'), props: fc.constantFrom('', '{}', '{x: 1}', '{tenant_id: $tenant}') });
    fc.assert(
      fc.property(fc.array(node, { minLength: 1, maxLength: 5 }), fc.constantFrom('MATCH', 'CREATE', 'MERGE'), (nodes, clause) => {
        const pattern = nodes.map((n) => `(${n.variable}${n.label}${n.props === '' ? '' : ` ${n.props}`})`).join('-[:R]->');
        let guarded;
        try {
          guarded = guardCypher(`${clause} ${pattern} RETURN 1`).query;
        } catch {
          return; // a refusal is always safe
        }
        // Every pattern in the output either carries the binding or repeats a variable bound earlier.
        const seen = new Set<string>();
        for (const match of guarded.matchAll(/\((\w*)(:\w+)?( \{[^}]*\})?\)/g)) {
          const [, variable = '', , props = ''] = match;
          if (props.includes('tenant_id: $tenant')) seen.add(variable);
          else expect(variable !== '' && seen.has(variable)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
