// `npm run bench -- <name> [args]` runs bench/<name>.ts (TypeScript, straight from the
// workspace sources). Each benchmark prints its ratios as one JSON object on its last line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync(new URL('../bench/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--smoke]\navailable: ${available.join(', ')}`);
  process.exit(2);
}
const file = new URL(`../bench/${name}.ts`, import.meta.url);
if (!existsSync(file)) process.exit(2);
const result = spawnSync(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', file.pathname, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
