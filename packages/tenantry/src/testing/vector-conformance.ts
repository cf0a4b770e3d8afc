// What every vector store adds to the store conformance suite: values drawn so that a round trip
// through float4/float32 storage is lossless, their comparison, and the case that search never
// returns another tenant's vectors however close they are.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { runWithTenant, type TenantId } from '../core/index.js';
import type { VectorHit, VectorValue } from '../stores/index.js';
import type { ConformanceCase } from './store-conformance.js';

/** Vectors of `dimension` float32-exact numbers with small JSON metadata. */
export function vectorValues(dimension: number): fc.Arbitrary<VectorValue> {
  return fc.record({
    vector: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: dimension, maxLength: dimension }),
    metadata: fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()), { maxKeys: 3, noNullPrototype: true }),
  });
}

/** Equal once stored as float32 (the server prints the shortest text that reads back the same). */
export function sameVectorValue(a: VectorValue, b: VectorValue): boolean {
  return a.vector.length === b.vector.length && a.vector.every((x, i) => Math.fround(x) === Math.fround(b.vector[i] as number)) && isDeepStrictEqual(a.metadata, b.metadata);
}

export interface VectorSearchStore {
  readonly adapter: string;
  put(key: string, value: VectorValue): Promise<void>;
  search(vector: readonly number[], k: number): Promise<VectorHit[]>;
  purgeTenant(tenantId: TenantId): Promise<void>;
}

/**
 * @example for (const c of vectorSearchCases({ store, dimension: 3, newTenant })) it(c.name, c.run);
 */
export function vectorSearchCases(options: { store: VectorSearchStore; dimension: number; newTenant: () => Promise<TenantId> }): ConformanceCase[] {
  const { store, dimension, newTenant } = options;
  const at = (x: number) => Array.from({ length: dimension }, () => x);
  return [
    {
      name: `${store.adapter}: search returns the current tenant's nearest neighbours only, however close another tenant's are`,
      run: async () => {
        const [a, b] = [await newTenant(), await newTenant()];
        try {
          await runWithTenant(a, async () => {
            await store.put('far', { vector: at(10), metadata: { who: 'a' } });
            await store.put('near', { vector: at(1), metadata: { who: 'a' } });
          });
          await runWithTenant(b, () => store.put('exact', { vector: at(0), metadata: { who: 'b' } }));
          const hits = await runWithTenant(a, () => store.search(at(0), 5));
          const keys = hits.map((h) => h.key).join(',');
          if (keys !== 'near,far' || !hits.every((h) => h.metadata.who === 'a')) throw new Error(`tenant a's search gave ${JSON.stringify(hits)}`);
        } finally {
          await store.purgeTenant(a);
          await store.purgeTenant(b);
        }
      },
    },
  ];
}
