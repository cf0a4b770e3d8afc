// `npm start`: builds what changed since the last build (nothing, usually: `npm install`
// already built everything), then runs `tenantry start` in this same process, so a signal
// sent to it reaches the server directly and shuts it down in order.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const build = spawnSync(process.execPath, [fileURLToPath(new URL('build.mjs', import.meta.url)), '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
process.argv = [process.argv[0], fileURLToPath(new URL('../packages/server/dist/bin.js', import.meta.url)), 'start', ...process.argv.slice(2)];
await import('../packages/server/dist/bin.js');
