// The load generator of bench/http, run as its own process so it does not share the server's
// event loop: `node http-load.mjs <config.json>` with { url, durationSec, connections, requests: [{ path, headers }] }
// (a file: a few hundred tenants' tokens do not fit in an argument list).
// Each request picks one of `requests` at random (tenants drawn uniformly); prints { rps, errors, non2xx }.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const pick = () => config.requests[Math.floor(Math.random() * config.requests.length)];
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.durationSec,
  requests: [{ setupRequest: (req) => { const r = pick(); return { ...req, path: r.path, headers: { ...req.headers, ...r.headers } }; } }],
});
console.log(JSON.stringify({ rps: result.requests.average, errors: result.errors, non2xx: result.non2xx }));
