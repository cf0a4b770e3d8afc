// @ts-check
// Lint for the whole workspace: type-aware TypeScript rules, and the layer boundaries of
// docs/architecture.md ("Layers of the library") as import restrictions whose messages say why
// (tRPC-style).
//
// How the boundaries are written: ESLint does not merge the options of one rule across config
// objects (the last matching object wins), so every folder of packages/tenantry/src gets ONE
// generated `no-restricted-imports` entry holding all of its restrictions. Relative specifiers
// are matched by regex; a file's depth inside its folder fixes how many `../` leave the
// folder, so `../errors.js` in postgres/drivers/pg.ts (its own capability) is told apart from
// `../core/errors.js` in postgres/roles.ts (a deep import into another capability).
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const LIB = 'packages/tenantry/src';
const CORE = 'core';
/** Layer 2: one capability each, usable on its own. */
const CAPABILITIES = ['resolve', 'postgres', 'redis', 'crypto', 'audit', 'quota', 'lifecycle', 'portability', 'observability'];
/** Layer 3: services composed from capabilities; framework glue. */
const LAYER3 = ['control', 'billing', 'identity', 'http', 'adapters'];
/** Helpers for tests (ours and users'): above everything, used by tests only. */
const TESTING = 'testing';
/**
 * Every folder of src/: the known ones, plus any new folder found on disk, which counts as a
 * capability (layer 2) until it is listed above (the strictest place that still lets it work).
 */
const ALL_FOLDERS = [
  ...new Set([
    CORE,
    ...CAPABILITIES,
    ...LAYER3,
    TESTING,
    ...readdirSync(new URL(`./${LIB}/`, import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name),
  ]),
];
for (const folder of ALL_FOLDERS) {
  if (![CORE, ...LAYER3, TESTING].includes(folder) && !CAPABILITIES.includes(folder)) CAPABILITIES.push(folder);
}
/**
 * What other folders may import from a folder: its index.ts (the public face, re-exported by
 * the package) and its internal.ts, a face for the library's own capabilities only, left out of
 * the package's exports map (postgres/internal.ts: the unguarded path that must not reach users).
 * postgres/pg.ts and postgres/postgres-js.ts are faces too: the drivers' own subpaths (only the
 * library's tests import them; scripts/check-package.mjs fails if anything else makes a
 * subpath need pg).
 */
const ENTRY_POINTS = ['index.js', 'internal.js', 'pg.js', 'postgres-js.js'];
/** Subfolder depths generated per folder (postgres/drivers/pg.ts is depth 2). */
const MAX_DEPTH = 4;
const TEST_FILES = ['**/*.test.ts'];

const FRAMEWORKS = ['fastify', 'fastify/*', '@fastify/*', 'express', 'express/*', 'hono', 'hono/*', '@hono/*', 'pino', 'pino/*', 'pino-*'];
const FRAMEWORK_MESSAGE =
  'frameworks are optional peers of the library: only src/adapters/ may import fastify, express, hono or pino (docs/architecture.md, "Layers of the library")';
const ENV_MESSAGE = "the library never reads process.env; only packages/server/src/config.ts does (pass configuration in as options)";
const SERVER_ENV_MESSAGE = 'only packages/server/src/config.ts reads process.env, validated once; take the resolved config as an argument';
/** `import { env } from 'node:process'` is process.env by another name. */
const NO_ENV_IMPORT = (/** @type {string} */ message) =>
  ['node:process', 'process'].map((name) => ({ name, importNames: ['env'], message }));

/** Escapes a folder name for a regex (folder names are plain words, but be safe). */
const re = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alt = (/** @type {string[]} */ names) => `(?:${names.map(re).join('|')})`;

/**
 * The restrictions for a non-test (or test, when `test`) file at `depth` inside `folder`
 * of packages/tenantry/src (`folder` '' is src/ itself: the root face, index.ts).
 * @param {string} folder
 * @param {number} depth
 * @param {boolean} test
 */
function libraryImportRules(folder, depth, test) {
  const up = depth === 0 ? '\\./' : `(?:\\.\\./){${depth}}`;
  const others = ALL_FOLDERS.filter((f) => f !== folder);
  /** @type {Array<Record<string, unknown>>} */
  const patterns = [];
  const isCore = folder === CORE;
  const isCapability = CAPABILITIES.includes(folder);

  if (isCore) {
    patterns.push({
      regex: `^${up}${alt(others)}(?:/|$)`,
      message: 'core/ is layer 1: it imports nothing above it (ids, errors, tenant context and the clock must stay free of I/O and of every capability)',
    });
  } else {
    // Which folders this one may not import at all (only the index rule applies to the rest).
    const forbidden = isCapability ? [...LAYER3, TESTING] : folder === TESTING ? [] : [TESTING];
    // Tests may use the test helpers (createTestTenantry) through testing/index.ts.
    const forbiddenHere = test ? forbidden.filter((f) => f !== TESTING) : forbidden;
    if (forbiddenHere.length > 0) {
      patterns.push({
        regex: `^${up}${alt(forbiddenHere)}(?:/|$)`,
        message: isCapability
          ? 'a capability (layer 2) may not import control/, http/, adapters/ (layer 3) or testing/: layers import only from layers below them'
          : 'testing/ holds test helpers: library code never depends on them (only *.test.ts files may)',
      });
    }
    const reachable = others.filter((f) => !forbidden.includes(f) || (test && f === TESTING));
    if (reachable.length > 0) {
      patterns.push({
        regex: `^${up}${alt(reachable)}/(?!${alt(ENTRY_POINTS)}$)`,
        message:
          'a capability imports another only through its index.ts (or internal.ts, its face for the library only): import from "../<folder>/index.js" and export the name there if it is missing',
      });
    }
  }
  if (depth > 0) {
    patterns.push({
      regex: `^${up}index\\.js$`,
      message: 'src/index.ts is the public root face for users; inside the library import the folder you need through its index.ts',
    });
  }
  patterns.push(
    {
      // One more `../` than the folder depth leaves src/ (and the package).
      regex: `^${depth === 0 ? '\\.\\./' : `(?:\\.\\./){${depth + 1},}`}`,
      message: 'the library is self-contained: nothing in packages/tenantry/src reaches outside src/ (server, tests and bench depend on it, never the reverse)',
    },
    {
      group: ['tenantry', 'tenantry/*', '@tenantry/*'],
      message: 'inside the library import folders relatively through their index.ts; the package name is the face for users (and @tenantry/* are apps above the library)',
    },
  );
  if (folder !== 'adapters') patterns.push({ group: FRAMEWORKS, message: FRAMEWORK_MESSAGE });
  return ['error', { paths: NO_ENV_IMPORT(ENV_MESSAGE), patterns }];
}

/** Generated config objects: one per library folder and depth, for non-test and test files. */
function libraryBoundaries() {
  /** @type {import('eslint').Linter.Config[]} */
  const configs = [
    {
      name: 'tenantry/boundaries/root-face',
      files: [`${LIB}/*.ts`],
      rules: { 'no-restricted-imports': libraryImportRules('', 0, false) },
    },
  ];
  for (const folder of ALL_FOLDERS) {
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const files = [`${LIB}/${folder}/${'*/'.repeat(depth - 1)}*.ts`];
      configs.push(
        {
          name: `tenantry/boundaries/${folder}/depth-${depth}`,
          files,
          ignores: TEST_FILES,
          rules: { 'no-restricted-imports': libraryImportRules(folder, depth, false) },
        },
        {
          name: `tenantry/boundaries/${folder}/depth-${depth}/tests`,
          files: files.map((f) => f.replace(/\*\.ts$/, '*.test.ts')),
          rules: { 'no-restricted-imports': libraryImportRules(folder, depth, true) },
        },
      );
    }
  }
  return configs;
}

/** Relative paths into the library's sources or build, from anywhere outside it. */
const INTO_LIBRARY = [
  { regex: '^\\.\\.?/(?:.*/)?tenantry/(?:src|dist)(?:/|$)', message: '' },
  { regex: '^tenantry/(?:src|dist)(?:/|$)', message: '' },
];

export default defineConfig(
  {
    name: 'tenantry/ignores',
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'packages/dashboard/dist/**', '**/.tenantry/**', '**/.vite/**'],
  },

  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    name: 'tenantry/type-aware',
    languageOptions: {
      parserOptions: {
        // Each file is checked with the nearest tsconfig.json: packages/*/tsconfig.json for the
        // packages, the root one for tests/, bench/ and root config files.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Transactions and AsyncLocalStorage depend on these: a promise nobody awaits runs
      // outside the tenant transaction (or after it committed) and its rejection is lost.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `try { return run(tx) } finally { release() }` releases before `run` settles; only the
      // cases where the missing `await` changes behaviour are reported.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Callbacks typed `() => Promise<T>` (withTenant, Fastify handlers) are clearest written
      // `async () => value`; the promise rules above catch what matters.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },

  // Plain JavaScript (scripts/*.mjs, this file) is in no tsconfig (no allowJs): lint it
  // without type information.
  {
    ...tseslint.configs.disableTypeChecked,
    name: 'tenantry/javascript',
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
      },
    },
  },

  // ---- Layer boundaries (docs/architecture.md "Layers of the library") --------------------
  ...libraryBoundaries(),
  {
    name: 'tenantry/library-no-env',
    files: [`${LIB}/**/*.ts`],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: ENV_MESSAGE }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.property.name='process'][property.name='env']", message: ENV_MESSAGE },
      ],
    },
  },
  {
    name: 'tenantry/server',
    files: ['packages/server/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NO_ENV_IMPORT(SERVER_ENV_MESSAGE),
          patterns: INTO_LIBRARY.map((p) => ({
            ...p,
            message:
              "the server uses the library only through its public package subpaths ('tenantry', 'tenantry/*'): that boundary is what users get, so the server cannot lean on internals",
          })),
        },
      ],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: SERVER_ENV_MESSAGE }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.property.name='process'][property.name='env']", message: SERVER_ENV_MESSAGE },
      ],
    },
  },
  {
    name: 'tenantry/server-config',
    files: ['packages/server/src/config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: INTO_LIBRARY.map((p) => ({
            ...p,
            message: "the server uses the library only through its public package subpaths ('tenantry', 'tenantry/*')",
          })),
        },
      ],
      'no-restricted-properties': 'off',
      'no-restricted-syntax': 'off',
    },
  },
  {
    name: 'tenantry/tests-and-bench',
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: INTO_LIBRARY.map((p) => ({
            ...p,
            message:
              "cross-cutting tests and benchmarks use the library as users do, through 'tenantry' and 'tenantry/*' (vitest and `npm run bench` resolve those to the sources)",
          })),
        },
      ],
    },
  },
  {
    name: 'tenantry/dashboard',
    files: ['packages/dashboard/**/*.ts', 'packages/dashboard/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['tenantry', 'tenantry/*', '@tenantry/*', '**/tenantry/src/**', '**/server/src/**'],
              message: 'the dashboard is a browser app that talks to the HTTP API only; it never imports the library or the server',
            },
          ],
        },
      ],
    },
  },
);
