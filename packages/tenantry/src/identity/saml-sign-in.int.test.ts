// SAML 2.0 sign-in against a real PostgreSQL and a real IdP built with samlify (its key and
// certificate made by openssl here): a signed assertion ends in a Tenantry token with JIT
// membership from the IdP's groups, and each bad response is refused with its code — unsigned,
// signed only at the response, tampered, wrong audience, wrong recipient, expired by the
// injected clock, replayed, and an address of a domain another tenant verified.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as samlify from 'samlify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createMembers } from '../control/index.js';
import { createTenantEncryption, localKeyProvider } from '../crypto/index.js';
import { createTestClock, createTestTenantry, expectCode, type TestTenantry } from '../testing/index.js';
import { createSamlSignIn, createSsoConnections, createSsoSignIn, createTokenIssuer, createTokenSigningKeys, type SamlSignIn, type SsoConnection } from './index.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const clock = createTestClock(new Date(inject('testNow')));
const IDP_ENTITY = 'https://idp.test/metadata';
const SP_A = 'https://tenantry.test/saml/a';
const SP_B = 'https://tenantry.test/saml/b';
const ACS = 'https://tenantry.test/v1/sso/saml/acs';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let dir: string;
let idp: ReturnType<typeof samlify.IdentityProvider>;
let connA: SsoConnection;
let connB: SsoConnection;
let saml: SamlSignIn;
const keyProvider = localKeyProvider({ keys: { primary: randomBytes(32) } });
const connections = createSsoConnections({ encryption: createTenantEncryption({ keyProvider, clock }), clock, allowInsecureUrls: true });
const members = createMembers({ clock });

interface Assertion {
  readonly nameId?: string;
  readonly groups?: readonly string[];
  readonly audience?: string;
  readonly recipient?: string;
  /** Minutes from the injected clock's now. */
  readonly notBeforeMin?: number;
  readonly notOnOrAfterMin?: number;
  /** `assertion` (default): the assertion signed; `response`: only the response; `none`. */
  readonly signed?: 'assertion' | 'response' | 'none';
}

/** What the IdP POSTs to the ACS (base64), built from samlify's template with the test's clock. */
async function response(spEntity: string, options: Assertion = {}): Promise<string> {
  const at = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000).toISOString();
  const groups = (options.groups ?? []).map((g) => `<saml:AttributeValue xsi:type="xs:string">${g}</saml:AttributeValue>`).join('');
  const values = {
    ID: `_${randomUUID()}`, AssertionID: `_${randomUUID()}`, Destination: ACS, Audience: options.audience ?? spEntity, SubjectRecipient: options.recipient ?? ACS,
    Issuer: IDP_ENTITY, IssueInstant: at(0), StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
    ConditionsNotBefore: at(options.notBeforeMin ?? -1), ConditionsNotOnOrAfter: at(options.notOnOrAfterMin ?? 5), SubjectConfirmationDataNotOnOrAfter: at(options.notOnOrAfterMin ?? 5),
    NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', NameID: options.nameId ?? 'ann@acme.example', InResponseTo: '_request',
  };
  // Markup, put in before the template's values (which samlify escapes).
  const statements = {
    AuthnStatement: `<saml:AuthnStatement AuthnInstant="${at(0)}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
    AttributeStatement: groups === '' ? '' : `<saml:AttributeStatement><saml:Attribute Name="groups">${groups}</saml:Attribute></saml:AttributeStatement>`,
  };
  const fill = (template: string) => ({
    id: values.ID,
    context: samlify.SamlLib.replaceTagsByValue(template.replace('{AuthnStatement}', statements.AuthnStatement).replace('{AttributeStatement}', statements.AttributeStatement), values),
  });
  if (options.signed === 'none') return Buffer.from(fill(samlify.SamlLib.defaultLoginResponseTemplate.context).context).toString('base64');
  // The IdP signs as the SP's metadata asks: the assertion, or (not wanting it) only the response.
  const sp = samlify.ServiceProvider({ entityID: spEntity, assertionConsumerService: [{ Binding: POST, Location: ACS }], wantAssertionsSigned: options.signed !== 'response' });
  const { context } = await idp.createLoginResponse(sp, { extract: { request: { id: '_request' } } }, 'post', { email: values.NameID }, fill) as { context: string };
  return context;
}

beforeAll(async () => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), 'tenantry-saml-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '3650', '-subj', '/CN=idp.test'], { stdio: 'ignore' });
  idp = samlify.IdentityProvider({
    entityID: IDP_ENTITY, privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'), signingCert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: 'https://idp.test/sso' }],
  });
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  const signingKeys = createTokenSigningKeys({ operator: t.operator, keyProvider, clock });
  await signingKeys.ensureFresh();
  const tokens = createTokenIssuer({ signingKeys, issuer: 'https://tenantry.test', audience: 'app', clock });
  const emailDomains = { ownerOf: async (domain: string) => (domain === 'bravo.example' ? { tenantId: b.id, connectionId: randomUUID() } : undefined) };
  const signIn = createSsoSignIn({ db: t.db, operator: t.operator, connections, members, tokens, emailDomains, clock });
  saml = createSamlSignIn({ db: t.db, operator: t.operator, connections, signIn, clock });
  const settings = (spEntityId: string) => ({ idpMetadata: idp.getMetadata(), spEntityId, acsUrl: ACS });
  connA = await t.db.withTenant(a.id, (s) => connections.create(s, { kind: 'saml', name: 'Acme SAML', settings: settings(SP_A), roleRules: [{ claim: 'groups', equals: 'Engineering', role: 'admin' }], defaultRole: 'viewer' }, 'user:test'));
  connB = await t.db.withTenant(b.id, (s) => connections.create(s, { kind: 'saml', name: 'Bravo SAML', settings: settings(SP_B), defaultRole: 'viewer' }, 'user:test'));
});
afterAll(async () => {
  await t?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasOpenssl)('SAML sign-in (openssl makes the IdP certificate; absent, skipped)', () => {
  it('starts with an AuthnRequest to the IdP\'s SSO URL', async () => {
    const { url } = await saml.begin(a.id, connA.id);
    expect(url.origin + url.pathname).toBe('https://idp.test/sso');
    expect(url.searchParams.get('SAMLRequest')).toBeTruthy();
  });

  it('signs in a signed assertion, a member just in time with the role its groups map', async () => {
    const signedIn = await saml.complete(a.id, connA.id, await response(SP_A, { nameId: 'ann@acme.example', groups: ['Engineering'] }));
    expect(signedIn).toMatchObject({ tenantId: a.id, role: 'admin', created: true });
    expect(await t.db.withTenant(a.id, (s) => members.tryGet(s, signedIn.userId))).toMatchObject({ role: 'admin' });
    // The IdP takes them out of the group: next sign-in, the default role.
    expect(await saml.complete(a.id, connA.id, await response(SP_A, { nameId: 'ann@acme.example', groups: [] }))).toMatchObject({ userId: signedIn.userId, role: 'viewer', created: false });
  });

  it('refuses an unsigned response, one signed only at the response level, and a tampered one', async () => {
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { signed: 'none' })), 'SSO_ASSERTION_UNSIGNED');
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { signed: 'response' })), 'SSO_ASSERTION_UNSIGNED');
    const genuine = Buffer.from(await response(SP_A, { nameId: 'ann@acme.example' }), 'base64').toString();
    const tampered = Buffer.from(genuine.replace('ann@acme.example</saml:NameID>', 'boss@acme.example</saml:NameID>')).toString('base64');
    await expectCode(saml.complete(a.id, connA.id, tampered), 'SSO_ASSERTION_UNSIGNED');
  });

  it('refuses a wrong audience (another tenant\'s service provider) and a wrong recipient', async () => {
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { audience: 'https://elsewhere.test/sp' })), 'SSO_AUDIENCE_MISMATCH');
    // Tenant A's genuine assertion posted to tenant B's connection (same IdP): not for B.
    await expectCode(saml.complete(b.id, connB.id, await response(SP_A)), 'SSO_AUDIENCE_MISMATCH');
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { recipient: 'https://evil.test/acs' })), 'SSO_RECIPIENT_MISMATCH');
  });

  it('refuses an expired or not yet valid assertion by the injected clock', async () => {
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { notBeforeMin: -30, notOnOrAfterMin: -5 })), 'SSO_TOKEN_EXPIRED');
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { notBeforeMin: 10, notOnOrAfterMin: 20 })), 'SSO_TOKEN_EXPIRED');
    // Made valid, then the clock moves past its end before it is posted.
    const late = await response(SP_A, { notOnOrAfterMin: 2 });
    clock.advance(5 * 60_000);
    await expectCode(saml.complete(a.id, connA.id, late), 'SSO_TOKEN_EXPIRED');
  });

  it('refuses a replayed assertion', async () => {
    const once = await response(SP_A, { nameId: 'replay@acme.example' });
    await saml.complete(a.id, connA.id, once);
    await expectCode(saml.complete(a.id, connA.id, once), 'SSO_ASSERTION_REPLAYED');
  });

  it('refuses an address of a domain another tenant verified, and a connection of another kind or tenant', async () => {
    await expectCode(saml.complete(a.id, connA.id, await response(SP_A, { nameId: 'eve@bravo.example' })), 'SSO_DOMAIN_MISMATCH');
    await expectCode(saml.complete(b.id, connA.id, await response(SP_A)), 'SSO_CONNECTION_NOT_FOUND');
    await expectCode(saml.complete(a.id, connA.id, 'not base64 at all <xml>'), 'SSO_TOKEN_INVALID');
  });
});
