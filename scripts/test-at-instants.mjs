// `npm run test:instants`: the date-sensitive suites (quotas and billing, usage history, audit,
// invitations, API-key, impersonation, operator-token, signing-secret and JWT expiry, health
// windows, analytics) once per awkward instant, each in a time zone other than UTC. The suites'
// clocks start at TENANTRY_TEST_NOW (tests/support/global-setup.ts), so a test that still reads
// the wall clock, or computes a day or month in local time, fails here. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DATE_SENSITIVE_SUITES = [
  'packages/tenantry/src/quota/',
  'packages/tenantry/src/audit/',
  'packages/tenantry/src/health/',
  'packages/tenantry/src/control/api-keys.int.test.ts',
  'packages/tenantry/src/control/invitations.int.test.ts',
  'packages/tenantry/src/control/impersonation.int.test.ts',
  'packages/tenantry/src/control/operators.int.test.ts',
  'packages/tenantry/src/control/signing-secrets.int.test.ts',
  'packages/tenantry/src/resolve/jwt-verifier.test.ts',
  'packages/server/src/database/quota-pressure.int.test.ts',
  'packages/server/src/main.int.test.ts',
  'tests/e2e/api-quotas.test.ts',
  'tests/e2e/api-health.test.ts',
  'tests/e2e/api-impersonation.test.ts',
  'tests/e2e/api-audit.test.ts',
  'tests/e2e/cli-billing.test.ts',
  'tests/e2e/cli-audit.test.ts',
];

const AWKWARD_INSTANTS = [
  // The last second of a month (31 days), seen from a zone where it is already the next day.
  { at: '2027-01-31T23:59:59.000Z', tz: 'Pacific/Kiritimati' },
  // 29 February, its last second, from a zone half an hour off the hour and behind UTC.
  { at: '2028-02-29T23:59:59.000Z', tz: 'America/St_Johns' },
  // The last second of the year.
  { at: '2026-12-31T23:59:59.000Z', tz: 'Asia/Kolkata' },
];

const root = fileURLToPath(new URL('../', import.meta.url));
const extra = process.argv.slice(2);
// A suite renamed or moved would otherwise just stop being run here, silently.
const missing = DATE_SENSITIVE_SUITES.filter((suite) => !existsSync(join(root, suite)));
if (missing.length > 0) {
  console.error(`date-sensitive suites not found (update DATE_SENSITIVE_SUITES): ${missing.join(', ')}`);
  process.exit(1);
}
// Vitest can exit 0 having run nothing (a global setup that throws): its JSON report decides.
const reports = mkdtempSync(join(tmpdir(), 'tenantry-instants-'));
const failed = [];
try {
  for (const [i, { at, tz }] of AWKWARD_INSTANTS.entries()) {
    console.log(`\n==> date-sensitive suites at ${at} (TZ=${tz})`);
    const report = join(reports, `${i}.json`);
    const started = Date.now();
    const run = spawnSync(process.execPath, [
      'node_modules/vitest/vitest.mjs', 'run', ...DATE_SENSITIVE_SUITES,
      '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra,
    ], { cwd: root, stdio: 'inherit', env: { ...process.env, TENANTRY_TEST_NOW: at, TZ: tz } });
    let result;
    try {
      result = JSON.parse(readFileSync(report, 'utf8'));
    } catch {
      result = undefined;
    }
    const tests = result?.numTotalTests ?? 0;
    console.log(`    ${tests} tests at ${at} (TZ=${tz}) in ${Math.round((Date.now() - started) / 1000)} s`);
    if (run.status !== 0) failed.push(`${at} (TZ=${tz}): exit ${run.status ?? run.signal}`);
    else if (!result?.success || tests === 0) failed.push(`${at} (TZ=${tz}): ${result ? `${tests} tests, success=${result.success}` : 'no report'}`);
  }
} finally {
  rmSync(reports, { recursive: true, force: true });
}
if (failed.length > 0) {
  console.error(`\ndate-sensitive suites failed at: ${failed.join('; ')}`);
  process.exit(1);
}
console.log(`\ndate-sensitive suites passed at ${AWKWARD_INSTANTS.length} instants`);
