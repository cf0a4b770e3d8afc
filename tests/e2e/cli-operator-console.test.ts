// The operator's console on the command line (issue 22): tenants update / offboard / members,
// list filters and deleted tenants, reasons on lifecycle changes, operators list / revoke /
// rotate, errors as JSON, exit code 2 for a bad argument, hints that say what to do, progress
// while a database does not answer, a closed stdout, and --help. The commands run through the
// CLI's own entry point (runCli, the function bin.ts calls) in this process against a real
// database — a fresh Node process per command costs seconds; the closed-pipe case needs a
// real pipe and runs `tenantry` as a child process.
/* eslint-disable @typescript-eslint/no-unsafe-assignment -- expect.objectContaining() and friends are typed any. */
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane, type ControlPlane } from 'tenantry/control';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli as runInProcess } from '../../packages/server/src/cli/program.js';

let t: TestTenantry;
let env: Record<string, string>;
let control: ControlPlane;

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0 });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator, LOG_LEVEL: 'warn' };
  control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
});
afterAll(() => t?.close());

interface Run { code: number; stdout: string; stderr: string }
async function cli(args: readonly string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runInProcess(['node', 'tenantry', ...args], { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env: { ...env, ...extraEnv } });
  return { code, stdout, stderr };
}
const json = <T>(run: Run): T => JSON.parse(run.stdout) as T;

describe('tenants: list, show, update, offboard, members, reasons', () => {
  it('hides deleted tenants from list and show unless --deleted, and keeps the delete reason', async () => {
    const gone = json<{ id: string }>(await cli(['tenants', 'create', '--slug', 'gone-co', '--json']));
    await cli(['tenants', 'create', '--slug', 'kept-co', '--name', 'Kept Company', '--plan', 'pro', '--region', 'eu', '--json']);
    expect((await cli(['tenants', 'delete', 'gone-co', '--yes', '--reason', 'asked to close the account'])).code).toBe(0);

    const live = json<{ tenants: { slug: string }[] }>(await cli(['tenants', 'list', '--json']));
    expect(live.tenants.map((x) => x.slug)).toEqual(['kept-co']);
    const all = json<{ tenants: { id: string; status: string; statusReason?: string }[] }>(await cli(['tenants', 'list', '--deleted', '--json']));
    expect(all.tenants.find((x) => x.id === gone.id)).toMatchObject({ status: 'deleted', statusReason: 'asked to close the account' });

    expect((await cli(['tenants', 'show', gone.id])).stderr).toContain('error TENANT_NOT_FOUND');
    const tombstone = await cli(['tenants', 'show', gone.id, '--deleted']);
    expect(tombstone.stdout).toMatch(/status {3}deleted .*\nreason {3}asked to close the account\n/);

    // Filters, in any combination.
    expect(json<{ tenants: unknown[] }>(await cli(['tenants', 'list', '--plan', 'pro', '--region', 'eu', '--search', 'COMPANY', '--json'])).tenants).toHaveLength(1);
    expect(json<{ tenants: unknown[] }>(await cli(['tenants', 'list', '--plan', 'free', '--json'])).tenants).toHaveLength(0);
  });

  it('suspends with a reason (shown, audited), and says what can be done from a status', async () => {
    await cli(['tenants', 'create', '--slug', 'late-payer']);
    const suspended = json<{ id: string; statusReason: string }>(await cli(['tenants', 'suspend', 'late-payer', '--reason', 'invoice INV-42 unpaid', '--json']));
    expect(suspended.statusReason).toBe('invoice INV-42 unpaid');
    expect((await cli(['tenants', 'show', 'late-payer'])).stdout).toContain('reason   invoice INV-42 unpaid\n');
    const { rows } = await t.admin.query<{ actor: string; details: { reason?: string } }>(
      "SELECT actor, details FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'tenant.suspend'", [suspended.id],
    );
    expect(rows).toEqual([{ actor: expect.stringMatching(/^cli:/), details: expect.objectContaining({ reason: 'invoice INV-42 unpaid' }) }]);

    const again = await cli(['tenants', 'suspend', 'late-payer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('hint: The tenant is suspended; from there: `tenantry tenants restore <tenant>`, or `tenantry tenants offboard <tenant>`.');
    expect(again.stderr).not.toContain('details.');

    const restored = json<{ status: string; statusReason?: string }>(await cli(['tenants', 'restore', 'late-payer', '--json']));
    expect(restored).toMatchObject({ status: 'active' });
    expect(restored.statusReason).toBeUndefined();
    expect(json<{ status: string }>(await cli(['tenants', 'offboard', 'late-payer', '--reason', 'churned', '--json'])).status).toBe('offboarding');
  });

  it('updates name, plan and region (audited), refusing a plan the catalog lacks and an empty update with exit 2', async () => {
    await cli(['tenants', 'create', '--slug', 'grower']);
    const updated = json<{ id: string; plan: string; displayName: string }>(await cli(['tenants', 'update', 'grower', '--plan', 'pro', '--name', 'Grower Ltd', '--json']));
    expect(updated).toMatchObject({ plan: 'pro', displayName: 'Grower Ltd' });
    const { rows } = await t.admin.query<{ details: Record<string, unknown> }>("SELECT details FROM tenantry.audit_events WHERE tenant_id = $1 AND action = 'tenant.update'", [updated.id]);
    expect(rows[0]?.details).toMatchObject({ plan: { from: 'free', to: 'pro' } });

    const unknownPlan = await cli(['tenants', 'update', 'grower', '--plan', 'platinum']);
    expect(unknownPlan).toMatchObject({ code: 2 });
    expect(unknownPlan.stderr).toContain('error QUOTA_PLAN_INVALID');
    expect((await cli(['tenants', 'update', 'grower'])).code).toBe(2);
  });

  it('adds an owner to a tenant (the API docs send operators here for it)', async () => {
    await cli(['tenants', 'create', '--slug', 'ownerless']);
    expect(await cli(['tenants', 'members', 'add', 'ownerless', '--user', 'founder-1', '--role', 'owner'])).toMatchObject({ code: 0, stdout: 'added founder-1 to the tenant as owner\n' });
    expect((await cli(['tenants', 'members', 'list', 'ownerless'])).stdout).toMatch(/founder-1 +owner/);
  });
});

describe('operators: list, rotate, revoke', () => {
  it('lists operators, rotates a token (the old one stops working), revokes a token and the operator', async () => {
    const created = json<{ operator: { id: string }; token: string }>(await cli(['operators', 'create', '--name', 'Lin', '--email', 'lin@platform.example', '--json']));
    const listed = json<{ operator: { email: string; status: string }; tokens: { status: string }[] }[]>(await cli(['operators', 'list', '--json']));
    expect(listed).toEqual([expect.objectContaining({ operator: expect.objectContaining({ email: 'lin@platform.example', status: 'active' }), tokens: [expect.objectContaining({ status: 'active' })] })]);
    expect((await cli(['operators', 'list', '--tokens'])).stdout).toMatch(/lin@platform\.example +Lin +active +1 +never/);

    const rotated = json<{ token: string; info: { id: string } }[]>(await cli(['operators', 'rotate', 'LIN@platform.example', '--json']));
    expect(rotated).toHaveLength(1);
    expect(await control.operators.verifyToken(created.token)).toBeUndefined();
    expect(await control.operators.verifyToken(rotated[0]!.token)).toMatchObject({ operatorId: created.operator.id });

    const second = await control.operators.createToken(created.operator.id, { name: 'ci' });
    expect((await cli(['operators', 'revoke', 'lin@platform.example', '--token', second.info.id])).stdout).toContain('revoked token ci');
    expect(await control.operators.verifyToken(second.token)).toBeUndefined();
    expect(await control.operators.verifyToken(rotated[0]!.token)).toBeDefined();

    expect((await cli(['operators', 'revoke', created.operator.id])).stdout).toContain('disabled operator lin@platform.example');
    expect(await control.operators.verifyToken(rotated[0]!.token)).toBeUndefined();

    const { rows } = await t.admin.query<{ action: string }>("SELECT action FROM tenantry.operator_actions WHERE actor LIKE 'cli:%' AND action LIKE 'operator.%'");
    expect(rows.map((r) => r.action).sort()).toEqual(['operator.create', 'operator.disable', 'operator.token.revoke', 'operator.token.rotate']);
    expect((await cli(['operators', 'revoke', 'nobody@platform.example'])).stderr).toContain('hint: Check the email or id with `tenantry operators list`.');
  });
});

describe('errors, exit codes and help', () => {
  it('prints errors as JSON with --json: Tenantry errors (exit 1) and usage errors (exit 2)', async () => {
    const missing = await cli(['tenants', 'show', 'no-such-tenant', '--json']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'TENANT_NOT_FOUND', kind: 'not_found', hint: expect.stringContaining('tenantry tenants list') }, exitCode: 1 });

    const badLimit = await cli(['tenants', 'list', '--limit', '0', '--json']);
    expect(badLimit.code).toBe(2);
    expect(JSON.parse(badLimit.stderr)).toMatchObject({ error: { kind: 'usage', message: expect.stringContaining('1 to 500') }, exitCode: 2 });

    // A malformed value only the library can judge is a usage error too.
    const badSlug = await cli(['tenants', 'create', '--slug', 'not a slug!', '--json']);
    expect(badSlug.code).toBe(2);
    expect(JSON.parse(badSlug.stderr)).toMatchObject({ exitCode: 2 });
  });

  it('documents the environment and the exit codes in --help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Environment');
    for (const text of ['DATABASE_URL', 'TENANTRY_DATA_DIR', 'TENANTRY_APP_PASSWORD', 'Exit codes', '2  a usage error']) expect(help.stdout).toContain(text);
    expect((await cli(['tenants', '--help'])).stdout).toMatch(/update[\s\S]*offboard[\s\S]*members/);
  });

  it('shows progress at a terminal while the database does not answer', async () => {
    // Accepts connections and never says a word, like a server behind a black-holing firewall.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    let stderr = '';
    const run = runInProcess(['node', 'tenantry', 'tenants', 'list'], { out: () => {}, err: (s) => void (stderr += s), env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` }, progress: true });
    const deadline = Date.now() + 8_000;
    while (!stderr.includes('waiting for the database') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stderr).toMatch(new RegExp(`^waiting for the database at 127\\.0\\.0\\.1:${port}/postgres… 2 s \\(gives up after 10 s\\)\\n`));
    for (const socket of sockets) socket.destroy();
    expect(await run).toBe(1);
    expect(stderr).toContain('error DATABASE_UNAVAILABLE');
    await new Promise((resolve) => silent.close(resolve));
  });

  it('ends quietly, exit 0, when the reader of stdout is gone (billing export | head)', async () => {
    const bin = fileURLToPath(new URL('../../packages/server/src/bin.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=tenantry-source', '--import', 'tsx', bin, 'billing', 'export', '--period', '2026-11'], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reader has left before the first line is written: every write meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error:|at /);
    expect(code).toBe(0);
  });
});
