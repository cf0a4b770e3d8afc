// bench/soak: the server under sustained load, then the same load with a PostgreSQL restart in
// the middle. A real server process (`tenantry start`) over its own embedded PostgreSQL (never
// the shared one: it is restarted), many tenants each with marker members, and concurrent
// requests from a separate process (bench/support/soak-load.mjs): reads check that every member
// they see carries their tenant's prefix, writes add members and are checked afterwards.
//   npm run bench -- soak            full: 200 tenants, 2,000 concurrent, 20 s steady + 20 s with a restart
//   npm run bench -- soak --smoke    CI: 30 tenants, 200 concurrent, 4 s + 8 s
// Last line: { requests, cross_tenant, errors_5xx, lost_writes, p50_ms, p99_ms, recovery_s,
// rss_before_mb, rss_after_mb, restart_window_errors } where errors_5xx counts failed requests
// (5xx or no answer) outside the restart window [stop, PostgreSQL ready + 2 s], and recovery_s
// is the time from PostgreSQL accepting connections again to the last failed request.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { startEmbeddedPostgres, type EmbeddedPostgres } from 'tenantry/postgres/embedded';
import { freePort } from 'tenantry/testing';

const smoke = process.argv.includes('--smoke');
const TENANTS = smoke ? 30 : 200;
const CONCURRENCY = smoke ? 200 : 2000;
const STEADY_S = smoke ? 4 : 20;
const RESTART_S = smoke ? 8 : 20;
const WRITE_SHARE = 0.1;
const RECOVERY_BOUND_S = 2;
const SECRET = 'bench-soak-secret-of-at-least-32-bytes';
const BIN = fileURLToPath(new URL('../packages/server/src/bin.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

interface LoadResult {
  requests: number;
  crossTenant: number;
  p50: number;
  p99: number;
  failures: { at: number; status: number; code: string; retryAfter?: string }[];
  acknowledged: { prefix: string; userId: string }[];
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, { encoding: 'utf8', flag: 'r' }).split('\n').find((l) => l.startsWith('VmRSS:'));
  return line ? Math.round(Number(line.replace(/\D+/g, '')) / 1024) : Number.NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-soak-'));
// As root the cluster runs as `postgres`, which must be able to pass through this directory.
chmodSync(dir, 0o711);
const pgPort = await freePort();
let pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: pgPort });
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: pg.url, TENANTRY_APP_PASSWORD: pg.rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: pg.rolePasswords.operator,
  PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
  TENANTRY_JWT_SECRET: SECRET, TENANTRY_JWT_ISSUER: 'bench', TENANTRY_JWT_AUDIENCE: 'bench',
  // Limits far above the load: the soak measures the database path, not the rate limiter.
  RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_BURST: '1000000',
};
// The server's own Redis would be one more dependency in the restart window; this run is about PostgreSQL.
delete env.REDIS_URL;
const cli = (args: string[]) => promisify(execFile)(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', BIN, ...args], { cwd: ROOT, env });

let server: ChildProcess | undefined;
let serverLog = '';
try {
  await cli(['migrate']);
  const { stdout } = await cli(['operators', 'create', '--name', 'Soak', '--email', 'soak@bench.example', '--json']);
  const operatorToken = (JSON.parse(stdout) as { token: string }).token;

  server = spawn(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', BIN, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.setEncoding('utf8').on('data', (chunk: string) => (serverLog = (serverLog + chunk).slice(-20_000)));
  server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (serverLog = (serverLog + chunk).slice(-20_000)));
  let exitedWith: string | undefined;
  server.once('exit', (code, signal) => (exitedWith = `code ${code} signal ${signal}`));
  for (let i = 0; ; i += 1) {
    if (exitedWith) throw new Error(`the server exited (${exitedWith}) before it was ready:\n${serverLog}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (i > 600) throw new Error(`the server was not ready within 60 s:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // Tenants, each with an owner whose user id carries the tenant's prefix (the marker).
  const key = new TextEncoder().encode(SECRET);
  const tenants: { prefix: string; token: string }[] = [];
  for (let start = 0; start < TENANTS; start += 16) {
    await Promise.all(Array.from({ length: Math.min(16, TENANTS - start) }, async (_, k) => {
      const i = start + k;
      const prefix = `t${i}.`;
      const response = await fetch(`${url}/v1/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug: `soak-${i}`, plan: 'enterprise', owner: { userId: `${prefix}owner` } }),
      });
      if (response.status !== 201) throw new Error(`creating tenant ${i}: ${response.status} ${await response.text()}`);
      const { id } = (await response.json()) as { id: string };
      const token = await new SignJWT({ tenant_id: id }).setSubject(`${prefix}owner`).setProtectedHeader({ alg: 'HS256' })
        .setIssuer('bench').setAudience('bench').setExpirationTime('2h').sign(key);
      tenants.push({ prefix, token });
    }));
  }

  const load = async (seconds: number, writeSeq: number): Promise<LoadResult> => {
    const config = join(dir, `load-${writeSeq}.json`);
    writeFileSync(config, JSON.stringify({ url, durationSec: seconds, concurrency: CONCURRENCY, writeShare: WRITE_SHARE, tenants, writeSeq }));
    const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(new URL('./support/soak-load.mjs', import.meta.url)), config], { maxBuffer: 1 << 28 });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as LoadResult;
  };

  const rssBefore = rssMb(server.pid as number);
  const steady = await load(STEADY_S, 0);
  console.log(`steady: ${steady.requests} requests, ${steady.failures.length} failed, p50 ${steady.p50.toFixed(1)} ms, p99 ${steady.p99.toFixed(1)} ms`);

  // The same load, with PostgreSQL stopped (fast shutdown) and started again in the middle.
  const restarted = load(RESTART_S, 10_000_000);
  await new Promise((r) => setTimeout(r, (RESTART_S * 1000) / 3));
  const stoppedAt = Date.now();
  await pg.stop();
  pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: pgPort });
  const readyAt = Date.now();
  const withRestart = await restarted;
  console.log(`restart: PostgreSQL down for ${((readyAt - stoppedAt) / 1000).toFixed(2)} s; ${withRestart.requests} requests, ${withRestart.failures.length} failed`);

  const isServerFailure = (f: { status: number }) => f.status === 0 || f.status >= 500;
  const inWindow = (at: number) => at >= stoppedAt && at <= readyAt + RECOVERY_BOUND_S * 1000;
  const outside = [...steady.failures, ...withRestart.failures.filter((f) => !inWindow(f.at))].filter(isServerFailure);
  const lastFailure = Math.max(readyAt, ...withRestart.failures.filter((f) => f.at >= stoppedAt).map((f) => f.at));
  const codes = new Map<string, number>();
  for (const f of [...steady.failures, ...withRestart.failures]) codes.set(`${f.status} ${f.code}`, (codes.get(`${f.status} ${f.code}`) ?? 0) + 1);
  if (codes.size > 0) console.log(`failures by status and code: ${JSON.stringify(Object.fromEntries(codes))}`);
  if (exitedWith) throw new Error(`the server died during the restart (${exitedWith}):\n${serverLog}`);
  const rssAfter = rssMb(server.pid as number);
  const withoutRetryAfter = withRestart.failures.filter((f) => f.status === 503 && !f.retryAfter).length;
  if (withoutRetryAfter > 0) console.log(`${withoutRetryAfter} answers 503 came without Retry-After`);

  // Every acknowledged write must still be there, and no tenant may see another's members.
  const byPrefix = new Map(tenants.map((t) => [t.prefix, t.token]));
  let lostWrites = 0;
  let crossTenant = steady.crossTenant + withRestart.crossTenant;
  const acknowledged = [...steady.acknowledged, ...withRestart.acknowledged];
  for (const [prefix, token] of byPrefix) {
    const response = await fetch(`${url}/v1/tenant/members`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`final read of ${prefix}: ${response.status} ${await response.text()}`);
    const seen = new Set(((await response.json()) as { items: { userId: string }[] }).items.map((m) => m.userId));
    for (const userId of seen) if (!userId.startsWith(prefix)) crossTenant += 1;
    lostWrites += acknowledged.filter((a) => a.prefix === prefix && !seen.has(a.userId)).length;
  }

  console.log(JSON.stringify({
    requests: steady.requests + withRestart.requests,
    cross_tenant: crossTenant,
    errors_5xx: outside.length,
    lost_writes: lostWrites,
    p50_ms: Number(steady.p50.toFixed(1)),
    p99_ms: Number(steady.p99.toFixed(1)),
    recovery_s: Number(((lastFailure - readyAt) / 1000).toFixed(2)),
    restart_window_errors: withRestart.failures.filter((f) => inWindow(f.at)).length,
    rss_before_mb: rssBefore,
    rss_after_mb: rssAfter,
  }));
} finally {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
