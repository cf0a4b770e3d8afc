// The load generator of bench/soak, run as its own process so it shares neither the server's
// nor the bench's event loop: `node soak-load.mjs <config.json>` with
// { url, durationSec, concurrency, writeShare, tenants: [{ prefix, token }], writeSeq }.
// Each of `concurrency` loops sends one request at a time to a random tenant: a write (adds a
// member whose user id starts with the tenant's prefix) or a read (lists the members and checks
// that every user id starts with the tenant's prefix: anything else is another tenant's data).
// Prints one JSON line: counts, latencies, the acknowledged writes and every failure with the
// time (ms since the epoch) it completed.
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const agent = new Agent({ keepAlive: true, maxSockets: config.concurrency });
const target = new URL(config.url);
const epochNow = () => performance.timeOrigin + performance.now();
const until = epochNow() + config.durationSec * 1000;

const latencies = [];
const failures = [];
const acknowledged = [];
let requests = 0;
let crossTenant = 0;
let seq = config.writeSeq ?? 0;

// One request on the shared keep-alive agent; a request with no answer in 30 s counts as failed.
function send(method, token, body) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      agent, host: target.hostname, port: target.port, path: '/v1/tenant/members', method, timeout: 30_000,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text })).on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s'))).on('error', reject);
    req.end(body);
  });
}

async function once() {
  const tenant = config.tenants[Math.floor(Math.random() * config.tenants.length)];
  const write = Math.random() < config.writeShare;
  const userId = write ? `${tenant.prefix}w${(seq += 1)}` : undefined;
  const started = epochNow();
  try {
    const response = await send(write ? 'POST' : 'GET', tenant.token, write ? JSON.stringify({ userId, role: 'viewer' }) : undefined);
    const body = response.body;
    const ended = epochNow();
    latencies.push(ended - started);
    if (write && response.status === 201) acknowledged.push({ prefix: tenant.prefix, userId });
    else if (!write && response.status === 200) {
      for (const item of JSON.parse(body).items) if (!item.userId.startsWith(tenant.prefix)) crossTenant += 1;
    } else {
      let code;
      try { code = JSON.parse(body).code; } catch { code = body.slice(0, 80); }
      failures.push({ at: ended, status: response.status, code, retryAfter: response.headers['retry-after'] });
    }
  } catch (err) {
    const ended = epochNow();
    latencies.push(ended - started);
    failures.push({ at: ended, status: 0, code: String(err?.code ?? err?.message ?? err) });
  }
  requests += 1;
}

await Promise.all(Array.from({ length: config.concurrency }, async () => {
  while (epochNow() < until) await once();
}));
agent.destroy();

latencies.sort((a, b) => a - b);
const quantile = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0);
console.log(JSON.stringify({ requests, crossTenant, p50: quantile(0.5), p99: quantile(0.99), failures, acknowledged }));
