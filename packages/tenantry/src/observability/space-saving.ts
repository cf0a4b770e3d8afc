// The Space-Saving heavy-hitters summary (Metwally, Agrawal, El Abbadi, "Efficient Computation
// of Frequent and Top-k Elements in Data Streams", ICDT 2005): a fixed number of counters that
// always holds every key whose true frequency exceeds total/capacity, in O(log capacity) per
// observation and O(capacity) memory, however many distinct keys the stream has.

/** One tracked key: `count` over-estimates its true count by at most `error`. */
export interface HeavyHitter {
  readonly key: string;
  /** Upper bound of the key's true count (since it was last (re)admitted, plus decay). */
  readonly count: number;
  /** How much of `count` may belong to keys it replaced: `count - error` is a lower bound. */
  readonly error: number;
}

interface Slot {
  key: string;
  count: number;
  error: number;
  /** Position in the heap array, kept in step so an increment can sift in place. */
  at: number;
}

/**
 * A Space-Saving summary over a binary min-heap keyed by count: an observed key that is tracked
 * is incremented; an untracked one takes over the slot of the smallest count, inheriting that
 * count as its error. The map finds a key's slot; the heap finds the minimum.
 *
 * @example
 * const top = new SpaceSaving(100);
 * for (const tenantId of stream) top.observe(tenantId);
 * top.top(10); // the ten heaviest, by count
 */
export class SpaceSaving {
  readonly #heap: Slot[] = [];
  readonly #slots = new Map<string, Slot>();
  #total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  /** Observations since creation (after {@link decay}: the decayed sum). */
  get total(): number {
    return this.#total;
  }

  /** Counts `weight` occurrences of `key`; returns its guaranteed count (`count - error`) afterwards. */
  observe(key: string, weight = 1): number {
    this.#total += weight;
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      slot.count += weight;
      this.#siftDown(slot.at);
      return slot.count - slot.error;
    }
    if (this.#heap.length < this.capacity) {
      const added: Slot = { key, count: weight, error: 0, at: this.#heap.length };
      this.#heap.push(added);
      this.#slots.set(key, added);
      this.#siftUp(added.at);
      return weight;
    }
    // Replace the minimum: the newcomer may have occurred up to `min` times unseen.
    const min = this.#heap[0] as Slot;
    this.#slots.delete(min.key);
    min.key = key;
    min.error = min.count;
    min.count += weight;
    this.#slots.set(key, min);
    this.#siftDown(0);
    return weight;
  }

  /** The tracked entry of `key`, if it holds a slot. */
  get(key: string): HeavyHitter | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : { key: slot.key, count: slot.count, error: slot.error };
  }

  /** The `n` tracked keys with the largest guaranteed counts (`count - error`), largest first. */
  top(n: number): HeavyHitter[] {
    return this.#heap
      .map((s) => ({ key: s.key, count: s.count, error: s.error }))
      .sort((a, b) => b.count - b.error - (a.count - a.error) || b.count - a.count || (a.key < b.key ? -1 : 1))
      .slice(0, n);
  }

  /**
   * Halves every count and error (rounding down), so old traffic fades and recent traffic
   * decides. Halving keeps each slot's order and `count >= error`, so the heap stays valid.
   */
  decay(): void {
    this.#total = 0;
    for (const slot of this.#heap) {
      slot.count = Math.floor(slot.count / 2);
      slot.error = Math.floor(slot.error / 2);
      this.#total += slot.count;
    }
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i] as Slot;
    const b = this.#heap[j] as Slot;
    this.#heap[i] = b;
    this.#heap[j] = a;
    b.at = i;
    a.at = j;
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.#heap[parent] as Slot).count <= (this.#heap[i] as Slot).count) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && (this.#heap[right] as Slot).count < (this.#heap[left] as Slot).count ? right : left;
      if ((this.#heap[i] as Slot).count <= (this.#heap[child] as Slot).count) return;
      this.#swap(i, child);
      i = child;
    }
  }
}
