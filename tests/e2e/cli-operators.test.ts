// `tenantry operators create` as a child process against a real database: the printed token is
// the operator's credential (verified by the operators service), and it is printed only once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createControlPlane } from 'tenantry/control';
import { createTestTenantry, type TestTenantry } from 'tenantry/testing';
import { runCli } from './support/cli.js';

const SLOW = { timeout: 180_000 };
let t: TestTenantry;
let env: Record<string, string>;

beforeAll(async () => {
  const rolePasswords = inject('rolePasswords');
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords, tenants: 0 });
  env = { DATABASE_URL: t.url, TENANTRY_APP_PASSWORD: rolePasswords.app, TENANTRY_OPERATOR_PASSWORD: rolePasswords.operator };
});
afterAll(() => t?.close());

describe('tenantry operators create', SLOW, () => {
  it('creates an operator and prints a token the operator API accepts', async () => {
    const result = await runCli(['operators', 'create', '--name', 'Ada', '--email', 'ada@platform.example', '--json'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { operator, token } = JSON.parse(result.stdout) as { operator: { id: string }; token: string };
    expect(token).toMatch(/^tnt_op_/);
    const control = createControlPlane({ db: t.db, operator: t.operator, encryption: 'none' });
    expect(await control.operators.verifyToken(token)).toMatchObject({ operatorId: operator.id, email: 'ada@platform.example' });
    // Stored as a hash only: the token text appears nowhere in the database.
    const { rows } = await t.admin.query<{ found: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM tenantry.operator_tokens t WHERE t::text LIKE $1) AS found', [`%${token.split('_').at(-1)}%`],
    );
    expect(rows[0]?.found).toBe(false);
  });

  it('refuses a second operator with the same email (exit 1) and needs --name (exit 2)', async () => {
    expect((await runCli(['operators', 'create', '--name', 'Ada', '--email', 'ada@platform.example'], env)).stderr).toContain('OPERATOR_EMAIL_TAKEN');
    expect((await runCli(['operators', 'create', '--email', 'x@platform.example'], env)).code).toBe(2);
  });
});
