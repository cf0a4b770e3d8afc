// Every change is audited (issue 13): custom roles, allowed origins, custom domains and
// signing-secret rotations changed nobody's audit log, though the API docs said every change is
// recorded. This walks every mutating route of the OpenAPI document, makes it succeed, and fails
// when the tenant's audit log did not grow — with old and new values, and no secret in it. And a
// deleted tenant's log stays readable and verifiable by operators.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument --
   response bodies are JSON of unknown shape, checked field by field with expect(). */
import { randomUUID } from 'node:crypto';
import { createBilling } from 'tenantry/billing';
import { createTestClock } from 'tenantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTxtDns, type TxtDns } from '../support/txt-dns.js';
import { startApiServer, type ApiServer, type Call, type Reply } from './support/api-server.js';

let api: ApiServer;
let dns: TxtDns;
let tenantId: string;
let owner: Call;
let op: Call;
const made: Record<string, string> = {};

beforeAll(async () => {
  dns = await startTxtDns();
  api = await startApiServer(1, { control: { dns: { servers: [dns.server], timeoutMs: 500, tries: 1 } }, health: true });
  tenantId = api.t.tenants[0]!.id;
  owner = { token: await api.member(tenantId, 'owner', 'owner') };
  op = { token: api.operatorToken };
});
afterAll(async () => {
  await api?.close();
  await dns?.close();
});

interface Event { action: string; actor: string; details: Record<string, unknown> }
async function eventsOf(tenant: string): Promise<Event[]> {
  const { rows } = await api.t.admin.query<Event>('SELECT action, actor, details FROM tenantry.audit_events WHERE tenant_id = $1 ORDER BY seq', [tenant]);
  return rows;
}

interface Step {
  /** `METHOD /openapi/path/{param}` as the OpenAPI document names it. */
  readonly route: string;
  /** The tenant whose log must grow (default: the test tenant). */
  readonly tenant?: () => string;
  readonly run: () => Promise<Reply>;
  readonly status: number;
  /** False for a route that records nothing in the tenant's log (why is said where it is listed). */
  readonly audited?: false;
  /** What the new event must carry. */
  readonly event?: Partial<Event>;
  /**
   * For changes that belong to no tenant (operator accounts and tokens): the operator_actions
   * record the route must leave instead of a tenant audit event.
   */
  readonly operatorAction?: string;
}

/** An open alert on the test tenant, as the evaluator would store it (triage needs one). */
async function openAlert(): Promise<string> {
  const id = randomUUID();
  await api.t.admin.query(`INSERT INTO tenantry.alert_events (id, subject_tenant, rule, metric, value, threshold, status, first_seen_at, last_seen_at, count)
    VALUES ($1, $2, 'walk', 'errorRate', 1, 0.5, 'open', now(), now(), 1)`, [id, tenantId]);
  return id;
}

interface OperatorActionRow { id: string; action: string; actor: string; details: Record<string, unknown> }
async function operatorActions(): Promise<OperatorActionRow[]> {
  const { rows } = await api.t.admin.query<OperatorActionRow>("SELECT id, action, actor, details FROM tenantry.operator_actions WHERE action LIKE 'operator.%' OR action LIKE 'alert.%'");
  return rows;
}

const email = `${randomUUID()}@example.com`;
const STEPS: Step[] = [
  { route: 'POST /v1/tenant/members', status: 201, run: () => api.request('POST', '/v1/tenant/members', { ...owner, body: { userId: 'm1', role: 'viewer' } }) },
  { route: 'PATCH /v1/tenant/members/{userId}', status: 200, run: () => api.request('PATCH', '/v1/tenant/members/m1', { ...owner, body: { role: 'member' } }) },
  { route: 'DELETE /v1/tenant/members/{userId}', status: 204, run: () => api.request('DELETE', '/v1/tenant/members/m1', owner) },
  {
    route: 'POST /v1/tenant/roles', status: 201, event: { action: 'role.create', details: { to: { name: 'support', description: '', permissions: ['members:read'] } } },
    run: async () => { const r = await api.request('POST', '/v1/tenant/roles', { ...owner, body: { name: 'support', permissions: ['members:read'] } }); made.role = r.body.id; return r; },
  },
  {
    route: 'PATCH /v1/tenant/roles/{id}', status: 200,
    event: { action: 'role.update', details: { from: { name: 'support', description: '', permissions: ['members:read'] }, to: { name: 'support', description: '', permissions: ['members:read', 'members:write'] } } },
    run: () => api.request('PATCH', `/v1/tenant/roles/${made.role}`, { ...owner, body: { permissions: ['members:read', 'members:write'] } }),
  },
  { route: 'DELETE /v1/tenant/roles/{id}', status: 204, event: { action: 'role.delete' }, run: () => api.request('DELETE', `/v1/tenant/roles/${made.role}`, owner) },
  {
    route: 'POST /v1/tenant/invitations', status: 201,
    run: async () => { const r = await api.request('POST', '/v1/tenant/invitations', { ...owner, body: { email, role: 'viewer' } }); made.invitation = r.body.invitation.id; return r; },
  },
  {
    route: 'POST /v1/tenant/invitations/{id}/resend', status: 200,
    run: async () => { const r = await api.request('POST', `/v1/tenant/invitations/${made.invitation}/resend`, owner); made.invitationToken = r.body.token; return r; },
  },
  {
    route: 'POST /v1/tenant/invitations/accept', status: 200,
    run: async () => api.request('POST', '/v1/tenant/invitations/accept', { token: await api.jwt('joiner', tenantId, { email, email_verified: true }), body: { token: made.invitationToken } }),
  },
  {
    route: 'POST /v1/tenant/invitations/{id}/revoke', status: 200,
    run: async () => {
      const r = await api.request('POST', '/v1/tenant/invitations', { ...owner, body: { email: `${randomUUID()}@example.com`, role: 'viewer' } });
      const before = (await eventsOf(tenantId)).length;
      const revoked = await api.request('POST', `/v1/tenant/invitations/${r.body.invitation.id}/revoke`, owner);
      expect((await eventsOf(tenantId)).length).toBeGreaterThan(before);
      return revoked;
    },
  },
  {
    route: 'POST /v1/tenant/api-keys', status: 201,
    run: async () => { const r = await api.request('POST', '/v1/tenant/api-keys', { ...owner, body: { name: 'ci', scopes: ['usage:write', 'tenant:read'] } }); made.key = r.body.apiKey.id; made.keyToken = r.body.key; return r; },
  },
  { route: 'POST /v1/tenant/origins', status: 201, event: { action: 'origin.add', details: { origin: 'https://app.acme.example' } }, run: () => api.request('POST', '/v1/tenant/origins', { ...owner, body: { origin: 'https://app.acme.example' } }) },
  { route: 'POST /v1/tenant/origins/remove', status: 204, event: { action: 'origin.remove', details: { origin: 'https://app.acme.example' } }, run: () => api.request('POST', '/v1/tenant/origins/remove', { ...owner, body: { origin: 'https://app.acme.example' } }) },
  {
    route: 'POST /v1/tenant/signing-secrets/rotate', status: 201, event: { action: 'signing_secret.rotate', actor: 'user:owner' },
    run: async () => { const r = await api.request('POST', '/v1/tenant/signing-secrets/rotate', owner); made.secret = r.body.secret; return r; },
  },
  {
    route: 'POST /v1/tenant/domains', status: 201, event: { action: 'domain.add', details: { domain: 'shop.acme.example', to: 'pending' } },
    run: async () => { const r = await api.request('POST', '/v1/tenant/domains', { ...owner, body: { domain: 'shop.acme.example' } }); dns.records.set(r.body.recordName, r.body.recordValue); return r; },
  },
  { route: 'POST /v1/tenant/domains/{domain}/verify', status: 200, event: { action: 'domain.verify', details: { domain: 'shop.acme.example', from: 'pending', to: 'verified' } }, run: () => api.request('POST', '/v1/tenant/domains/shop.acme.example/verify', owner) },
  { route: 'DELETE /v1/tenant/domains/{domain}', status: 204, event: { action: 'domain.remove', details: { domain: 'shop.acme.example', from: 'verified' } }, run: () => api.request('DELETE', '/v1/tenant/domains/shop.acme.example', owner) },
  {
    route: 'POST /v1/tenant/sso/connections', status: 201, event: { action: 'sso_connection.create', details: { kind: 'oidc', name: 'Acme IdP' } },
    run: async () => {
      const r = await api.request('POST', '/v1/tenant/sso/connections', { ...owner, body: { kind: 'oidc', name: 'Acme IdP', secret: 'idp-client-secret-value', settings: { issuer: 'https://idp.acme.example', clientId: 'tenantry', redirectUri: 'https://app.acme.example/v1/sso/callback' } } });
      made.connection = r.body.id;
      return r;
    },
  },
  { route: 'PATCH /v1/tenant/sso/connections/{id}', status: 200, event: { action: 'sso_connection.update', details: { changed: ['defaultRole', 'secret'] } }, run: () => api.request('PATCH', `/v1/tenant/sso/connections/${made.connection}`, { ...owner, body: { defaultRole: 'member', secret: 'a-new-client-secret-value' } }) },
  {
    route: 'POST /v1/tenant/sso/domains', status: 201, event: { action: 'sso_email_domain.add', details: { domain: 'staff.acme.example' } },
    run: async () => { const r = await api.request('POST', '/v1/tenant/sso/domains', { ...owner, body: { domain: 'staff.acme.example', connectionId: made.connection } }); dns.records.set(r.body.recordName, r.body.recordValue); return r; },
  },
  { route: 'POST /v1/tenant/sso/domains/{domain}/verify', status: 200, event: { action: 'sso_email_domain.verify', details: { domain: 'staff.acme.example' } }, run: () => api.request('POST', '/v1/tenant/sso/domains/staff.acme.example/verify', owner) },
  { route: 'DELETE /v1/tenant/sso/domains/{domain}', status: 204, event: { action: 'sso_email_domain.remove', details: { domain: 'staff.acme.example' } }, run: () => api.request('DELETE', '/v1/tenant/sso/domains/staff.acme.example', owner) },
  { route: 'POST /v1/tenant/sso/issuers', status: 201, event: { action: 'token_issuer.register', details: { issuer: 'https://acme.idp.example' } }, run: () => api.request('POST', '/v1/tenant/sso/issuers', { ...owner, body: { issuer: 'https://acme.idp.example', audience: 'app', jwksUrl: 'https://acme.idp.example/keys' } }) },
  { route: 'POST /v1/tenant/sso/issuers/remove', status: 204, event: { action: 'token_issuer.remove' }, run: () => api.request('POST', '/v1/tenant/sso/issuers/remove', { ...owner, body: { issuer: 'https://acme.idp.example', audience: 'app' } }) },
  {
    route: 'POST /v1/tenant/sso/connections/{id}/scim-token', status: 201, event: { action: 'scim_token.rotate' },
    run: async () => { const r = await api.request('POST', `/v1/tenant/sso/connections/${made.connection}/scim-token`, owner); made.scimToken = r.body.token; return r; },
  },
  // SCIM pushes: recorded as the connection (`scim:<id>`), beside the member changes they cause.
  {
    route: 'POST /scim/v2/Users', status: 201, event: { action: 'scim.user.create' },
    run: async () => { const r = await api.request('POST', '/scim/v2/Users', { token: made.scimToken!, body: { userName: 'pat@acme.example' } }); made.scimUser = r.body.id; return r; },
  },
  { route: 'PUT /scim/v2/Users/{id}', status: 200, event: { action: 'scim.user.replace' }, run: () => api.request('PUT', `/scim/v2/Users/${made.scimUser}`, { token: made.scimToken!, body: { userName: 'pat@acme.example', displayName: 'Pat' } }) },
  { route: 'PATCH /scim/v2/Users/{id}', status: 200, event: { action: 'scim.user.update' }, run: () => api.request('PATCH', `/scim/v2/Users/${made.scimUser}`, { token: made.scimToken!, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Patricia' }] } }) },
  {
    route: 'POST /scim/v2/Groups', status: 201, event: { action: 'scim.group.create' },
    run: async () => { const r = await api.request('POST', '/scim/v2/Groups', { token: made.scimToken!, body: { displayName: 'Staff' } }); made.scimGroup = r.body.id; return r; },
  },
  { route: 'PATCH /scim/v2/Groups/{id}', status: 200, event: { action: 'scim.group.update' }, run: () => api.request('PATCH', `/scim/v2/Groups/${made.scimGroup}`, { token: made.scimToken!, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: made.scimUser }] }] } }) },
  { route: 'DELETE /scim/v2/Groups/{id}', status: 204, event: { action: 'scim.group.delete' }, run: () => api.request('DELETE', `/scim/v2/Groups/${made.scimGroup}`, { token: made.scimToken! }) },
  { route: 'DELETE /scim/v2/Users/{id}', status: 204, event: { action: 'scim.user.delete' }, run: () => api.request('DELETE', `/scim/v2/Users/${made.scimUser}`, { token: made.scimToken! }) },
  { route: 'DELETE /v1/tenant/sso/connections/{id}/scim-token', status: 204, event: { action: 'scim_token.revoke' }, run: () => api.request('DELETE', `/v1/tenant/sso/connections/${made.connection}/scim-token`, owner) },
  { route: 'DELETE /v1/tenant/sso/connections/{id}', status: 204, event: { action: 'sso_connection.remove' }, run: () => api.request('DELETE', `/v1/tenant/sso/connections/${made.connection}`, owner) },
  { route: 'PATCH /v1/tenant/settings', status: 200, run: () => api.request('PATCH', '/v1/tenant/settings', { ...owner, body: { locale: 'fr-FR' } }) },
  { route: 'PUT /v1/tenant/flags/{key}', status: 200, run: () => api.request('PUT', '/v1/tenant/flags/beta', { ...owner, body: { enabled: true } }) },
  { route: 'DELETE /v1/tenant/flags/{key}', status: 204, run: () => api.request('DELETE', '/v1/tenant/flags/beta', owner) },
  { route: 'PUT /v1/tenant/branding', status: 200, run: () => api.request('PUT', '/v1/tenant/branding', { ...owner, body: { name: 'Acme' } }) },
  // Not a change of who may do what: metering data, kept in the usage ledger (idempotent by event
  // id) and in the billing export. The one mutating route the log does not record, by design.
  // A SAML or LDAP sign-in changes nothing itself; the member it makes just in time is recorded by the
  // members service (packages/tenantry/src/identity/saml-sign-in.int.test.ts signs in against a
  // real samlify IdP, ldap-sign-in.int.test.ts against slapd). Here a sign-in at no connection: refused, and nothing written.
  { route: 'POST /v1/sso/ldap/{tenantId}/{connectionId}/sign-in', status: 404, audited: false, run: () => api.request('POST', `/v1/sso/ldap/${tenantId}/${randomUUID()}/sign-in`, { body: { username: 'u', password: 'p' } }) },
  {
    route: 'POST /v1/sso/saml/{tenantId}/{connectionId}/acs', status: 404, audited: false,
    run: () => api.request('POST', `/v1/sso/saml/${tenantId}/${randomUUID()}/acs`, { body: { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=' } }),
  },
  { route: 'POST /v1/tenant/usage-events', status: 200, audited: false, run: () => api.request('POST', '/v1/tenant/usage-events', { apiKey: made.keyToken!, body: { events: [{ id: randomUUID(), meter: 'apiCalls', quantity: 1 }] } }) },
  { route: 'POST /v1/tenant/api-keys/{id}/revoke', status: 200, run: () => api.request('POST', `/v1/tenant/api-keys/${made.key}/revoke`, owner) },
  {
    route: 'POST /v1/tenants/{id}/subscription', status: 201, tenant: () => made.billed!, event: { action: 'billing.subscription.start' },
    run: async () => {
      made.billed = (await api.t.registry.create({ slug: `billed-${randomUUID().slice(0, 8)}` })).id;
      return api.request('POST', `/v1/tenants/${made.billed}/subscription`, { ...op, body: { plan: 'free' } });
    },
  },
  {
    route: 'POST /v1/tenants/{id}/subscription/plan', status: 200, tenant: () => made.billed!, event: { action: 'billing.subscription.upgrade', details: { from: 'free', to: 'pro' } },
    run: () => api.request('POST', `/v1/tenants/${made.billed}/subscription/plan`, { ...op, body: { plan: 'pro' } }),
  },
  {
    route: 'POST /v1/tenants/{id}/invoices/{invoiceId}/pay', status: 200, tenant: () => made.billed!, event: { action: 'billing.invoice.paid' },
    run: async () => {
      // Two periods closed by a billing service whose clock is two months ahead (the server's stays put).
      const later = createTestClock(api.clock.now());
      const closer = createBilling({ operator: api.t.operator, catalog: api.quotas.catalog, registry: api.t.registry, clock: later });
      later.advance(62 * 86_400_000);
      const [first, second] = [await closer.invoices.closePeriod(made.billed!), await closer.invoices.closePeriod(made.billed!)];
      made.invoice = first!.id;
      made.invoice2 = second!.id;
      return api.request('POST', `/v1/tenants/${made.billed}/invoices/${made.invoice}/pay`, op);
    },
  },
  { route: 'POST /v1/tenants/{id}/invoices/{invoiceId}/void', status: 200, tenant: () => made.billed!, event: { action: 'billing.invoice.void' }, run: () => api.request('POST', `/v1/tenants/${made.billed}/invoices/${made.invoice2}/void`, op) },
  {
    route: 'POST /v1/tenants/{id}/invoices/{invoiceId}/credit-notes', status: 201, tenant: () => made.billed!, event: { action: 'billing.credit_note.issue' },
    run: () => api.request('POST', `/v1/tenants/${made.billed}/invoices/${made.invoice}/credit-notes`, { ...op, body: { amountMinor: 100, reason: 'walk' } }),
  },
  {
    route: 'POST /v1/tenants/{id}/subscription/cancel', status: 200, tenant: () => made.billed!, event: { action: 'billing.subscription.cancel_scheduled' },
    run: () => api.request('POST', `/v1/tenants/${made.billed}/subscription/cancel`, { ...op, body: { mode: 'period_end' } }),
  },
  // Data mobility (docs/mobility.md): each leaves its event in the tenant's log, by the operator who asked.
  { route: 'POST /v1/tenants/{id}/export', status: 200, event: { action: 'tenant.export', actor: expect.stringMatching(/^operator:/) }, run: () => api.request('POST', `/v1/tenants/${tenantId}/export`, op) },
  {
    // An import needs a tenant with no data yet: created without an owner.
    route: 'POST /v1/tenants/{id}/import', status: 200, tenant: () => made.imported!, event: { action: 'tenant.import', actor: expect.stringMatching(/^operator:/) },
    run: async () => {
      const auth = { authorization: `Bearer ${api.operatorToken}` };
      const archive = new Uint8Array(await (await fetch(`${api.url}/v1/tenants/${tenantId}/export`, { method: 'POST', headers: auth })).arrayBuffer());
      made.imported = (await api.t.registry.create({ slug: `imported-${randomUUID().slice(0, 8)}` })).id;
      const res = await fetch(`${api.url}/v1/tenants/${made.imported}/import`, { method: 'POST', headers: { ...auth, 'content-type': 'application/gzip' }, body: archive });
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.json() };
    },
  },
  {
    route: 'POST /v1/tenants/{id}/backups', status: 201, tenant: () => made.backedUp!, event: { action: 'tenant.export', actor: expect.stringMatching(/^operator:/) },
    run: async () => {
      made.backedUp = (await api.t.registry.create({ slug: `backed-${randomUUID().slice(0, 8)}` })).id;
      const r = await api.request('POST', `/v1/tenants/${made.backedUp}/backups`, op);
      made.backup = r.body.id;
      return r;
    },
  },
  {
    route: 'POST /v1/tenants/{id}/backups/{backupId}/restore', status: 200, tenant: () => made.backedUp!, event: { action: 'tenant.restore', actor: expect.stringMatching(/^operator:/) },
    run: () => api.request('POST', `/v1/tenants/${made.backedUp}/backups/${made.backup}/restore`, op),
  },
  {
    route: 'PUT /v1/tenants/{id}/retention', status: 200, tenant: () => made.retained!,
    event: { action: 'retention.policy.set', actor: expect.stringMatching(/^operator:/), details: { dataClass: 'usage_events', from: 90, to: 30 } },
    run: async () => {
      made.retained = (await api.t.registry.create({ slug: `retained-${randomUUID().slice(0, 8)}` })).id;
      await api.request('PUT', `/v1/tenants/${made.retained}/retention`, { ...op, body: { dataClass: 'usage_events', keepDays: 90 } });
      return api.request('PUT', `/v1/tenants/${made.retained}/retention`, { ...op, body: { dataClass: 'usage_events', keepDays: 30 } });
    },
  },
  {
    // A run records itself (tenantry.retention_runs) and audits each tenant it deleted anything of.
    route: 'POST /v1/retention/runs', status: 200, tenant: () => made.retained!,
    event: { action: 'retention.apply', actor: expect.stringMatching(/^operator:/), details: { deleted: { usage_events: 1 }, policies: { usage_events: 30 } } },
    run: async () => {
      const old = new Date(api.clock.now().getTime() - 60 * 86_400_000);
      await api.t.admin.query("INSERT INTO tenantry.usage_events (tenant_id, id, meter, quantity, occurred_at, recorded_at) VALUES ($1, 'old', 'apiCalls', 1, $2, $2)", [made.retained, old]);
      const r = await api.request('POST', '/v1/retention/runs', op);
      expect(r.body.deleted[made.retained!]).toEqual({ usage_events: 1 });
      const { rows } = await api.t.admin.query('SELECT actor FROM tenantry.retention_runs WHERE id = $1', [r.body.id]);
      expect(rows).toEqual([{ actor: expect.stringMatching(/^operator:/) }]);
      return r;
    },
  },
  {
    // Erasure deletes the tenant's audit log by design (docs/mobility.md): what records it is the
    // stored certificate of erasure, naming the operator, which is checked here instead.
    route: 'POST /v1/tenants/{id}/erasure', status: 201, tenant: () => made.erased!, audited: false,
    run: async () => {
      made.erased = (await api.t.registry.create({ slug: `erased-${randomUUID().slice(0, 8)}` })).id;
      await api.t.registry.offboard(made.erased);
      await api.t.registry.delete(made.erased);
      // Deleted past its grace period (30 days on this server).
      await api.t.admin.query('UPDATE tenantry.tenants SET status_changed_at = $2 WHERE id = $1', [made.erased, new Date(api.clock.now().getTime() - 31 * 86_400_000)]);
      const r = await api.request('POST', `/v1/tenants/${made.erased}/erasure`, op);
      expect(r.body.certificate).toMatchObject({ tenant: { id: made.erased }, erasedBy: expect.stringMatching(/^operator:/) });
      const { rows } = await api.t.admin.query('SELECT sha256 FROM tenantry.erasure_certificates WHERE subject_tenant = $1', [made.erased]);
      expect(rows).toEqual([{ sha256: r.body.sha256 }]);
      return r;
    },
  },
  // Payment events are recorded by billing when a provider is configured (see the billing tests);
  // this server has none, so the webhook is refused and nothing is written.
  { route: 'POST /v1/billing/webhooks/stripe', status: 404, audited: false, run: () => api.request('POST', '/v1/billing/webhooks/stripe', { body: { id: 'evt_walk' } }) },
  { route: 'PUT /v1/tenants/{id}/quota-overrides', status: 200, run: () => api.request('PUT', `/v1/tenants/${tenantId}/quota-overrides`, { ...op, body: { limits: { members: 50 } } }) },
  {
    route: 'POST /v1/tenants/{id}/impersonations', status: 201,
    run: async () => { const r = await api.request('POST', `/v1/tenants/${tenantId}/impersonations`, { ...op, body: { reason: 'audit walk', durationMinutes: 5 } }); made.session = r.body.id; return r; },
  },
  { route: 'POST /v1/tenants/{id}/impersonations/{sessionId}/end', status: 204, run: () => api.request('POST', `/v1/tenants/${tenantId}/impersonations/${made.session}/end`, op) },
  {
    route: 'POST /v1/tenants', status: 201, tenant: () => made.tenant!,
    run: async () => {
      const r = await api.request('POST', '/v1/tenants', { ...op, body: { slug: `walk-${randomUUID().slice(0, 8)}`, owner: { userId: 'founder' } } });
      made.tenant = r.body.id;
      return r;
    },
  },
  { route: 'PATCH /v1/tenants/{id}', status: 200, tenant: () => made.tenant!, run: () => api.request('PATCH', `/v1/tenants/${made.tenant}`, { ...op, body: { displayName: 'Walk' } }) },
  {
    route: 'POST /v1/tenants/{id}/suspend', status: 200, tenant: () => made.tenant!, event: { action: 'tenant.suspend', details: { reason: 'unpaid invoice INV-7' } },
    run: async () => {
      const r = await api.request('POST', `/v1/tenants/${made.tenant}/suspend`, { ...op, body: { reason: 'unpaid invoice INV-7' } });
      expect(r.body.statusReason).toBe('unpaid invoice INV-7');
      return r;
    },
  },
  { route: 'POST /v1/tenants/{id}/restore', status: 200, tenant: () => made.tenant!, run: () => api.request('POST', `/v1/tenants/${made.tenant}/restore`, op) },
  { route: 'POST /v1/tenants/{id}/offboard', status: 200, tenant: () => made.tenant!, event: { action: 'tenant.offboard', details: { reason: 'contract ended' } }, run: () => api.request('POST', `/v1/tenants/${made.tenant}/offboard`, { ...op, body: { reason: 'contract ended' } }) },
  { route: 'DELETE /v1/tenants/{id}', status: 200, tenant: () => made.tenant!, event: { action: 'tenant.delete' }, run: () => api.request('DELETE', `/v1/tenants/${made.tenant}`, op) },
  {
    route: 'POST /v1/operators', status: 201, operatorAction: 'operator.create',
    run: async () => {
      const r = await api.request('POST', '/v1/operators', { ...op, body: { email: `grace-${randomUUID()}@platform.example`, displayName: 'Grace' } });
      made.operator = r.body.operator.id;
      made.operatorToken = r.body.info.id;
      expect(r.body.token).toMatch(/^tnt_op_/);
      return r;
    },
  },
  {
    route: 'POST /v1/operators/{operatorId}/tokens', status: 201, operatorAction: 'operator.token.create',
    run: async () => { const r = await api.request('POST', `/v1/operators/${made.operator}/tokens`, { ...op, body: { name: 'laptop' } }); made.laptop = r.body.info.id; return r; },
  },
  {
    route: 'POST /v1/operators/{operatorId}/tokens/{tokenId}/rotate', status: 201, operatorAction: 'operator.token.rotate',
    run: async () => {
      const r = await api.request('POST', `/v1/operators/${made.operator}/tokens/${made.laptop}/rotate`, op);
      expect(r.body).toMatchObject({ info: { name: 'laptop', status: 'active' }, revoked: { id: made.laptop, status: 'revoked' } });
      return r;
    },
  },
  { route: 'POST /v1/operators/{operatorId}/tokens/{tokenId}/revoke', status: 200, operatorAction: 'operator.token.revoke', run: () => api.request('POST', `/v1/operators/${made.operator}/tokens/${made.operatorToken}/revoke`, op) },
  { route: 'POST /v1/operators/{operatorId}/disable', status: 200, operatorAction: 'operator.disable', run: () => api.request('POST', `/v1/operators/${made.operator}/disable`, op) },
  ...(['acknowledge', 'snooze', 'resolve'] as const).map((kind): Step => ({
    route: `POST /v1/alerts/{alertId}/${kind}`, status: 200, operatorAction: `alert.${kind}`,
    run: async () => {
      made.alert ??= await openAlert();
      return api.request('POST', `/v1/alerts/${made.alert}/${kind}`, { ...op, ...(kind === 'snooze' ? { body: { minutes: 15 } } : {}) });
    },
  })),
  { route: 'POST /v1/operators/{operatorId}/enable', status: 200, operatorAction: 'operator.enable', run: () => api.request('POST', `/v1/operators/${made.operator}/enable`, op) },
];

describe('every mutating route leaves an audit event', () => {
  it('the walk covers every mutating operation of the OpenAPI document', async () => {
    const { body } = await api.request('GET', '/openapi.json');
    const mutating = Object.entries(body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).filter((m) => ['post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
    expect(mutating.filter((route) => !STEPS.some((s) => s.route === route))).toEqual([]);
  });

  it.each(STEPS.map((s) => [s.route, s] as const))('%s', async (_route, step) => {
    if (step.operatorAction !== undefined) {
      const recorded = new Set((await operatorActions()).map((a) => a.id));
      const res = await step.run();
      expect(res.status, JSON.stringify(res.body)).toBe(step.status);
      const added = (await operatorActions()).filter((a) => !recorded.has(a.id));
      expect(added).toEqual([expect.objectContaining({ action: step.operatorAction, actor: expect.stringMatching(/^operator:/) })]);
      expect(JSON.stringify(added)).not.toMatch(/tnt_op_/);
      return;
    }
    const tenant = step.tenant;
    const before = tenant === undefined ? (await eventsOf(tenantId)).length : 0;
    const res = await step.run();
    expect(res.status, JSON.stringify(res.body)).toBe(step.status);
    const events = await eventsOf(tenant === undefined ? tenantId : tenant());
    const added = events.slice(before);
    if (step.audited === false) {
      expect(added).toEqual([]);
      return;
    }
    expect(added.length, `${step.route} left no audit event`).toBeGreaterThan(0);
    if (step.event) {
      const { details, ...rest } = step.event;
      expect(added).toEqual(expect.arrayContaining([expect.objectContaining({ ...rest, ...(details ? { details: expect.objectContaining(details) } : {}) })]));
    }
  });

  it('never writes a signing secret into the log', async () => {
    expect(made.secret).toMatch(/^tnt_sig_/);
    expect(JSON.stringify(await eventsOf(tenantId))).not.toContain(made.secret!.slice(8));
  });
});

describe("a deleted tenant's audit log", () => {
  it('is readable and verifiable by operators, as an operator action', async () => {
    const id = made.tenant!;
    expect((await api.request('GET', `/v1/tenants/${id}`, op)).status).toBe(404);
    const page = await api.request('GET', `/v1/tenants/${id}/audit-events?order=oldest-first`, op);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect((page.body.items as { type: string }[]).map((e) => e.type)).toEqual(expect.arrayContaining(['tenant.create', 'tenant.delete']));
    const verification = await api.request('GET', `/v1/tenants/${id}/audit-events/verification`, op);
    expect(verification.status).toBe(200);
    expect(verification.body).toMatchObject({ valid: true });
    const { rows } = await api.t.admin.query('SELECT action FROM tenantry.operator_actions WHERE subject_tenant = $1 ORDER BY occurred_at', [id]);
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['audit.read', 'audit.verify']));
  });
});
