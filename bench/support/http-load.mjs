// The load generator of bench/http, run as its own process so it does not share the server's
// event loop: `node http-load.mjs <config.json>` with { url, durationSec, connections, requests: [{ path, headers }] }
// (a file: a few hundred tenants' tokens do not fit in an argument list).
// Each request picks one of `requests` at random (tenants drawn uniformly); prints { rps, errors,
// non2xx, cpu }: cpu is this process's own CPU time ÷ wall time (1 = one core busy), so a reader
// can tell whether the load generator, not the server, was the limit.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const pick = () => config.requests[Math.floor(Math.random() * config.requests.length)];
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.durationSec,
  requests: [{ setupRequest: (req) => { const r = pick(); return { ...req, path: r.path, headers: { ...req.headers, ...r.headers } }; } }],
});
const used = process.cpuUsage(cpuBefore);
const cpu = (used.user + used.system) / 1000 / (performance.now() - wallBefore);
console.log(JSON.stringify({ rps: result.requests.average, errors: result.errors, non2xx: result.non2xx, cpu: Number(cpu.toFixed(3)) }));
