// The tenant context: which tenant an async call chain works for. It must follow the chain
// through every kind of async hop, never leak into another chain, and fail closed without one.
import { EventEmitter } from 'node:events';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError } from './errors.js';
import { bindTenantContext, currentTenant, requireTenant, runWithoutTenant, runWithTenant } from './tenant-context.js';
import { newTenantId, type TenantId } from './tenant-id.js';

const a = newTenantId();
const b = newTenantId();
const tenantNow = () => currentTenant()?.tenantId;
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('runWithTenant, currentTenant and requireTenant', () => {
  it('puts the tenant in context for the callback and returns its result', () => {
    const seen = runWithTenant(a, () => [currentTenant(), requireTenant().tenantId]);
    expect(seen).toEqual([{ tenantId: a, resolvedBy: 'explicit' }, a]);
  });

  it('carries the slug and the strategy that resolved the tenant', () => {
    const context = runWithTenant({ tenantId: a, slug: 'acme', resolvedBy: 'subdomain' }, () => currentTenant());
    expect(context).toEqual({ tenantId: a, slug: 'acme', resolvedBy: 'subdomain' });
    expect(Object.isFrozen(context)).toBe(true);
  });

  it('has no tenant outside any context, and requireTenant fails closed with TENANT_CONTEXT_MISSING', () => {
    expect(currentTenant()).toBeUndefined();
    const err = thrown(() => requireTenant());
    expect(isTenantryError(err, 'TENANT_CONTEXT_MISSING')).toBe(true);
  });

  it('leaves no tenant behind once the callback has finished', async () => {
    await runWithTenant(a, async () => {
      await Promise.resolve();
    });
    expect(currentTenant()).toBeUndefined();
  });
});

describe('the context across async hops', () => {
  it('survives await', async () => {
    const seen = await runWithTenant(a, async () => {
      await Promise.resolve();
      const first = tenantNow();
      await new Promise<void>((resolve) => setImmediate(resolve));
      return [first, tenantNow()];
    });
    expect(seen).toEqual([a, a]);
  });

  it('survives setTimeout, setImmediate, queueMicrotask and process.nextTick', async () => {
    const seen = await runWithTenant(a, () =>
      Promise.all([
        new Promise((resolve) => setTimeout(() => resolve(tenantNow()), 0)),
        new Promise((resolve) => setImmediate(() => resolve(tenantNow()))),
        new Promise((resolve) => queueMicrotask(() => resolve(tenantNow()))),
        new Promise((resolve) => process.nextTick(() => resolve(tenantNow()))),
      ]),
    );
    expect(seen).toEqual([a, a, a, a]);
  });

  it('reaches every callback of a stream pipeline started inside the context', async () => {
    const run = (tenant: TenantId) =>
      runWithTenant(tenant, async () => {
        const seen = new Set<string | undefined>();
        const out: string[] = [];
        let n = 0;
        const source = new Readable({
          objectMode: true,
          read() {
            seen.add(tenantNow());
            // Push from a later tick so the pipeline crosses real async boundaries.
            setImmediate(() => this.push(n < 5 ? `chunk-${(n += 1)}` : null));
          },
        });
        const upper = new Transform({
          objectMode: true,
          transform(chunk: string, _encoding, done) {
            seen.add(tenantNow());
            setImmediate(() => done(null, chunk.toUpperCase()));
          },
        });
        const sink = new Writable({
          objectMode: true,
          write(chunk: string, _encoding, done) {
            seen.add(tenantNow());
            out.push(chunk);
            process.nextTick(done);
          },
          final(done) {
            seen.add(tenantNow());
            done();
          },
        });
        await pipeline(source, upper, sink);
        return { seen: [...seen], out };
      });
    // Two pipelines at once: each sees its own tenant only.
    const [forA, forB] = await Promise.all([run(a), run(b)]);
    expect(forA).toEqual({ seen: [a], out: ['CHUNK-1', 'CHUNK-2', 'CHUNK-3', 'CHUNK-4', 'CHUNK-5'] });
    expect(forB?.seen).toEqual([b]);
  });

  it('does not reach an EventEmitter listener when the emit happens outside the context (the pitfall)', () => {
    const emitter = new EventEmitter();
    const seen: Array<string | undefined> = [];
    runWithTenant(a, () => emitter.on('event', () => seen.push(tenantNow())));
    emitter.emit('event');
    runWithTenant(b, () => emitter.emit('event'));
    // The listener runs in the emitter's context: none, then the *other* tenant's.
    expect(seen).toEqual([undefined, b]);
  });

  it('reaches an EventEmitter listener bound with bindTenantContext, whoever emits', () => {
    const emitter = new EventEmitter();
    const seen: Array<string | undefined> = [];
    runWithTenant(a, () => emitter.on('event', bindTenantContext(() => seen.push(tenantNow()))));
    emitter.emit('event');
    runWithTenant(b, () => emitter.emit('event'));
    expect(seen).toEqual([a, a]);
  });

  it('keeps concurrent contexts apart however their awaits interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 6 }),
        async (s, stepsPerTenant) => {
          const tenants = stepsPerTenant.map(() => newTenantId());
          const mismatches: string[] = [];
          const work = tenants.map((tenant, i) =>
            runWithTenant(tenant, async () => {
              for (let step = 0; step < (stepsPerTenant[i] ?? 0); step += 1) {
                await s.schedule(Promise.resolve(step));
                if (tenantNow() !== tenant) mismatches.push(`${i}:${step}`);
              }
            }),
          );
          await s.waitFor(Promise.all(work));
          expect(mismatches).toEqual([]);
          expect(currentTenant()).toBeUndefined();
        },
      ),
    );
  });
});

describe('nesting', () => {
  it('refuses to nest a different tenant with TENANT_CONTEXT_CONFLICT, before running the callback', () => {
    let ran = false;
    const err = thrown(() =>
      runWithTenant(a, () =>
        runWithTenant(b, () => {
          ran = true;
        }),
      ),
    );
    expect(isTenantryError(err, 'TENANT_CONTEXT_CONFLICT')).toBe(true);
    expect(ran).toBe(false);
  });

  it('refuses a different tenant also after an await inside the outer context', async () => {
    const err = await runWithTenant(a, async () => {
      await Promise.resolve();
      return thrown(() => runWithTenant(b, () => undefined));
    });
    expect(isTenantryError(err, 'TENANT_CONTEXT_CONFLICT')).toBe(true);
  });

  it('allows nesting the same tenant and keeps what the outer context knew', () => {
    const inner = runWithTenant({ tenantId: a, slug: 'acme', resolvedBy: 'header' }, () => runWithTenant(a, () => currentTenant()));
    expect(inner).toEqual({ tenantId: a, slug: 'acme', resolvedBy: 'header' });
  });

  it('runWithoutTenant clears the context for its callback and its continuations, then restores it', async () => {
    const seen = await runWithTenant(a, async () => {
      const inside = await runWithoutTenant(async () => {
        await Promise.resolve();
        return { tenant: tenantNow(), missing: isTenantryError(thrown(() => requireTenant()), 'TENANT_CONTEXT_MISSING') };
      });
      return { inside, after: tenantNow() };
    });
    expect(seen).toEqual({ inside: { tenant: undefined, missing: true }, after: a });
  });

  it('lets work for another tenant start from a context-free scope (a worker between jobs)', () => {
    const seen = runWithTenant(a, () => runWithoutTenant(() => runWithTenant(b, () => tenantNow())));
    expect(seen).toBe(b);
  });
});
