// Sign-in through a tenant's SAML 2.0 connection (samlify): the AuthnRequest redirect, then the
// IdP's HTTP-POST response, believed only after every check — XML schema (xmllint), the
// signature against the certificate of the connection's IdP metadata (wrapping attacks refused by
// samlify), a signed *assertion* (a signed response alone is not enough), issuer, audience,
// destination and recipient, the validity window by the injected clock, and the assertion id
// never seen before. Then the same domain check, just-in-time membership and token as OIDC.
import { createRequire } from 'node:module';
import * as samlify from 'samlify';
import { isTenantryError, systemClock, type Clock, type TenantId } from '../core/index.js';
import { toTenantryError, type SqlPool, type TenantDatabase } from '../postgres/index.js';
import type { SsoConnection, SsoConnections } from './connections.js';
import { identityErrors } from './errors.js';
import type { SignedIn, SsoSignIn } from './sso-sign-in.js';

// samlify refuses to parse anything until a schema validator is set; it is process-wide. The
// validator ships no types: its one function is declared here.
const validator = createRequire(import.meta.url)('@authenio/samlify-xmllint-wasm') as { validate: (xml: string) => Promise<unknown> };
samlify.setSchemaValidator(validator);

export interface SamlSignInOptions {
  readonly db: TenantDatabase;
  /** The operator-role pool: assertion ids seen (replay) are kept across tenants. */
  readonly operator: SqlPool;
  readonly connections: SsoConnections;
  /** Finishes a verified sign-in (domain capture, JIT membership, token). */
  readonly signIn: Pick<SsoSignIn, 'finish'>;
  readonly clock?: Clock;
  /** Tolerated clock skew with the IdP. Default 60 s, at most 300 s. */
  readonly clockSkewSec?: number;
}

export interface SamlSignIn {
  /**
   * The IdP URL to send the browser to (HTTP-Redirect binding AuthnRequest).
   *
   * @example const { url } = await saml.begin(tenantId, connectionId);
   */
  begin(tenantId: TenantId, connectionId: string): Promise<{ url: URL }>;
  /**
   * Verifies the IdP's POSTed `SAMLResponse` (base64) and signs the user in. Refusals:
   * SSO_ASSERTION_UNSIGNED, SSO_AUDIENCE_MISMATCH, SSO_RECIPIENT_MISMATCH, SSO_TOKEN_EXPIRED,
   * SSO_ASSERTION_REPLAYED, SSO_TOKEN_INVALID, SSO_DOMAIN_MISMATCH, SSO_NO_ROLE.
   */
  complete(tenantId: TenantId, connectionId: string, samlResponse: string): Promise<SignedIn>;
}

interface SamlSettings { readonly idpMetadata: string; readonly spEntityId: string; readonly acsUrl: string }

/** samlify's own time checks read the wall clock; they are opened wide and done here by the injected clock. */
const NO_WALL_CLOCK: [number, number] = [-100 * 365 * 86_400_000, 100 * 365 * 86_400_000];
const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

const invalid = (reason: string, cause?: unknown) => identityErrors.create('SSO_TOKEN_INVALID', { details: { reason }, ...(cause === undefined ? {} : { cause }) });

/** samlify's refusals, by the message it throws. */
function refusalOf(err: unknown): Error {
  if (isTenantryError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/FAILED_TO_VERIFY_SIGNATURE|NO_SIGNATURE|UNMATCH_CERTIFICATE|NO_SELECTED_CERTIFICATE/.test(message)) return identityErrors.create('SSO_ASSERTION_UNSIGNED', { cause: err });
  if (/ERR_UNMATCH_ISSUER/.test(message)) return invalid('the assertion\'s issuer is not the connection\'s identity provider', err);
  if (/WRAPPING_ATTACK/.test(message)) return invalid('more than one assertion or signature where one is expected', err);
  if (/ERR_FAILED_STATUS/.test(message)) return invalid('the identity provider answered a failure status', err);
  return invalid('the SAML response is not valid SAML 2.0', err);
}

/** The one attribute of the one Assertion element (its children were schema-checked by samlify). */
function assertionAttribute(xml: string, name: string): string | undefined {
  return new RegExp(`<(?:[\\w-]+:)?Assertion\\b[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1];
}

/**
 * @example const saml = createSamlSignIn({ db, operator, connections, signIn, clock });
 */
export function createSamlSignIn(options: SamlSignInOptions): SamlSignIn {
  const { db, operator, connections } = options;
  const clock = options.clock ?? systemClock;
  const skewMs = (options.clockSkewSec ?? 60) * 1000;
  if (!(skewMs >= 0 && skewMs <= 300_000)) throw identityErrors.create('SSO_CONNECTION_INVALID', { details: { field: 'clockSkewSec', reason: '0–300' } });

  async function usable(tenantId: TenantId, connectionId: string): Promise<SsoConnection & { settings: SamlSettings }> {
    const connection = await db.withTenant(tenantId, (scope) => connections.get(scope, connectionId));
    if (connection.kind !== 'saml') throw identityErrors.create('SSO_CONNECTION_NOT_FOUND');
    if (!connection.enabled) throw identityErrors.create('SSO_CONNECTION_DISABLED');
    return connection as SsoConnection & { settings: SamlSettings };
  }

  function entities(settings: SamlSettings) {
    const sp = samlify.ServiceProvider({
      entityID: settings.spEntityId,
      assertionConsumerService: [{ Binding: POST_BINDING, Location: settings.acsUrl }],
      wantAssertionsSigned: true,
      clockDrifts: NO_WALL_CLOCK,
    });
    let idp: ReturnType<typeof samlify.IdentityProvider>;
    try {
      idp = samlify.IdentityProvider({ metadata: settings.idpMetadata });
    } catch (cause) {
      throw identityErrors.create('SSO_CONNECTION_INVALID', { details: { field: 'settings.idpMetadata', reason: 'cannot be read' }, cause });
    }
    return { sp, idp };
  }

  return Object.freeze<SamlSignIn>({
    async begin(tenantId, connectionId) {
      const { sp, idp } = entities((await usable(tenantId, connectionId)).settings);
      const { context } = sp.createLoginRequest(idp, 'redirect') as { context: string };
      return { url: new URL(context) };
    },
    async complete(tenantId, connectionId, samlResponse) {
      const connection = await usable(tenantId, connectionId);
      const { settings } = connection;
      if (typeof samlResponse !== 'string' || samlResponse.length === 0 || samlResponse.length > 500_000) throw invalid('SAMLResponse must be 1–500,000 characters of base64');
      const { sp, idp } = entities(settings);
      let parsed: { samlContent: string; extract: Record<string, unknown> };
      try {
        parsed = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: samlResponse } });
      } catch (err) {
        throw refusalOf(err);
      }
      const { samlContent: xml, extract } = parsed;
      // A signed response may carry an assertion it did not mean to vouch for field by field;
      // the policy is a signed assertion: its Signature follows its Issuer (SAML core schema order).
      if (!/<(?:[\w-]+:)?Assertion\b[^>]*>\s*<(?:[\w-]+:)?Issuer\b[^>]*>[^<]*<\/(?:[\w-]+:)?Issuer>\s*<(?:[\w-]+:)?Signature\b/.test(xml)) {
        throw identityErrors.create('SSO_ASSERTION_UNSIGNED');
      }
      const audience = extract.audience;
      const audiences = Array.isArray(audience) ? audience : [audience];
      if (!audiences.includes(settings.spEntityId)) throw identityErrors.create('SSO_AUDIENCE_MISMATCH');
      const destination = (extract.response as { destination?: unknown } | undefined)?.destination;
      const recipient = /<(?:[\w-]+:)?SubjectConfirmationData\b[^>]*\sRecipient="([^"]*)"/.exec(xml)?.[1];
      if ((destination !== undefined && destination !== settings.acsUrl) || recipient !== settings.acsUrl) throw identityErrors.create('SSO_RECIPIENT_MISMATCH');
      // The validity window by the injected clock: Conditions and the bearer confirmation.
      const now = clock.now().getTime();
      const conditions = (extract.conditions ?? {}) as { notBefore?: string; notOnOrAfter?: string };
      const confirmationEnd = /<(?:[\w-]+:)?SubjectConfirmationData\b[^>]*\sNotOnOrAfter="([^"]*)"/.exec(xml)?.[1];
      const ends = [conditions.notOnOrAfter, confirmationEnd].filter((t): t is string => t !== undefined).map((t) => Date.parse(t));
      if (ends.length === 0 || ends.some((end) => Number.isNaN(end) || now - skewMs >= end)) throw identityErrors.create('SSO_TOKEN_EXPIRED');
      if (conditions.notBefore !== undefined && !(Date.parse(conditions.notBefore) <= now + skewMs)) throw identityErrors.create('SSO_TOKEN_EXPIRED', { details: { reason: 'not valid yet' } });
      // Replay: the assertion id is remembered until the assertion would have expired anyway.
      const assertionId = assertionAttribute(xml, 'ID');
      if (assertionId === undefined || assertionId.length === 0 || assertionId.length > 256) throw invalid('the assertion has no usable ID');
      const { rows } = await operator.query(
        `WITH gone AS (DELETE FROM tenantry.saml_assertion_ids WHERE connection_id = $1 AND expires_at < $4)
         INSERT INTO tenantry.saml_assertion_ids (connection_id, assertion_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1`,
        [connection.id, assertionId, new Date(Math.max(...ends) + skewMs), new Date(now)],
      ).catch((err: unknown) => { throw toTenantryError(err); });
      if (rows.length === 0) throw identityErrors.create('SSO_ASSERTION_REPLAYED');

      const nameId = extract.nameID;
      if (typeof nameId !== 'string' || nameId.trim() === '' || nameId.length > 255) throw invalid('the assertion has no NameID');
      const attributes = (typeof extract.attributes === 'object' && extract.attributes !== null ? extract.attributes : {}) as Record<string, unknown>;
      const mail = [attributes.email, attributes.mail, nameId].find((v): v is string => typeof v === 'string' && /^[^@\s]+@[^@\s]+$/.test(v));
      return options.signIn.finish(tenantId, connection, { subject: nameId, ...(mail === undefined ? {} : { email: mail.toLowerCase() }), claims: attributes });
    },
  });
}
