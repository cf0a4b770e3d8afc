// The value a vector store holds, and the checks every vector adapter applies to it.
import { storesErrors } from './errors.js';
import type { JsonObject } from './graph-store.js';

/** One embedding with its metadata. */
export interface VectorValue {
  readonly vector: readonly number[];
  readonly metadata: JsonObject;
}

/** A nearest-neighbour hit: the key, its distance (L2), its metadata. */
export interface VectorHit {
  readonly key: string;
  readonly distance: number;
  readonly metadata: JsonObject;
}

export function checkVector(vector: unknown, dimension: number): readonly number[] {
  if (!Array.isArray(vector) || vector.length !== dimension || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: `a vector of ${dimension} finite numbers` } });
  }
  return vector as readonly number[];
}

export function checkVectorValue(value: VectorValue, dimension: number): VectorValue {
  checkVector(value?.vector, dimension);
  const metadata: unknown = value.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'metadata is a JSON object' } });
  return value;
}

export function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw storesErrors.create('STORE_VALUE_INVALID', { details: { reason: 'k is a whole number from 1 to 1000' } });
  return k;
}
