// LDAP sign-in against a real PostgreSQL and Debian's slapd, started here in a temporary directory
// on a free port (skipped, with the reason, where slapd is not installed): a bind ends in a
// Tenantry token with JIT membership from the directory's groups; a wrong password and an
// unknown user get one answer; LDAP injection in the user name is a name, never filter syntax;
// another tenant's connection and an address of a domain another tenant verified are refused.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createMembers } from '../control/index.js';
import { createTenantEncryption, localKeyProvider } from '../crypto/index.js';
import { createTestClock, createTestTenantry, expectCode, freePort, owned, type OwnedProcess, type TestTenantry } from '../testing/index.js';
import { createLdapSignIn, createSsoConnections, createSsoSignIn, createTokenIssuer, createTokenSigningKeys, ldapUserFilter, type LdapSignIn, type SsoConnection } from './index.js';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const hasSlapd = existsSync(SLAPD) && existsSync(SLAPADD) && existsSync('/etc/ldap/schema/inetorgperson.schema');
const ADMIN_PW = randomBytes(12).toString('hex');
const SUFFIX = 'dc=acme,dc=example';

const clock = createTestClock(new Date(inject('testNow')));
let dir: string;
let slapd: OwnedProcess | undefined;
let url: string;
let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let connA: SsoConnection;
let connB: SsoConnection;
let ldap: LdapSignIn;
const keyProvider = localKeyProvider({ keys: { primary: randomBytes(32) } });
const connections = createSsoConnections({ encryption: createTenantEncryption({ keyProvider, clock }), clock, allowInsecureUrls: true });
const members = createMembers({ clock });

const person = (uid: string, password: string, mail: string, groups: string[]) => `dn: uid=${uid},ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${uid}
sn: ${uid}
mail: ${mail}
userPassword: ${password}
${groups.map((g) => `departmentNumber: ${g}`).join('\n')}
`;

async function startSlapd(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tenantry-slapd-'));
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${join(dir, 'slapd.pid')}`,
    'modulepath /usr/lib/ldap', 'moduleload back_mdb',
    'database mdb', `suffix "${SUFFIX}"`, `rootdn "cn=admin,${SUFFIX}"`, `rootpw ${ADMIN_PW}`, `directory ${join(dir, 'db')}`, 'maxsize 10485760',
    // Users may bind and read; nobody writes (the service account is the rootdn here).
    'access to attrs=userPassword by anonymous auth by * none', 'access to * by * read',
  ].join('\n'));
  const ldif = join(dir, 'seed.ldif');
  writeFileSync(ldif, [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Acme\ndc: acme\n`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
    person('alice', 'alice-pw', 'alice@acme.example', ['Engineering']),
    person('bob', 'bob-pw', 'bob@acme.example', []),
    person('eve', 'eve-pw', 'eve@bravo.example', ['Engineering']),
    person('star', 'star-pw', 'star@acme.example', ['Engineering']),
  ].join('\n'));
  execFileSync(SLAPADD, ['-f', conf, '-l', ldif], { stdio: 'ignore' });
  const port = await freePort();
  url = `ldap://127.0.0.1:${port}`;
  // -d keeps it in the foreground (a child this test owns and stops); its log says when it listens.
  const child = spawn(SLAPD, ['-f', conf, '-h', `${url}/`, '-d', 'stats'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('slapd starting')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`slapd exited with ${code}: ${log}`)));
  });
  slapd = owned(child);
}

beforeAll(async () => {
  if (!hasSlapd) return;
  await startSlapd();
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2, clock });
  [a, b] = t.tenants as [Tenant, Tenant];
  const signingKeys = createTokenSigningKeys({ operator: t.operator, keyProvider, clock });
  await signingKeys.ensureFresh();
  const tokens = createTokenIssuer({ signingKeys, issuer: 'https://tenantry.test', audience: 'app', clock });
  const emailDomains = { ownerOf: async (domain: string) => (domain === 'bravo.example' ? { tenantId: b.id, connectionId: randomUUID() } : undefined) };
  const signIn = createSsoSignIn({ db: t.db, operator: t.operator, connections, members, tokens, emailDomains, clock });
  ldap = createLdapSignIn({ db: t.db, connections, signIn });
  const settings = { url, bindDn: `cn=admin,${SUFFIX}`, userBase: `ou=people,${SUFFIX}`, userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))', groupAttribute: 'departmentNumber' };
  connA = await t.db.withTenant(a.id, (s) => connections.create(s, { kind: 'ldap', name: 'Acme LDAP', settings, secret: ADMIN_PW, roleRules: [{ claim: 'groups', equals: 'Engineering', role: 'admin' }] }, 'user:test'));
  connB = await t.db.withTenant(b.id, (s) => connections.create(s, { kind: 'ldap', name: 'Bravo LDAP', settings, secret: ADMIN_PW, defaultRole: 'viewer' }, 'user:test'));
}, 30_000);
afterAll(async () => {
  await t?.close();
  await slapd?.kill();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the user filter', () => {
  it('escapes the user name as RFC 4515 says', () => {
    expect(ldapUserFilter('(uid={username})', '*)(uid=*')).toBe('(uid=\\2a\\29\\28uid=\\2a)');
    expect(ldapUserFilter('(|(uid={username})(mail={username}))', 'a\\b\u0000')).toBe('(|(uid=a\\5cb\\00)(mail=a\\5cb\\00))');
  });
});

describe.skipIf(!hasSlapd)('LDAP sign-in against slapd (Debian slapd; absent, skipped)', () => {
  it('binds, and makes the user a member just in time with the role their groups map', async () => {
    const signedIn = await ldap.signIn(a.id, connA.id, 'alice', 'alice-pw');
    expect(signedIn).toMatchObject({ tenantId: a.id, role: 'admin', created: true });
    expect(await t.db.withTenant(a.id, (s) => members.tryGet(s, signedIn.userId))).toMatchObject({ role: 'admin' });
    expect(await ldap.signIn(a.id, connA.id, 'alice', 'alice-pw')).toMatchObject({ userId: signedIn.userId, created: false });
  });

  it('gives one answer for a wrong password, an unknown user and an empty password', async () => {
    await expectCode(ldap.signIn(a.id, connA.id, 'alice', 'wrong'), 'SSO_INVALID_CREDENTIALS');
    await expectCode(ldap.signIn(a.id, connA.id, 'nobody', 'alice-pw'), 'SSO_INVALID_CREDENTIALS');
    await expectCode(ldap.signIn(a.id, connA.id, 'alice', ''), 'SSO_INVALID_CREDENTIALS');
  });

  it('treats LDAP filter syntax in the user name as a name: no wildcard sign-in', async () => {
    // Unescaped, `*` matches every user and `star-pw` would bind as whoever came first.
    for (const name of ['*', 'st*', '*)(uid=*', 'alice)(|(uid=*', 'alice\u0000']) {
      await expectCode(ldap.signIn(a.id, connA.id, name, 'star-pw'), 'SSO_INVALID_CREDENTIALS');
    }
  });

  it('refuses a user no rule admits, an address of a domain another tenant verified, and another tenant\'s connection', async () => {
    await expectCode(ldap.signIn(a.id, connA.id, 'bob', 'bob-pw'), 'SSO_NO_ROLE');
    await expectCode(ldap.signIn(a.id, connA.id, 'eve', 'eve-pw'), 'SSO_DOMAIN_MISMATCH');
    await expectCode(ldap.signIn(b.id, connA.id, 'alice', 'alice-pw'), 'SSO_CONNECTION_NOT_FOUND');
    expect(await ldap.signIn(b.id, connB.id, 'bob', 'bob-pw')).toMatchObject({ tenantId: b.id, role: 'viewer' });
  });

  it('answers a directory that is down as unavailable, and a refused service account as the connection\'s fault', async () => {
    const nothing = `ldap://127.0.0.1:${await freePort()}`;
    const down = await t.db.withTenant(a.id, (s) => connections.create(s, { kind: 'ldap', name: 'Down', settings: { url: nothing, bindDn: `cn=admin,${SUFFIX}`, userBase: SUFFIX }, secret: ADMIN_PW, defaultRole: 'viewer' }, 'user:test'));
    await expectCode(ldap.signIn(a.id, down.id, 'alice', 'alice-pw'), 'SSO_PROVIDER_UNAVAILABLE');
    const wrong = await t.db.withTenant(a.id, (s) => connections.create(s, { kind: 'ldap', name: 'Wrong', settings: { url, bindDn: `cn=admin,${SUFFIX}`, userBase: SUFFIX }, secret: 'not-the-password', defaultRole: 'viewer' }, 'user:test'));
    await expectCode(ldap.signIn(a.id, wrong.id, 'alice', 'alice-pw'), 'SSO_CONNECTION_INVALID');
  });
});
