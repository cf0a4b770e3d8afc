// One test run for the whole workspace. Workspace packages are resolved to their TypeScript
// sources (the `tenantry-source` targets of their export maps), so tests never run against a
// stale build.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

function sourceAliases(packageDir: string) {
  const dir = fileURLToPath(new URL(`${packageDir}/`, import.meta.url));
  const manifest = JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as {
    name: string;
    exports: Record<string, string | Record<string, string>>;
  };
  return Object.entries(manifest.exports).flatMap(([subpath, target]) => {
    const source = typeof target === 'object' ? target['tenantry-source'] : undefined;
    if (!source) return [];
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    return [{ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: dir + source.slice(2) }];
  });
}

export default defineConfig({
  resolve: { alias: sourceAliases('packages/tenantry') },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // The default output, then what was skipped and how to enable it (tests/support).
    reporters: ['default', './tests/support/skip-summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file gets its own database; two workers keep the 2-core machine busy, not thrashing.
    pool: 'forks',
    maxWorkers: 2,
  },
});
