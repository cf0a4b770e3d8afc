// The one conformance suite every tenant store runs (tenantry/stores adapters, and an
// application's own): fail closed without a tenant, no cross-tenant read or write, purge leaves
// the other tenants intact, export → import round-trips. The isolation properties are checked
// with fast-check over many fresh tenants and random interleavings of their writes, with keys
// drawn from a small shared pool so that tenants collide on the same keys on purpose.
// Framework-neutral: it returns named cases, and a test file hands each to its runner's `it`.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { isTenantryError, newTenantId, runWithTenant, runWithoutTenant, type TenantId } from '../core/index.js';
import type { StoreRecord, TenantStore } from '../stores/index.js';

export interface StoreConformanceOptions<V> {
  /** The store under test (already connected; the suite purges every tenant it creates). */
  readonly store: TenantStore<V>;
  /** Values the store accepts. */
  readonly value: fc.Arbitrary<V>;
  /** How two values compare after a round trip (default: deep equality). */
  readonly equal?: (a: V, b: V) => boolean;
  /** Keys the store accepts (default: 1–3 `/`-separated lowercase segments, often shared). */
  readonly key?: fc.Arbitrary<string>;
  /** Property runs per case (default 12: each run writes through the real backend). */
  readonly runs?: number;
  /** Most tenants in one run (default 6). */
  readonly maxTenants?: number;
  /** Most writes and deletes in one run (default 24). */
  readonly maxOps?: number;
  /**
   * Makes a fresh tenant the store will admit (default: a new id). Stores that refuse unknown
   * tenants, as a gated one must, are given tenants registered as active here.
   */
  readonly newTenant?: () => Promise<TenantId>;
}

export interface ConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

const SHARED_KEYS = ['a', 'b', 'docs/readme', 'docs/a', 'x/y/z'];

/** Keys tenants share often (to collide) and unique ones sometimes. */
export function conformanceKey(): fc.Arbitrary<string> {
  const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,7}$/);
  return fc.oneof(fc.constantFrom(...SHARED_KEYS), fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')));
}

type Op<V> = { readonly tenant: number; readonly key: string } & ({ readonly op: 'put'; readonly value: V } | { readonly op: 'delete' });

/** A value for a failure message (bytes as arrays; never throws). */
function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)) ?? 'undefined';
  } catch {
    return Object.prototype.toString.call(value);
  }
}

async function expectCode(code: string, work: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (isTenantryError(err, code)) return;
    throw new Error(`${what}: expected ${code}, got ${show((err as { code?: unknown })?.code ?? String(err))}`, { cause: err });
  }
  throw new Error(`${what}: expected ${code}, but it succeeded`);
}

async function collect<V>(records: AsyncIterable<StoreRecord<V>>): Promise<StoreRecord<V>[]> {
  const out: StoreRecord<V>[] = [];
  for await (const record of records) out.push(record);
  return out;
}

/**
 * The cases every store must pass.
 *
 * @example
 * for (const c of storeConformanceCases({ store, value: fc.uint8Array() })) it(c.name, c.run, 60_000);
 */
export function storeConformanceCases<V>(options: StoreConformanceOptions<V>): ConformanceCase[] {
  const { store } = options;
  const equal = options.equal ?? ((a: V, b: V) => isDeepStrictEqual(a, b));
  const key = options.key ?? conformanceKey();
  const runs = options.runs ?? 12;
  const maxTenants = options.maxTenants ?? 6;
  const maxOps = options.maxOps ?? 24;
  const freshTenant = options.newTenant ?? (() => Promise.resolve(newTenantId()));
  const ops = (tenants: number) =>
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), tenant: fc.nat(tenants - 1), key, value: options.value }) },
        { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), tenant: fc.nat(tenants - 1), key }) },
      ),
      { minLength: 1, maxLength: maxOps },
    );
  const scenario = fc.integer({ min: 2, max: maxTenants }).chain((n) => fc.record({ n: fc.constant(n), ops: ops(n), chosen: fc.nat(n - 1) }));

  /** Applies `ops` for fresh tenants; returns the tenants and the model of what each holds. */
  async function play(n: number, list: readonly Op<V>[]): Promise<{ tenants: TenantId[]; model: Map<string, V>[] }> {
    const tenants: TenantId[] = [];
    for (let i = 0; i < n; i++) tenants.push(await freshTenant());
    const model = tenants.map(() => new Map<string, V>());
    for (const o of list) {
      const tenant = tenants[o.tenant] as TenantId;
      await runWithTenant(tenant, () => (o.op === 'put' ? store.put(o.key, o.value) : store.delete(o.key)));
      if (o.op === 'put') model[o.tenant]?.set(o.key, o.value);
      else model[o.tenant]?.delete(o.key);
    }
    return { tenants, model };
  }

  /** The tenant's view equals the model: same keys listed, same values read, no other key readable. */
  async function expectView(tenant: TenantId, model: Map<string, V>, probeKeys: Iterable<string>, label: string): Promise<void> {
    await runWithTenant(tenant, async () => {
      const listed = await store.list();
      const expected = [...model.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (!isDeepStrictEqual(listed, expected)) throw new Error(`${label}: list() gave ${JSON.stringify(listed)}, expected ${JSON.stringify(expected)}`);
      for (const k of new Set(probeKeys)) {
        const got = await store.get(k);
        const want = model.get(k);
        if (want === undefined ? got !== undefined : got === undefined || !equal(got, want)) {
          throw new Error(`${label}: get(${JSON.stringify(k)}) gave ${show(got)}, expected ${show(want)}`);
        }
      }
    });
  }

  async function purgeAll(tenants: readonly TenantId[]): Promise<void> {
    for (const tenant of tenants) await store.purgeTenant(tenant);
  }

  return [
    {
      name: `${store.adapter}: reads and writes fail closed with no tenant in context`,
      run: () =>
        runWithoutTenant(async () => {
          await expectCode('TENANT_CONTEXT_MISSING', () => store.list(), 'list()');
          await expectCode('TENANT_CONTEXT_MISSING', () => store.get('a'), 'get()');
          await expectCode('TENANT_CONTEXT_MISSING', () => store.delete('a'), 'delete()');
          const value = fc.sample(options.value, { numRuns: 1, seed: 1 })[0] as V;
          await expectCode('TENANT_CONTEXT_MISSING', () => store.put('a', value), 'put()');
        }),
    },
    {
      name: `${store.adapter}: cross-tenant reads and writes are impossible (property, many tenants)`,
      run: () =>
        fc.assert(
          fc.asyncProperty(scenario, async ({ n, ops: list }) => {
            const { tenants, model } = await play(n, list);
            try {
              const everyKey = list.map((o) => o.key);
              for (let i = 0; i < n; i++) await expectView(tenants[i] as TenantId, model[i] as Map<string, V>, everyKey, `tenant #${i}`);
            } finally {
              await purgeAll(tenants);
            }
          }),
          { numRuns: runs },
        ),
    },
    {
      name: `${store.adapter}: purging one tenant leaves the others intact (property)`,
      run: () =>
        fc.assert(
          fc.asyncProperty(scenario, async ({ n, ops: list, chosen }) => {
            const { tenants, model } = await play(n, list);
            try {
              await store.purgeTenant(tenants[chosen] as TenantId);
              const everyKey = list.map((o) => o.key);
              for (let i = 0; i < n; i++) {
                const expected = i === chosen ? new Map<string, V>() : (model[i] as Map<string, V>);
                await expectView(tenants[i] as TenantId, expected, everyKey, i === chosen ? 'purged tenant' : `other tenant #${i}`);
              }
              const left = await collect(store.exportTenant(tenants[chosen] as TenantId));
              if (left.length > 0) throw new Error(`the purged tenant still exports ${left.length} record(s)`);
            } finally {
              await purgeAll(tenants);
            }
          }),
          { numRuns: runs },
        ),
    },
    {
      name: `${store.adapter}: export → import round-trips a tenant, into itself and into a new tenant (property)`,
      run: () =>
        fc.assert(
          fc.asyncProperty(scenario, async ({ n, ops: list, chosen }) => {
            const { tenants, model } = await play(n, list);
            const copy = await freshTenant();
            try {
              const source = tenants[chosen] as TenantId;
              const exported = await collect(store.exportTenant(source));
              const exportedKeys = exported.map((r) => r.key).sort();
              const modelKeys = [...(model[chosen] as Map<string, V>).keys()].sort();
              if (!isDeepStrictEqual(exportedKeys, modelKeys)) throw new Error(`export gave keys ${JSON.stringify(exportedKeys)}, expected ${JSON.stringify(modelKeys)}`);
              await store.purgeTenant(source);
              const back = await store.importTenant(source, exported);
              if (back !== exported.length) throw new Error(`import counted ${back}, expected ${exported.length}`);
              await store.importTenant(copy, exported);
              const everyKey = list.map((o) => o.key);
              await expectView(source, model[chosen] as Map<string, V>, everyKey, 're-imported tenant');
              await expectView(copy, model[chosen] as Map<string, V>, everyKey, 'tenant imported from the export');
              for (let i = 0; i < n; i++) if (i !== chosen) await expectView(tenants[i] as TenantId, model[i] as Map<string, V>, everyKey, `other tenant #${i}`);
            } finally {
              await purgeAll([...tenants, copy]);
            }
          }),
          { numRuns: runs },
        ),
    },
    {
      name: `${store.adapter}: purge, export and import refuse a tenant other than the one in context`,
      run: async () => {
        const [a, b] = [newTenantId(), newTenantId()];
        await runWithTenant(a, async () => {
          await expectCode('STORE_TENANT_MISMATCH', () => store.purgeTenant(b), 'purgeTenant(other)');
          await expectCode('STORE_TENANT_MISMATCH', () => collect(store.exportTenant(b)), 'exportTenant(other)');
          await expectCode('STORE_TENANT_MISMATCH', () => store.importTenant(b, []), 'importTenant(other)');
        });
      },
    },
    {
      name: `${store.adapter}: keys that could leave the tenant's space are refused`,
      run: async () => {
        const value = fc.sample(options.value, { numRuns: 1, seed: 2 })[0] as V;
        await runWithTenant(newTenantId(), async () => {
          for (const bad of ['../x', 'a/../../b', '/a', 'a//b', 'a/./b', 'a\u0000b', 'a\nb', 'a\\b', '']) {
            await expectCode('STORE_KEY_INVALID', () => store.put(bad, value), `put(${JSON.stringify(bad)})`);
            await expectCode('STORE_KEY_INVALID', () => store.get(bad), `get(${JSON.stringify(bad)})`);
          }
        });
      },
    },
    {
      name: `${store.adapter}: the verifier check passes on a store the adapter laid out`,
      run: async () => {
        const check = await store.verify();
        if (!check.ok) throw new Error(`verify() found ${JSON.stringify(check.findings)}`);
      },
    },
  ];
}

/**
 * A store that is opened in `beforeAll` but named when the cases are collected: `adapter` now,
 * every other member from `open()` when a case runs.
 */
export function lateStore<S extends TenantStore<unknown>>(adapter: string, open: () => S): S {
  return new Proxy({} as S, {
    get: (_target, property) => (property === 'adapter' ? adapter : (open() as unknown as Record<string | symbol, unknown>)[property]),
  });
}
