// Rewrites the code tables of docs/errors.md from the error registries (section intros are
// kept; a capability without a section gets one at the end). tests/docs/errors-doc.test.ts
// fails when the two differ: run `npm run docs:errors` after adding or rewording a code.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { errorRegistries } from 'tenantry';

const src = new URL('../packages/tenantry/src/', import.meta.url);
for (const entry of readdirSync(src, { withFileTypes: true })) {
  if (entry.isDirectory() && existsSync(new URL(`${entry.name}/errors.ts`, src))) await import(new URL(`${entry.name}/errors.ts`, src).href);
}

const docUrl = new URL('../docs/errors.md', import.meta.url);
const cell = (text: string) => text.replace(/\|/g, '\\|');
const table = (capability: string): string[] => {
  const registry = errorRegistries().find((r) => r.capability === capability);
  if (!registry) return [];
  return [
    '| code | kind | meaning | how to fix |',
    '| --- | --- | --- | --- |',
    ...Object.entries(registry.specs).map(([code, spec]) => `| \`${code}\` | ${spec.kind} | ${cell(spec.message)} | ${cell(spec.fix)} |`),
  ];
};

const lines = readFileSync(docUrl, 'utf8').split('\n');
const out: string[] = [];
const seen = new Set<string>();
let section = '';
for (let i = 0; i < lines.length; i += 1) {
  const line = lines[i] as string;
  if (line.startsWith('## ')) section = line.slice(3).trim();
  const isRegistry = errorRegistries().some((r) => r.capability === section);
  if (isRegistry && line.startsWith('| code |')) {
    seen.add(section);
    out.push(...table(section));
    while ((lines[i + 1] ?? '').startsWith('|')) i += 1;
    continue;
  }
  out.push(line);
}
for (const registry of errorRegistries()) {
  if (seen.has(registry.capability)) continue;
  out.push(`## ${registry.capability}`, '', ...table(registry.capability), '');
}
writeFileSync(docUrl, out.join('\n'));
console.log(`docs/errors.md: ${errorRegistries().length} registries`);
