// The tenant registry against a real PostgreSQL: creating (nothing written on refusal), lookups,
// cursor pagination, lifecycle transitions serialized under concurrency, and deletion that purges
// exactly the deleted tenant's rows.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isTenantryError, type IsolationTier, type Tenant, type TenantId, type TenantStatus } from '../core/index.js';
import { createTenantDatabase, isolateTable } from '../postgres/index.js';
import { pgPool } from '../postgres/pg.js';
import { codeOfError, createTestTenantry, errorOf, type TestTenantry } from '../testing/index.js';
import { createTenantRegistry, type CreateTenantInput, type TenantRegistry } from './index.js';

let t: TestTenantry;
let registry: TenantRegistry;
let serial = 0;
const slug = (prefix: string) => `${prefix}-${(serial += 1)}`;

/** A clock the test moves by hand. */
function manualClock(start: string) {
  let now = new Date(start);
  return { now: () => new Date(now), set: (at: string) => void (now = new Date(at)) };
}

const countTenants = async () => (await t.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM tenantry.tenants')).rows[0]?.n;
const storedRow = async (id: string) =>
  (await t.admin.query('SELECT status, version, updated_at, status_changed_at FROM tenantry.tenants WHERE id = $1', [id])).rows[0];
const allIdsInOrder = async () => (await t.admin.query<{ id: string }>('SELECT id FROM tenantry.tenants ORDER BY created_at, id')).rows.map((r) => r.id);

/**
 * The error the tenant gate gives `tenantId`, asked on a connection of its own: a refusal on a
 * fresh connection currently breaks that connection (drivers/pg-pipelined-query.int.test.ts),
 * and the shared pool must stay usable for the other tests.
 */
async function gateRefusal(tenantId: string, how: 'withTenant' | 'transaction' = 'withTenant') {
  const pool = pgPool({ connectionString: t.appUrl, max: 1 });
  try {
    const db = createTenantDatabase({ pool });
    return await errorOf(how === 'withTenant' ? db.withTenant(tenantId, (s) => s.query('SELECT 1')) : db.transaction(tenantId, (tx) => tx.query('SELECT 1')));
  } finally {
    await pool.end();
  }
}

async function pageThrough(reg: TenantRegistry, limit: number, status?: Tenant['status']) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await reg.list({ limit, ...(cursor === undefined ? {} : { cursor }), ...(status === undefined ? {} : { status }) });
    pages.push(page.tenants.map((x) => x.id));
    cursor = page.nextCursor;
    if (pages.length > 1000) throw new Error('pagination does not end');
  } while (cursor !== undefined);
  return pages;
}

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  registry = t.registry;
});
afterAll(() => t?.close());

describe('create', () => {
  it('creates an active pooled tenant with a normalized slug and the default display name, plan and region', async () => {
    const tenant = await registry.create({ slug: '  New-Co ' });
    expect(tenant).toMatchObject({ slug: 'new-co', displayName: 'new-co', status: 'active', tier: 'pooled', plan: 'free', region: 'default' });
    expect(tenant.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await registry.get(tenant.id)).toEqual(tenant);
  });

  it('takes a display name (trimmed), a plan and a region', async () => {
    const tenant = await registry.create({ slug: slug('named'), displayName: '  Acme Inc.  ', plan: 'pro_2', region: 'eu-west-1' });
    expect(tenant).toMatchObject({ displayName: 'Acme Inc.', plan: 'pro_2', region: 'eu-west-1' });
  });

  it('stamps its times from the clock it is given, and increments the version on every change', async () => {
    const clock = manualClock('2031-02-03T04:05:06.007Z');
    const timed = createTenantRegistry({ operator: t.operator, data: t.db, clock });
    const created = await timed.create({ slug: slug('timed') });
    expect([created.createdAt, created.updatedAt, created.statusChangedAt]).toEqual(Array(3).fill(new Date('2031-02-03T04:05:06.007Z')));
    clock.set('2031-02-04T00:00:00.000Z');
    const suspended = await timed.suspend(created.id);
    expect(suspended).toMatchObject({ status: 'suspended', version: created.version + 1, createdAt: created.createdAt });
    expect([suspended.updatedAt, suspended.statusChangedAt]).toEqual([new Date('2031-02-04T00:00:00.000Z'), new Date('2031-02-04T00:00:00.000Z')]);
    expect((await timed.restore(created.id)).version).toBe(created.version + 2);
  });

  it('refuses a slug another live tenant uses, whatever its case and blanks, and writes nothing', async () => {
    const before = await countTenants();
    for (const taken of ['tenant-0', ' TENANT-0 ', 'Tenant-1']) {
      expect(codeOfError(await errorOf(registry.create({ slug: taken }))), taken).toBe('TENANT_SLUG_TAKEN');
    }
    expect(await countTenants()).toBe(before);
  });

  it('lets exactly one of two concurrent creates with the same slug win', async () => {
    const contested = slug('contested');
    const results = await Promise.allSettled([registry.create({ slug: contested }), registry.create({ slug: contested })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => codeOfError(r.reason))).toEqual(['TENANT_SLUG_TAKEN']);
    const { rows } = await t.admin.query('SELECT id FROM tenantry.tenants WHERE slug = $1', [contested]);
    expect(rows).toHaveLength(1);
  });

  it.each<[string, CreateTenantInput, string, string | undefined]>([
    ['an invalid slug', { slug: 'bad_slug' }, 'TENANT_SLUG_INVALID', undefined],
    ['a reserved slug', { slug: 'admin' }, 'TENANT_SLUG_RESERVED', undefined],
    ['a plan with blanks and punctuation', { slug: 'plan-bad', plan: 'Gold Plan!' }, 'TENANT_FIELD_INVALID', 'plan'],
    ['an empty plan', { slug: 'plan-empty', plan: '' }, 'TENANT_FIELD_INVALID', 'plan'],
    ['a region of 65 characters', { slug: 'region-long', region: 'r'.repeat(65) }, 'TENANT_FIELD_INVALID', 'region'],
    ['the schema tier', { slug: 'tier-schema', tier: 'schema' }, 'TENANT_FIELD_INVALID', 'tier'],
    ['the database tier', { slug: 'tier-database', tier: 'database' }, 'TENANT_FIELD_INVALID', 'tier'],
    ['an unknown tier', { slug: 'tier-unknown', tier: 'bogus' as unknown as IsolationTier }, 'TENANT_FIELD_INVALID', 'tier'],
    ['a blank display name', { slug: 'name-blank', displayName: '   ' }, 'TENANT_FIELD_INVALID', 'displayName'],
    ['a display name of 201 characters', { slug: 'name-long', displayName: 'n'.repeat(201) }, 'TENANT_FIELD_INVALID', 'displayName'],
  ])('refuses %s and writes nothing', async (_, input, code, field) => {
    const before = await countTenants();
    const err = await errorOf(registry.create(input));
    expect(codeOfError(err)).toBe(code);
    if (field !== undefined) expect((err as { details: { field?: string } }).details.field).toBe(field);
    expect(await countTenants()).toBe(before);
  });
});

describe('lookups', () => {
  it('finds a tenant by id, also written in upper case, with get and tryGet', async () => {
    const [first] = t.tenants as [Tenant];
    expect(await registry.get(first.id)).toMatchObject({ id: first.id, slug: 'tenant-0' });
    expect(await registry.tryGet(first.id.toUpperCase())).toMatchObject({ id: first.id });
  });

  it('finds a tenant by slug, normalized, with getBySlug and tryGetBySlug', async () => {
    const [first] = t.tenants as [Tenant];
    expect((await registry.getBySlug(' TENANT-0 ')).id).toBe(first.id);
    expect((await registry.tryGetBySlug('tenant-0'))?.id).toBe(first.id);
  });

  it('answers undefined from the try forms and TENANT_NOT_FOUND from the others for an unknown tenant', async () => {
    const unknown = '0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f';
    expect(await registry.tryGet(unknown)).toBeUndefined();
    expect(codeOfError(await errorOf(registry.get(unknown)))).toBe('TENANT_NOT_FOUND');
    expect(await registry.tryGetBySlug('nobody-here')).toBeUndefined();
    expect(codeOfError(await errorOf(registry.getBySlug('nobody-here')))).toBe('TENANT_NOT_FOUND');
  });

  it('refuses a malformed id, or a slug passed as an id, with TENANT_ID_INVALID', async () => {
    for (const bad of ['not-a-uuid', 'tenant-0', '00000000-0000-0000-0000-000000000000']) {
      expect(codeOfError(await errorOf(registry.get(bad))), bad).toBe('TENANT_ID_INVALID');
      expect(codeOfError(await errorOf(registry.tryGet(bad))), bad).toBe('TENANT_ID_INVALID');
      expect(codeOfError(await errorOf(registry.suspend(bad))), bad).toBe('TENANT_ID_INVALID');
    }
  });
});

describe('list', () => {
  beforeAll(async () => {
    for (let i = 0; i < 25; i += 1) await registry.create({ slug: slug('listed') });
  });

  it('pages through every tenant with a cursor, with no duplicates, no gaps and a stable order', async () => {
    const expected = await allIdsInOrder();
    expect(expected.length).toBeGreaterThanOrEqual(25);
    const pages = await pageThrough(registry, 10);
    expect(pages.length).toBe(Math.ceil(expected.length / 10));
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(10);
    expect(pages.flat()).toEqual(expected);
    expect(await pageThrough(registry, 10)).toEqual(pages);
  });

  it('pages correctly through tenants created in the same millisecond', async () => {
    const frozen = createTenantRegistry({ operator: t.operator, data: t.db, clock: { now: () => new Date('2032-01-01T00:00:00.000Z') } });
    const twins: string[] = [];
    for (let i = 0; i < 12; i += 1) twins.push((await frozen.create({ slug: slug('twin') })).id);
    const flat = (await pageThrough(registry, 5)).flat();
    expect(flat).toEqual(await allIdsInOrder());
    expect(flat.slice(-12)).toEqual([...twins].sort());
  });

  it('filters by status', async () => {
    const all = await registry.list({ limit: 500 });
    const [x, y] = all.tenants.filter((tenant) => tenant.slug.startsWith('listed-')) as [Tenant, Tenant];
    await registry.suspend(x.id);
    await registry.suspend(y.id);
    const suspended = (await pageThrough(registry, 3, 'suspended')).flat();
    expect(suspended).toEqual(expect.arrayContaining([x.id, y.id]));
    const { rows } = await t.admin.query<{ id: string }>(`SELECT id FROM tenantry.tenants WHERE status = 'suspended' ORDER BY created_at, id`);
    expect(suspended).toEqual(rows.map((r) => r.id));
    const active = (await registry.list({ status: 'active', limit: 500 })).tenants;
    expect(active.every((tenant) => tenant.status === 'active')).toBe(true);
    expect(active.map((tenant) => tenant.id)).not.toContain(x.id);
  });

  it('refuses a cursor it did not issue with TENANT_FIELD_INVALID', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of ['', 'garbage!!', encode({}), encode(null), encode(['not a date', t.tenants[0]?.id]), encode(['2024-01-01T00:00:00.000Z', 'not-a-uuid'])]) {
      const err = await errorOf(registry.list({ cursor }));
      expect(codeOfError(err), cursor).toBe('TENANT_FIELD_INVALID');
      expect((err as { details: { field?: string } }).details.field).toBe('cursor');
    }
  });

  it('refuses a limit outside 1–500 and an unknown status with TENANT_FIELD_INVALID', async () => {
    for (const limit of [0, 501, 1.5, -1]) {
      const err = await errorOf(registry.list({ limit }));
      expect((err as { details: { field?: string } }).details.field, String(limit)).toBe('limit');
    }
    const err = await errorOf(registry.list({ status: 'gone' as unknown as TenantStatus }));
    expect(codeOfError(err)).toBe('TENANT_FIELD_INVALID');
    expect((err as { details: { field?: string } }).details.field).toBe('status');
  });
});

describe('list filters', () => {
  const ids = (page: { tenants: readonly Tenant[] }) => page.tenants.map((x) => x.id);
  let a: Tenant, b: Tenant, c: Tenant;
  beforeAll(async () => {
    a = await registry.create({ slug: slug('filt-alpha'), displayName: 'Alpha 50%_off GmbH', plan: 'pro', region: 'eu-west' });
    b = await registry.create({ slug: slug('filt-beta'), displayName: 'Beta', plan: 'pro', region: 'us-east' });
    c = await registry.create({ slug: slug('filt-gamma'), displayName: 'Gamma', plan: 'enterprise', region: 'eu-west' });
  });

  it('filters by plan, region and tier, combined with AND, each matching exactly what the table holds', async () => {
    const byPlan = await registry.list({ plan: 'pro', limit: 500 });
    const { rows } = await t.admin.query<{ id: string }>(`SELECT id FROM tenantry.tenants WHERE plan = 'pro' AND status <> 'deleted' ORDER BY created_at, id`);
    expect(ids(byPlan)).toEqual(rows.map((r) => r.id));
    expect(ids(byPlan)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(ids(await registry.list({ plan: 'pro', region: 'eu-west', limit: 500 }))).toEqual([a.id]);
    expect(ids(await registry.list({ region: 'eu-west', tier: 'pooled', limit: 500 }))).toEqual([a.id, c.id]);
  });

  it('searches slug and display name case-insensitively, taking % and _ literally', async () => {
    expect(ids(await registry.list({ search: 'FILT-BETA', limit: 500 }))).toEqual([b.id]);
    expect(ids(await registry.list({ search: 'gamma', limit: 500 }))).toEqual([c.id]);
    expect(ids(await registry.list({ search: '50%_off', limit: 500 }))).toEqual([a.id]);
    expect(ids(await registry.list({ search: '%', limit: 500 }))).toEqual([a.id]);
    expect(ids(await registry.list({ search: 'no such tenant anywhere', limit: 500 }))).toEqual([]);
  });

  it('pages through a filtered list with the cursor', async () => {
    const first = await registry.list({ search: 'filt-', limit: 2 });
    expect(ids(first)).toEqual([a.id, b.id]);
    expect(first.nextCursor).toBeDefined();
    const second = await registry.list({ search: 'filt-', limit: 2, cursor: first.nextCursor as string });
    expect(ids(second)).toEqual([c.id]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('refuses a bad plan, region, tier or an overlong search with TENANT_FIELD_INVALID naming the field', async () => {
    for (const [opts, field] of [[{ plan: 'Pro!' }, 'plan'], [{ region: '' }, 'region'], [{ tier: 'silo' }, 'tier'], [{ search: 'x'.repeat(201) }, 'search']] as const) {
      const err = await errorOf(registry.list(opts as never));
      expect(codeOfError(err), field).toBe('TENANT_FIELD_INVALID');
      expect((err as { details: { field?: string } }).details.field).toBe(field);
    }
  });
});

describe('update', () => {
  it('changes display name, plan and region, one version up, audited with old and new values', async () => {
    const x = await registry.create({ slug: slug('upd'), displayName: 'Before' });
    const updated = await registry.update(x.id, { displayName: '  After  ', plan: 'pro', region: 'eu-west' }, { by: { actor: 'operator:ada', requestId: 'req-9' } });
    expect(updated).toMatchObject({ displayName: 'After', plan: 'pro', region: 'eu-west', version: x.version + 1, status: 'active' });
    expect(await registry.get(x.id)).toEqual(updated);
    const { rows } = await t.admin.query<{ actor: string; request_id: string; details: Record<string, unknown> }>(
      `SELECT actor, request_id, details FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'tenant.update'`, [x.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'operator:ada', request_id: 'req-9' });
    expect(rows[0]?.details).toMatchObject({ plan: { from: 'free', to: 'pro' }, region: { from: 'default', to: 'eu-west' }, display_name: { from: 'Before', to: 'After' } });
  });

  it('changes nothing (no version, no audit event) when the values are the ones it has', async () => {
    const x = await registry.create({ slug: slug('upd-same'), plan: 'pro' });
    expect(await registry.update(x.id, { plan: 'pro' })).toEqual(x);
    const { rows } = await t.admin.query(`SELECT 1 FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'tenant.update'`, [x.id]);
    expect(rows).toHaveLength(0);
  });

  it('refuses bad values and unknown fields with TENANT_FIELD_INVALID, a stale version with TENANT_VERSION_CONFLICT, and writes nothing', async () => {
    const x = await registry.create({ slug: slug('upd-bad') });
    for (const [input, field] of [[{ plan: 'PRO' }, 'plan'], [{ region: 'a b' }, 'region'], [{ displayName: '   ' }, 'displayName'], [{ tier: 'schema' }, 'tier'], [{ status: 'deleted' }, 'status']] as const) {
      const err = await errorOf(registry.update(x.id, input as never));
      expect(codeOfError(err), field).toBe('TENANT_FIELD_INVALID');
      expect((err as { details: { field?: string } }).details.field).toBe(field);
    }
    expect(codeOfError(await errorOf(registry.update(x.id, { plan: 'pro' }, { expectedVersion: x.version - 1 })))).toBe('TENANT_VERSION_CONFLICT');
    expect(await registry.get(x.id)).toEqual(x);
  });

  it('answers TENANT_NOT_FOUND for an unknown or deleted tenant', async () => {
    expect(codeOfError(await errorOf(registry.update('0190f0e0-0000-7000-8000-000000000000', { plan: 'pro' })))).toBe('TENANT_NOT_FOUND');
  });
});

describe('transitions', () => {
  it('suspends, restores, offboards and deletes, one version up each time', async () => {
    const tenant = await registry.create({ slug: slug('life') });
    const steps = [
      await registry.suspend(tenant.id),
      await registry.restore(tenant.id),
      await registry.offboard(tenant.id),
      (await registry.delete(tenant.id)).tenant,
    ];
    expect(steps.map((s) => [s.status, s.version])).toEqual([
      ['suspended', tenant.version + 1],
      ['active', tenant.version + 2],
      ['offboarding', tenant.version + 3],
      ['deleted', tenant.version + 4],
    ]);
  });

  it('gives an offboarding tenant no more work (TENANT_NOT_ACTIVE)', async () => {
    const tenant = await registry.create({ slug: slug('leaving') });
    await registry.offboard(tenant.id);
    expect(codeOfError(await gateRefusal(tenant.id))).toBe('TENANT_NOT_ACTIVE');
    expect(codeOfError(await gateRefusal(tenant.id, 'transaction'))).toBe('TENANT_NOT_ACTIVE');
  });

  it('refuses an illegal transition with TENANT_INVALID_TRANSITION and leaves the row as it was', async () => {
    const tenant = await registry.create({ slug: slug('steady') });
    const before = await storedRow(tenant.id);
    for (const event of ['restore', 'activate', 'delete'] as const) {
      const err = await errorOf(registry.transition(tenant.id, event));
      expect(codeOfError(err), event).toBe('TENANT_INVALID_TRANSITION');
      expect((err as { details: object }).details).toMatchObject({ from: 'active', allowed: ['suspend', 'offboard'] });
    }
    expect(await storedRow(tenant.id)).toEqual(before);
  });

  it('applies a transition only at the expected version (TENANT_VERSION_CONFLICT otherwise), leaving the row as it was', async () => {
    const tenant = await registry.create({ slug: slug('cas') });
    const before = await storedRow(tenant.id);
    const err = await errorOf(registry.transition(tenant.id, 'suspend', { expectedVersion: tenant.version - 1 }));
    expect(codeOfError(err)).toBe('TENANT_VERSION_CONFLICT');
    expect((err as { details: object }).details).toEqual({ expectedVersion: tenant.version - 1, version: tenant.version });
    expect(await storedRow(tenant.id)).toEqual(before);
    expect((await registry.transition(tenant.id, 'suspend', { expectedVersion: tenant.version })).version).toBe(tenant.version + 1);
  });

  it('answers TENANT_NOT_FOUND for a transition of an unknown tenant', async () => {
    expect(codeOfError(await errorOf(registry.suspend('0190f8a0-5c3e-7b7a-9f4e-1a2b3c4d5e6f')))).toBe('TENANT_NOT_FOUND');
  });
});

describe('concurrent transitions on one tenant', () => {
  const ROUNDS = 20;

  it('lets exactly one of two concurrent suspends win, with one version increment', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const tenant = await registry.create({ slug: slug('race-suspend') });
      const results = await Promise.allSettled([registry.suspend(tenant.id), registry.suspend(tenant.id)]);
      expect(results.filter((r) => r.status === 'fulfilled'), `round ${round}`).toHaveLength(1);
      expect(results.flatMap((r) => (r.status === 'rejected' ? [codeOfError(r.reason)] : []))).toEqual(['TENANT_INVALID_TRANSITION']);
      expect(await storedRow(tenant.id)).toMatchObject({ status: 'suspended', version: tenant.version + 1 });
    }
  });

  it('runs suspend and offboard as if one after the other, never interleaved', async () => {
    // Both orders are legal (active → suspended → offboarding, or active → offboarding and the
    // suspend refused); what must never happen is both winning with one version increment.
    for (let round = 0; round < ROUNDS; round += 1) {
      const tenant = await registry.create({ slug: slug('race-mixed') });
      const [suspend, offboard] = await Promise.allSettled([registry.suspend(tenant.id), registry.offboard(tenant.id)]);
      const row = await storedRow(tenant.id);
      expect(offboard?.status, `round ${round}`).toBe('fulfilled');
      expect(row?.status).toBe('offboarding');
      if (suspend?.status === 'fulfilled') {
        expect(row?.version).toBe(tenant.version + 2);
        expect(offboard?.status === 'fulfilled' && offboard.value.version).toBe(suspend.value.version + 1);
      } else {
        expect(codeOfError(suspend?.reason)).toBe('TENANT_INVALID_TRANSITION');
        expect(row?.version).toBe(tenant.version + 1);
      }
    }
  });

  it('lets exactly one of two transitions at the same expected version win', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const tenant = await registry.create({ slug: slug('race-cas') });
      const expectedVersion = tenant.version;
      const results = await Promise.allSettled([
        registry.transition(tenant.id, 'suspend', { expectedVersion }),
        registry.transition(tenant.id, 'offboard', { expectedVersion }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled'), `round ${round}`).toHaveLength(1);
      expect(results.flatMap((r) => (r.status === 'rejected' ? [codeOfError(r.reason)] : []))).toEqual(['TENANT_VERSION_CONFLICT']);
      expect((await storedRow(tenant.id))?.version).toBe(tenant.version + 1);
    }
  });
});

describe('waiting for work admitted before a transition (migration 0012)', () => {
  /** A transaction of `tenantId` that has passed its gate and stays open until `finish()`. */
  async function openTransaction(tenantId: string) {
    let finish!: () => void;
    const finishNow = new Promise<void>((resolve) => (finish = resolve));
    let entered!: () => void;
    const enteredNow = new Promise<void>((resolve) => (entered = resolve));
    const done = t.db.transaction(tenantId, async (tx) => {
      await tx.query('SELECT 1');
      entered();
      await finishNow;
    });
    await enteredNow;
    return { finish, done };
  }

  it('refuses new work at once, returns from a suspend only once the older app transactions ended, and times out with TENANT_WORK_IN_FLIGHT', async () => {
    const tenant = await registry.create({ slug: slug('drain') });
    const open = await openTransaction(tenant.id);
    let returned = false;
    const suspension = registry.suspend(tenant.id).then(() => (returned = true));
    // The new status commits before the wait: new work of the tenant is refused meanwhile.
    while ((await storedRow(tenant.id))?.status !== 'suspended') await new Promise((resolve) => setTimeout(resolve, 10));
    expect(isTenantryError(await gateRefusal(tenant.id), 'TENANT_SUSPENDED')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(returned).toBe(false);
    open.finish();
    await open.done;
    await suspension;
    expect(returned).toBe(true);

    const impatient = createTenantRegistry({ operator: t.operator, data: t.db, drainTimeoutMs: 200 });
    const other = await registry.create({ slug: slug('drain') });
    const held = await openTransaction(other.id);
    try {
      const err = await errorOf(impatient.suspend(other.id));
      expect(isTenantryError(err, 'TENANT_WORK_IN_FLIGHT'), String(err)).toBe(true);
      expect((await storedRow(other.id))?.status).toBe('suspended');
    } finally {
      held.finish();
      await held.done;
    }
  });
});

describe('delete', () => {
  let doomed: Tenant;
  let keeper: TenantId;
  const countRows = async (tenant: string) =>
    (await t.admin.query<{ parents: number; children: number }>(
      `SELECT (SELECT count(*)::int FROM parent_items WHERE tenant_id = $1) AS parents,
              (SELECT count(*)::int FROM child_items WHERE tenant_id = $1) AS children`,
      [tenant],
    )).rows[0];
  const fill = (tenant: TenantId) =>
    t.db.transaction(tenant, async (tx) => {
      await tx.query(`INSERT INTO parent_items (id) VALUES (1), (2)`);
      await tx.query(`INSERT INTO child_items (id, parent_id) VALUES (1, 1), (2, 1), (3, 2)`);
    });

  beforeAll(async () => {
    await t.admin.query(`CREATE TABLE parent_items (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id))`);
    await t.admin.query(`CREATE TABLE child_items (tenant_id uuid NOT NULL, id int NOT NULL, parent_id int NOT NULL,
      PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, parent_id) REFERENCES parent_items (tenant_id, id))`);
    // The child first: the purge then meets the parent first and must wait for the child.
    await isolateTable('child_items', { admin: t.admin });
    await isolateTable('parent_items', { admin: t.admin });
    doomed = await registry.create({ slug: 'doomed' });
    keeper = (t.tenants[0] as Tenant).id;
    await fill(doomed.id);
    await fill(keeper);
  });

  it('refuses to delete a tenant that is not offboarding, and purges nothing', async () => {
    expect(codeOfError(await errorOf(registry.delete(doomed.id)))).toBe('TENANT_INVALID_TRANSITION');
    expect(await countRows(doomed.id)).toEqual({ parents: 2, children: 3 });
  });

  it("purges the tenant's rows from every isolated table, children before parents, and leaves other tenants' rows", async () => {
    await registry.offboard(doomed.id);
    const { tenant, purged } = await registry.delete(doomed.id);
    expect(tenant).toMatchObject({ id: doomed.id, status: 'deleted' });
    expect(purged.deleted).toMatchObject({ 'public.parent_items': 2, 'public.child_items': 3 });
    expect(await countRows(doomed.id)).toEqual({ parents: 0, children: 0 });
    expect(await countRows(keeper)).toEqual({ parents: 2, children: 3 });
  });

  it('answers TENANT_NOT_FOUND for a deleted tenant from get, getBySlug, transitions, delete and withTenant', async () => {
    expect(codeOfError(await errorOf(registry.get(doomed.id)))).toBe('TENANT_NOT_FOUND');
    expect(codeOfError(await errorOf(registry.getBySlug('doomed')))).toBe('TENANT_NOT_FOUND');
    expect(await registry.tryGetBySlug('doomed')).toBeUndefined();
    expect(codeOfError(await errorOf(registry.restore(doomed.id)))).toBe('TENANT_NOT_FOUND');
    expect(codeOfError(await errorOf(registry.delete(doomed.id)))).toBe('TENANT_NOT_FOUND');
    expect(codeOfError(await gateRefusal(doomed.id))).toBe('TENANT_NOT_FOUND');
    expect(codeOfError(await gateRefusal(doomed.id, 'transaction'))).toBe('TENANT_NOT_FOUND');
  });

  // Bug: tryGet has no status filter, so for a deleted tenant it returns the tombstone while get
  // throws TENANT_NOT_FOUND; the try/get pair (docs/architecture.md, "Conventions") disagrees
  // about the same tenant.
  it('answers undefined from tryGet for a deleted tenant, as get answers TENANT_NOT_FOUND', async () => {
    expect(await registry.tryGet(doomed.id)).toBeUndefined();
  });

  it("frees a deleted tenant's slug for a new tenant, who inherits none of its data", async () => {
    const reborn = await registry.create({ slug: 'doomed' });
    expect(reborn.id).not.toBe(doomed.id);
    expect(reborn.status).toBe('active');
    expect((await registry.getBySlug('doomed')).id).toBe(reborn.id);
    const { rows } = await t.db.withTenant(reborn.id, (s) => s.query('SELECT * FROM parent_items'));
    expect(rows).toEqual([]);
  });

  it('keeps the deleted tenant as a tombstone row for the record', async () => {
    expect(await storedRow(doomed.id)).toMatchObject({ status: 'deleted' });
    expect(isTenantryError(await errorOf(registry.get(doomed.id)), 'TENANT_NOT_FOUND')).toBe(true);
  });
});
