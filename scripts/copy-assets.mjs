// Copies non-TypeScript assets (SQL migrations) from a source tree to the build output,
// keeping their relative paths: `node copy-assets.mjs <from> <to> <ext>`.
import { cpSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const [from, to, ext] = process.argv.slice(2);
if (!from || !to || !ext) throw new Error('usage: copy-assets.mjs <from> <to> <ext>');
for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
  const source = join(entry.parentPath, entry.name);
  const target = join(to, relative(from, source));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target);
}
