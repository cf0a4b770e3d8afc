// A real listening control-plane API over a fresh test database: tenants, an operator token,
// signed JWTs for any user, and a fetch helper that returns status, content type and body.
// Its clock (one for every service, as startServer wires it) starts at testNow by default.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import { createBilling, type Billing } from 'tenantry/billing';
import { createControlPlane, quotaSeatCheck, systemActor, type BuiltInRole, type ControlPlane, type ControlPlaneOptions, type Permission } from 'tenantry/control';
import { createQuotas, definePlanCatalog, planFeatures, type AlertSender, type PlanCatalogOptions, type Quotas } from 'tenantry/quota';
import { directoryBackupStore } from 'tenantry/mobility';
import { memoryChangeFeed } from 'tenantry/redis';
import { localKeyProvider } from 'tenantry/crypto';
import { createJwtVerifier, jwtVerifierByIssuer } from 'tenantry/resolve';
import { createTestClock, createTestTenantry, type TestClock, type TestTenantry } from 'tenantry/testing';
import { buildApp } from '../../../packages/server/src/app.js';
import { startHealthServices } from '../../../packages/server/src/database/health-services.js';
import { openServerJobs, type ServerJobs, type ServerJobsOptions } from '../../../packages/server/src/database/server-jobs.js';
import type { RateLimitOptions } from '../../../packages/server/src/http/rate-limit.js';
import type { RouteDeadlines } from '../../../packages/server/src/http/request-deadline.js';
import { createLogger } from '../../../packages/server/src/logger.js';
import { DEFAULT_PLANS } from '../../../packages/server/src/plans.js';
import { DEFAULT_SETTINGS_SCHEMA } from '../../../packages/server/src/settings-schema.js';
import { identityServices, type IdentityServices } from '../../../packages/server/src/http/identity-services.js';

const ISSUER = 'https://id.test.example';
/** The server's own public URL: the issuer of the tokens it issues after an SSO sign-in. */
const SSO_URL = 'https://tenantry.test.example';
const AUDIENCE = 'tenantry-api-test';
const SECRET = `jwt-secret-${randomUUID()}`;

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  // Whatever JSON the server sent; tests narrow it with expect().
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Call {
  readonly token?: string;
  readonly apiKey?: string;
  readonly body?: unknown;
  /** Sent as is with content-type application/json (malformed JSON, oversized bodies). */
  readonly raw?: string;
  /** Abort the request (fetch rejects with a TimeoutError) when no answer came by then: a hang fails the test instead of stalling it. */
  readonly deadlineMs?: number;
}

export interface ApiServerOptions {
  /** The plan catalog (default: the server's built-in plans). */
  readonly plans?: PlanCatalogOptions;
  /** Enforce the plans' seat limit on members (off by default: other suites add many members). */
  readonly seatLimit?: boolean;
  /** Where usage alerts go (from the job queue, as the server sends them); implies `jobs`. */
  readonly alertSender?: AlertSender;
  /**
   * Run the server's job queue (pg-boss in the test database) with its jobs and the webhook
   * routes, as startServer does; webhooks may target loopback (the tests' receivers).
   */
  readonly jobs?: boolean | Partial<ServerJobsOptions['config']>;
  /** A dashboard build to serve at /dashboard. */
  readonly dashboardDir?: string;
  /** Control-plane options (a Redis change feed, plan features, flags); default: an in-process feed. */
  readonly control?: Pick<ControlPlaneOptions, 'changeFeed' | 'planFeatures' | 'flags' | 'dns'>;
  /** A test database of the caller's (two servers over one database); default: a new one. */
  readonly t?: TestTenantry;
  /** Serve the analytics, health and alerts routes (and record tenant activity), as the server does. */
  readonly health?: boolean;
  /** The server's clock; default a test clock at testNow (TENANTRY_TEST_NOW). Give `t` the same one. */
  readonly clock?: TestClock;
  /** Client-side database deadlines per route class (default: the server's defaults). */
  readonly deadlines?: RouteDeadlines;
  /** The server's logger (default: silent). */
  readonly logger?: Logger;
  /** Tenant rate limits (default: none). */
  readonly rateLimit?: RateLimitOptions;
}

export interface ApiServer {
  readonly t: TestTenantry;
  /** The clock of every service behind the API (and of the JWTs `jwt` signs). */
  readonly clock: TestClock;
  readonly control: ControlPlane;
  /** Single sign-on as the server runs it (its tokens are accepted beside the test issuer's). */
  readonly identity: IdentityServices;
  readonly quotas: Quotas;
  /** The job queue and webhooks (with `jobs`). */
  readonly jobs?: ServerJobs;
  /** Subscriptions and invoices, on the same clock and pools as the server's routes. */
  readonly billing: Billing;
  readonly url: string;
  readonly operatorToken: string;
  /** A JWT for `userId` naming `tenantId` in its tenant_id claim, valid for 5 minutes. */
  jwt(userId: string, tenantId: string, claims?: Record<string, unknown>): Promise<string>;
  /** Adds `userId` to the tenant with a built-in role and returns a JWT for them. */
  member(tenantId: string, userId: string, role: BuiltInRole): Promise<string>;
  /** An API key of the tenant with these scopes. */
  apiKey(tenantId: string, scopes: readonly Permission[]): Promise<string>;
  request(method: string, path: string, call?: Call): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * @example const api = await startApiServer(2); afterAll(() => api.close());
 */
export async function startApiServer(tenants = 2, options: ApiServerOptions = {}): Promise<ApiServer> {
  const clock = options.clock ?? createTestClock(inject('testNow'));
  const t = options.t ?? await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants, clock });
  const quotas = createQuotas({ catalog: definePlanCatalog(options.plans ?? DEFAULT_PLANS), clock });
  const settingsSchema = DEFAULT_SETTINGS_SCHEMA;
  const control = createControlPlane({
    db: t.db, operator: t.operator, encryption: 'none', clock, settingsSchema, changeFeed: memoryChangeFeed(),
    planFeatures: (plan) => planFeatures(quotas.catalog, plan),
    ...(options.seatLimit ? { seatCheck: quotaSeatCheck(quotas) } : {}),
    ...options.control,
  });
  const billing = createBilling({ operator: t.operator, catalog: quotas.catalog, registry: t.registry, clock, taxRatePpm: 190_000 });
  const identity = await identityServices({
    db: t.db, operator: t.operator, members: control.members, clock, publicUrl: SSO_URL, audience: SSO_URL,
    keyProvider: localKeyProvider({ keys: { test: randomBytes(32) } }), allowInsecureProviders: true,
    ...(options.control?.dns ? { dns: options.control.dns } : {}),
  });
  const jwtVerifier = jwtVerifierByIssuer([
    { issuer: ISSUER, verifier: createJwtVerifier({ algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, secret: SECRET, clock }) },
    { issuer: SSO_URL, verifier: identity.verifier },
  ]);
  const jobs = options.jobs || options.alertSender ? await openServerJobs({
    adminUrl: t.url, registry: t.registry, db: t.db, control, quotas, clock, logger: createLogger({ level: 'silent' }), mode: 'work',
    config: { webhookPrivateTargets: 'allow', webhookTimeoutMs: 2000, webhookRetries: 2, webhookRetryDelayMs: 0, webhookDisableAfterFailures: 3, ...(typeof options.jobs === 'object' ? options.jobs : {}) },
  }) : undefined;
  jobs?.setAlertSender(options.alertSender);
  const health = options.health ? startHealthServices(t.operator, { logger: createLogger({ level: 'silent' }), clock, ...(jobs ? { failedJobs: () => jobs.queue.failedCounts(), queue: jobs.queue } : {}) }) : undefined;
  // After every job is defined (the health services define theirs): start works the defined ones.
  await jobs?.work();
  const app = buildApp({ operator: t.operator, logger: options.logger ?? createLogger({ level: 'silent' }), api: {
    registry: t.registry, db: t.db, control, jwtVerifier, settingsSchema, identity: identity.api,
    quota: { quotas, operator: t.operator },
    ...(jobs ? { jobs: { queue: jobs.queue, webhooks: jobs.webhooks } } : {}),
    billing,
    operator: t.operator,
    clock,
    ...(health ? { health: health.services } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    mobility: { app: t.app, erasureGraceDays: 30, maxImportBytes: 64 * 1024 * 1024, backups: directoryBackupStore({ dir: await mkdtemp(join(tmpdir(), 'api-backups-')), residency: 'test' }) },
  }, ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}), ...(options.deadlines ? { deadlines: options.deadlines } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const staff = await control.operators.create({ email: `ops-${randomUUID()}@platform.example`, displayName: 'Ops' });
  const { token: operatorToken } = await control.operators.createToken(staff.id, { name: 'test' });

  // Issued and expiring by the server's clock, not the wall clock, or the verifier would refuse them.
  const jwt = (userId: string, tenantId: string, claims: Record<string, unknown> = {}) => {
    const issuedAt = Math.floor(clock.now().getTime() / 1000);
    return new SignJWT({ tenant_id: tenantId, ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId)
      .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(issuedAt).setExpirationTime(issuedAt + 300).sign(new TextEncoder().encode(SECRET));
  };

  return {
    t, clock, control, identity, quotas, billing, url, operatorToken, jwt, ...(jobs ? { jobs } : {}),
    async member(tenantId, userId, role) {
      await t.db.withTenant(tenantId, (scope) => control.members.add(scope, { userId, role }, systemActor('test')));
      return jwt(userId, tenantId);
    },
    async apiKey(tenantId, scopes) {
      const { key } = await t.db.withTenant(tenantId, (scope) => control.apiKeys.create(scope, { name: 'test', scopes }, systemActor('test')));
      return key;
    },
    async request(method, path, call = {}) {
      const headers: Record<string, string> = {};
      if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
      if (call.apiKey !== undefined) headers['x-api-key'] = call.apiKey;
      const payload = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + path, {
        method, headers,
        ...(payload === undefined ? {} : { body: payload }),
        ...(call.deadlineMs === undefined ? {} : { signal: AbortSignal.timeout(call.deadlineMs) }),
      });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- JSON of unknown shape, see Reply.body
      return { status: res.status, contentType, body: contentType.includes('json') && text !== '' ? JSON.parse(text) : text };
    },
    async close() {
      await app.close();
      await jobs?.close();
      await health?.close();
      await control.close();
      // A database handed in belongs to the caller (several servers over one database).
      if (options.t === undefined) await t.close();
    },
  };
}
