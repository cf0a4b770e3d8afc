// Custom domains against a real PostgreSQL and a real DNS server (dnsmasq on 127.0.0.1, started
// here with the TXT records each test publishes): a domain resolves only after its TXT record
// proved control, belongs to one tenant at most, and tenant B's handles find nothing of A's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../core/index.js';
import { createTenantResolver, customDomainStrategy, tenantRequest } from '../resolve/index.js';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createCustomDomains, type ControlScope, type CustomDomains } from './index.js';

/** A dnsmasq serving the given TXT records, restarted whenever they change (it reads them only at start). */
class LocalDns {
  #child: ChildProcess | undefined;
  private constructor(readonly binary: string, readonly port: number, readonly dir: string) {}

  /** A started server, or the reason there is none (printed, and the DNS tests are skipped). */
  static async start(): Promise<LocalDns | string> {
    const binary = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq', '/sbin/dnsmasq'].find((path) => existsSync(path))
      ?? (spawnSync('sh', ['-c', 'command -v dnsmasq'], { encoding: 'utf8' }).stdout.trim() || undefined);
    if (binary === undefined) return 'dnsmasq is not installed (apt-get install -y dnsmasq-base)';
    const dns = new LocalDns(binary, await freeUdpPort(), await mkdtemp(join(tmpdir(), 'tenantry-dns-')));
    try {
      await dns.serve({});
      return dns;
    } catch (err) {
      await dns.stop();
      return `dnsmasq did not start: ${(err as Error).message}`;
    }
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  async serve(records: Readonly<Record<string, string>>): Promise<void> {
    await this.#kill();
    const lines = Object.entries({ 'ready.tenantry.test': 'ready', ...records }).map(([name, value]) => `txt-record=${name},"${value}"`);
    const conf = join(this.dir, 'dnsmasq.conf');
    await writeFile(conf, `${lines.join('\n')}\n`);
    const child = spawn(this.binary, [
      '--keep-in-foreground', '--no-resolv', '--no-hosts', '--pid-file', `--conf-file=${conf}`, `--port=${this.port}`,
      '--listen-address=127.0.0.1', '--bind-interfaces', '--local=/test/', '--log-facility=-',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`exit ${code}: ${stderr.trim().slice(0, 300)}`))));
    // Ready when it answers (a readiness probe on the server itself, not a timer).
    const probe = new Resolver({ timeout: 200, tries: 1 });
    probe.setServers([this.server]);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answer = await Promise.race([probe.resolveTxt('ready.tenantry.test').then(() => true, () => false), exited]);
      if (answer) return;
      if (Date.now() > deadline) throw new Error('no answer within 10 s');
    }
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
  }

  async stop(): Promise<void> {
    await this.#kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

const started = await LocalDns.start();
const localDns = typeof started === 'string' ? undefined : started;
if (typeof started === 'string') console.warn(`[custom-domains.int.test] skipping the DNS verification tests: ${started}`);

let t: TestTenantry;
let a: Tenant;
let b: Tenant;
let domains: CustomDomains;
let serial = 0;
const inTenant = <T>(tenant: Tenant, fn: (scope: ControlScope) => Promise<T>) => t.db.withTenant(tenant.id, fn);
const domainName = (label: string) => `${label}-${(serial += 1)}.acme.test`;
const stored = async (tenant: Tenant) => (await t.admin.query('SELECT * FROM tenantry.custom_domains WHERE tenant_id = $1 ORDER BY domain', [tenant.id])).rows;

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 2 });
  [a, b] = t.tenants as [Tenant, Tenant];
  domains = createCustomDomains({ operator: t.operator, dns: { servers: [localDns?.server ?? '127.0.0.1:9'], timeoutMs: 1000, tries: 1 }, reservedDomains: ['platform.test'] });
});
afterAll(async () => {
  await localDns?.stop();
  await t?.close();
});

describe('adding a domain', () => {
  it('gives the TXT record to publish, and adding it again gives the same claim', async () => {
    const domain = domainName('app');
    const claim = await inTenant(a, (s) => domains.add(s, domain.toUpperCase()));
    expect(claim).toMatchObject({ domain, status: 'pending', recordName: `_tenantry-challenge.${domain}` });
    expect(claim.recordValue).toMatch(/^tenantry-verify=[A-Za-z0-9_-]{32}$/);
    expect(await inTenant(a, (s) => domains.add(s, domain))).toEqual(claim);
    expect((await inTenant(a, (s) => domains.list(s))).map((d) => d.domain)).toContain(domain);
  });

  it("refuses invalid names and the platform's own domains, writing nothing", async () => {
    const before = await stored(a);
    for (const bad of ['https://x.acme.test', '*.acme.test', 'localhost', 'tenant.platform.test']) {
      expect(await codeOf(inTenant(a, (s) => domains.add(s, bad))), bad).toBe('DOMAIN_INVALID');
    }
    expect(await stored(a)).toEqual(before);
  });
});

describe.skipIf(localDns === undefined)('verifying through DNS (dnsmasq)', () => {
  const dns = localDns as LocalDns;

  it('resolves a domain only once its TXT record carries the token', async () => {
    const domain = domainName('shop');
    const claim = await inTenant(a, (s) => domains.add(s, domain));
    expect(await domains.verifiedDomainOwner(domain)).toBeUndefined();
    await dns.serve({});
    expect(await codeOf(inTenant(a, (s) => domains.verify(s, domain)))).toBe('DOMAIN_VERIFICATION_FAILED');
    await dns.serve({ [claim.recordName]: 'tenantry-verify=someone-elses-token-000000000000' });
    expect(await codeOf(inTenant(a, (s) => domains.verify(s, domain)))).toBe('DOMAIN_VERIFICATION_FAILED');
    expect((await inTenant(a, (s) => domains.get(s, domain))).status).toBe('pending');
    expect(await domains.verifiedDomainOwner(domain)).toBeUndefined();

    await dns.serve({ [claim.recordName]: claim.recordValue });
    const verified = await inTenant(a, (s) => domains.verify(s, domain));
    expect(verified).toMatchObject({ status: 'verified' });
    expect(await domains.verifiedDomainOwner(domain)).toBe(a.id);
    const resolver = createTenantResolver({ strategies: [customDomainStrategy({ lookup: domains.verifiedDomainOwner })], tenants: t.registry });
    expect((await resolver.resolve(tenantRequest({ host: `${domain.toUpperCase()}:443`, path: '/' }))).tenant.id).toBe(a.id);
  });

  it("belongs to one tenant: another tenant's claim cannot verify it, nor can it be added again", async () => {
    const domain = domainName('owned');
    const ofA = await inTenant(a, (s) => domains.add(s, domain));
    const ofB = await inTenant(b, (s) => domains.add(s, domain));
    expect(ofB.recordValue).not.toBe(ofA.recordValue);
    await dns.serve({ [ofA.recordName]: ofA.recordValue });
    await inTenant(a, (s) => domains.verify(s, domain));
    // Even with B's own token published, B cannot take a domain A verified first.
    await dns.serve({ [ofB.recordName]: ofB.recordValue });
    expect(await codeOf(inTenant(b, (s) => domains.verify(s, domain)))).toBe('DOMAIN_TAKEN');
    expect(await codeOf(inTenant(b, (s) => domains.add(s, `${domain}.`)))).toBe('DOMAIN_TAKEN');
    expect(await domains.verifiedDomainOwner(domain)).toBe(a.id);
  });

  it('cannot be squatted: an unverified claim does not keep the real owner from verifying', async () => {
    const domain = domainName('squat');
    await inTenant(b, (s) => domains.add(s, domain));
    const ofA = await inTenant(a, (s) => domains.add(s, domain));
    await dns.serve({ [ofA.recordName]: ofA.recordValue });
    await inTenant(a, (s) => domains.verify(s, domain));
    expect(await domains.verifiedDomainOwner(domain)).toBe(a.id);
  });

  it('stops resolving once removed, and is then free for another tenant', async () => {
    const domain = domainName('moving');
    const ofA = await inTenant(a, (s) => domains.add(s, domain));
    await dns.serve({ [ofA.recordName]: ofA.recordValue });
    await inTenant(a, (s) => domains.verify(s, domain));
    await inTenant(a, (s) => domains.remove(s, domain));
    expect(await domains.verifiedDomainOwner(domain)).toBeUndefined();
    const ofB = await inTenant(b, (s) => domains.add(s, domain));
    await dns.serve({ [ofB.recordName]: ofB.recordValue });
    await inTenant(b, (s) => domains.verify(s, domain));
    expect(await domains.verifiedDomainOwner(domain)).toBe(b.id);
  });

  it("of a deleted tenant resolves no more, and another tenant can verify it", async () => {
    const leaving = await t.registry.create({ slug: 'leaving-tenant' });
    const domain = domainName('old');
    const claim = await inTenant(leaving, (s) => domains.add(s, domain));
    await dns.serve({ [claim.recordName]: claim.recordValue });
    await inTenant(leaving, (s) => domains.verify(s, domain));
    await t.registry.offboard(leaving.id);
    await t.registry.delete(leaving.id);
    expect(await domains.verifiedDomainOwner(domain)).toBeUndefined();
    const ofB = await inTenant(b, (s) => domains.add(s, domain));
    await dns.serve({ [ofB.recordName]: ofB.recordValue });
    await inTenant(b, (s) => domains.verify(s, domain));
    expect(await domains.verifiedDomainOwner(domain)).toBe(b.id);
  });

  it("of tenant A is not found through tenant B's handles, and nothing of it changes", async () => {
    const domain = domainName('private');
    const claim = await inTenant(a, (s) => domains.add(s, domain));
    await dns.serve({ [claim.recordName]: claim.recordValue });
    await inTenant(a, (s) => domains.verify(s, domain));
    const before = await stored(a);
    expect(await codeOf(inTenant(b, (s) => domains.get(s, domain)))).toBe('DOMAIN_NOT_FOUND');
    expect(await codeOf(inTenant(b, (s) => domains.verify(s, domain)))).toBe('DOMAIN_NOT_FOUND');
    expect(await codeOf(inTenant(b, (s) => domains.remove(s, domain)))).toBe('DOMAIN_NOT_FOUND');
    expect((await inTenant(b, (s) => domains.list(s))).map((d) => d.domain)).not.toContain(domain);
    expect(await stored(a)).toEqual(before);
    expect(await domains.verifiedDomainOwner(domain)).toBe(a.id);
  });
});

describe('a DNS server that does not answer', () => {
  it('makes verification fail as unavailable, not as a missing record, and changes nothing', async () => {
    const silent = createCustomDomains({ operator: t.operator, dns: { servers: [`127.0.0.1:${await freeUdpPort()}`], timeoutMs: 300, tries: 1 } });
    const domain = domainName('silent');
    await inTenant(a, (s) => silent.add(s, domain));
    expect(await codeOf(inTenant(a, (s) => silent.verify(s, domain)))).toBe('DOMAIN_DNS_UNAVAILABLE');
    expect((await inTenant(a, (s) => silent.get(s, domain))).status).toBe('pending');
  });

  it('refuses a resolver address that is not an IP address', () => {
    expect(() => createCustomDomains({ operator: t.operator, dns: { servers: ['dns.example.com'] } })).toThrow();
  });
});
