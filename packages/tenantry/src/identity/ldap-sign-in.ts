// Sign-in through a tenant's LDAP directory (ldapts): the service account finds the user with the
// connection's filter — the user name escaped as RFC 4515 says, so `*)(uid=*` is a name, never
// filter syntax — then the user's own DN binds with their password. One answer for an unknown
// user and a wrong password. Then the same domain check, JIT membership and token as OIDC.
import { Client, InvalidCredentialsError, escapeFilter } from 'ldapts';
import { isTenantryError, type TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import type { SsoConnections } from './connections.js';
import { identityErrors } from './errors.js';
import type { SignedIn, SsoSignIn } from './sso-sign-in.js';

export interface LdapSignInOptions {
  readonly db: TenantDatabase;
  readonly connections: SsoConnections;
  readonly signIn: Pick<SsoSignIn, 'finish'>;
  /** Connect and operation timeout. Default 5 s. */
  readonly timeoutMs?: number;
  /** TLS options for ldaps:// and StartTLS (e.g. the directory's CA). */
  readonly tls?: { readonly ca?: string | Buffer; readonly rejectUnauthorized?: boolean };
}

export interface LdapSignIn {
  /**
   * @example const signedIn = await ldap.signIn(tenantId, connectionId, 'alice', password);
   */
  signIn(tenantId: TenantId, connectionId: string, username: string, password: string): Promise<SignedIn>;
}

interface LdapSettings {
  readonly url: string; readonly bindDn: string; readonly userBase: string; readonly userFilter: string;
  readonly startTls: boolean; readonly groupAttribute: string; readonly emailAttribute: string;
}

const refused = () => identityErrors.create('SSO_INVALID_CREDENTIALS');
const values = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString() : String(v)));

/** The filter with the user name escaped (RFC 4515) where the template says `{username}`. */
export function ldapUserFilter(template: string, username: string): string {
  return template.split('{username}').join(escapeFilter`${username}`);
}

/**
 * @example const ldap = createLdapSignIn({ db, connections, signIn });
 */
export function createLdapSignIn(options: LdapSignInOptions): LdapSignIn {
  const timeout = options.timeoutMs ?? 5000;
  return Object.freeze<LdapSignIn>({
    async signIn(tenantId, connectionId, username, password) {
      // eslint-disable-next-line no-control-regex
      if (typeof username !== 'string' || username.length === 0 || username.length > 256 || /[\u0000-\u001f\u007f]/.test(username)) throw refused();
      // An empty password is an unauthenticated bind (RFC 4513 §5.1.2), which many servers accept.
      if (typeof password !== 'string' || password.length === 0 || password.length > 1024) throw refused();
      const { connection, secret } = await options.db.withTenant(tenantId, async (scope) => {
        const found = await options.connections.get(scope, connectionId);
        return { connection: found, secret: found.kind === 'ldap' ? await options.connections.secretOf(scope, connectionId) : undefined };
      });
      if (connection.kind !== 'ldap') throw identityErrors.create('SSO_CONNECTION_NOT_FOUND');
      if (!connection.enabled) throw identityErrors.create('SSO_CONNECTION_DISABLED');
      const settings = connection.settings as unknown as LdapSettings;
      if (secret === undefined) throw identityErrors.create('SSO_CONNECTION_INVALID', { details: { field: 'secret', reason: 'the service account\'s password is not set' } });
      const identity = await lookUpAndBind(settings, secret, username, password, timeout, options.tls);
      return options.signIn.finish(tenantId, connection, identity);
    },
  });
}

async function lookUpAndBind(settings: LdapSettings, secret: string, username: string, password: string, timeout: number, tls: LdapSignInOptions['tls']) {
  const tlsOptions = tls === undefined ? undefined : { ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }) };
  const client = new Client({ url: settings.url, timeout, connectTimeout: timeout, ...(tlsOptions ? { tlsOptions } : {}) });
  try {
    if (settings.startTls) await client.startTLS(tlsOptions ?? {});
    // The service account refused is the connection's fault, never the user's wrong password.
    await client.bind(settings.bindDn, secret).catch((cause: unknown) => {
      throw cause instanceof InvalidCredentialsError ? identityErrors.create('SSO_CONNECTION_INVALID', { details: { field: 'bindDn', reason: 'the directory refused the service account' }, cause }) : cause;
    });
    const { searchEntries } = await client.search(settings.userBase, {
      scope: 'sub', filter: ldapUserFilter(settings.userFilter, username), sizeLimit: 2, attributes: ['dn', settings.groupAttribute, settings.emailAttribute],
    });
    // None or several: one answer, no probing which.
    if (searchEntries.length !== 1) throw refused();
    const entry = searchEntries[0] as Record<string, unknown> & { dn: string };
    await client.bind(entry.dn, password);
    const groupValues = values(entry[settings.groupAttribute]);
    // A group given as a DN (memberOf) also matches rules by its first RDN's value (its cn).
    const groups = [...new Set(groupValues.flatMap((g) => [g, /^[A-Za-z]+=((?:\\.|[^,])+)/.exec(g)?.[1] ?? g]))];
    const mail = values(entry[settings.emailAttribute])[0];
    return { subject: entry.dn, ...(mail === undefined ? {} : { email: mail.toLowerCase() }), claims: { groups, username } };
  } catch (err) {
    if (isTenantryError(err)) throw err;
    if (err instanceof InvalidCredentialsError) throw refused();
    throw identityErrors.create('SSO_PROVIDER_UNAVAILABLE', { cause: err });
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
