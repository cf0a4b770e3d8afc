// Lifecycle changes leave a verifiable trail: every transition is in the tenant's audit log,
// with its author, in the same transaction; deleting shreds the tenant's keys (audited) and
// the log survives the purge.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { queryAuditEvents, verifyAuditChain, withAuditOperator } from '../audit/index.js';
import { createTenantEncryption, localKeyProvider } from '../crypto/index.js';
import { createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createTenantRegistry } from './tenant-registry.js';

let t: TestTenantry;
beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 0 });
});
afterAll(() => t?.close());

const trail = (id: string) =>
  withAuditOperator(t.operator, id, async (tx) => (await queryAuditEvents(tx, { limit: 100 })).events.map((e) => `${e.actor} ${e.action}`));

describe('the registry audit trail', () => {
  it('records create, activate, suspend and restore with their authors, as a chain that verifies', async () => {
    const acme = await t.registry.create({ slug: 'audited' }, { actor: 'operator:ada', requestId: 'req-1' });
    await t.registry.suspend(acme.id, { actor: 'operator:bob' });
    await t.registry.restore(acme.id);
    expect(await trail(acme.id)).toEqual(['operator:ada tenant.create', 'operator:ada tenant.activate', 'operator:bob tenant.suspend', 'system tenant.restore']);
    const verified = await withAuditOperator(t.operator, acme.id, (tx) => verifyAuditChain(tx, { keys: [] }));
    expect(verified.ok).toBe(true);
  });

  it('records nothing for a transition that was refused', async () => {
    const quiet = await t.registry.create({ slug: 'refused-transition' });
    await expect(t.registry.restore(quiet.id)).rejects.toMatchObject({ code: 'TENANT_INVALID_TRANSITION' });
    expect(await trail(quiet.id)).toEqual(['system tenant.create', 'system tenant.activate']);
  });

  it("destroys the tenant's data keys on delete, audited, and keeps the audit log after the purge", async () => {
    const encryption = createTenantEncryption({ keyProvider: localKeyProvider({ keys: { primary: randomBytes(32) } }) });
    const registry = createTenantRegistry({ operator: t.operator, data: t.db, encryption });
    const doomed = await registry.create({ slug: 'shredded' });
    const context = { purpose: 'notes.body', recordId: 'n1' };
    await t.db.withTenant(doomed.id, (scope) => encryption.encrypt(scope, 'secret', context));
    const live = async () => (await t.admin.query<{ n: string }>('SELECT count(*) AS n FROM tenantry.tenant_keys WHERE tenant_id = $1 AND wrapped_key IS NOT NULL', [doomed.id])).rows[0]?.n;
    expect(await live()).toBe('1');
    await registry.offboard(doomed.id, { actor: 'operator:ada' });
    await registry.delete(doomed.id, { actor: 'operator:ada' });
    const events = await trail(doomed.id);
    expect(events.slice(-3)).toEqual(['operator:ada tenant.offboard', 'operator:ada tenant.keys.destroy', 'operator:ada tenant.delete']);
    expect(await live()).toBe('0');
  });
});
