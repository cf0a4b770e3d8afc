// `npm run test:instants`: the date-sensitive suites (quotas and billing, usage history, audit,
// invitations, API-key, impersonation, operator-token, signing-secret and JWT expiry, health
// windows, analytics) once per awkward instant, each in a time zone other than UTC. The suites'
// clocks start at TENANTRY_TEST_NOW (tests/support/global-setup.ts), so a test that still reads
// the wall clock, or computes a day or month in local time, fails here. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
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
const failed = [];
for (const { at, tz } of AWKWARD_INSTANTS) {
  console.log(`\n==> date-sensitive suites at ${at} (TZ=${tz})`);
  const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...DATE_SENSITIVE_SUITES, ...extra], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TENANTRY_TEST_NOW: at, TZ: tz },
  });
  if (run.status !== 0) failed.push(`${at} (TZ=${tz}): exit ${run.status ?? run.signal}`);
}
if (failed.length > 0) {
  console.error(`\ndate-sensitive suites failed at: ${failed.join('; ')}`);
  process.exit(1);
}
console.log(`\ndate-sensitive suites passed at ${AWKWARD_INSTANTS.length} instants`);
