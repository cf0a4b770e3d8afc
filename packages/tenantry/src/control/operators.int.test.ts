// Operators against a real PostgreSQL: accounts with unique addresses, API tokens shown once
// and stored as hashes, and every way a token stops working (revoked, expired, altered, its
// operator disabled).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { codeOf, createTestTenantry, type TestTenantry } from '../testing/index.js';
import { createOperators, type Operators } from './index.js';

let t: TestTenantry;
let operators: Operators;
let serial = 0;
// Time starts at testNow (TENANTRY_TEST_NOW) and moves only when a test moves it.
let now = new Date(inject('testNow'));
const clock = { now: () => new Date(now) };
const newOperator = () => operators.create({ email: `Staff.${(serial += 1)}@Platform.example`, displayName: `Staff ${serial}` });

beforeAll(async () => {
  t = await createTestTenantry({ adminUrl: inject('adminUrl'), rolePasswords: inject('rolePasswords'), tenants: 1, clock });
  operators = createOperators({ operator: t.operator, clock });
});
afterAll(() => t?.close());

describe('operator accounts', () => {
  it('are created active, with one account per address whatever its case', async () => {
    const ada = await operators.create({ email: 'Ada@Platform.example', displayName: 'Ada' });
    expect(ada).toMatchObject({ email: 'ada@platform.example', status: 'active' });
    expect(await codeOf(operators.create({ email: 'ADA@platform.example', displayName: 'Ada 2' }))).toBe('OPERATOR_EMAIL_TAKEN');
    expect((await operators.list()).map((o) => o.id)).toContain(ada.id);
    expect(await operators.get(ada.id)).toEqual(ada);
    expect(await codeOf(operators.get('00000000-0000-4000-8000-000000000000'))).toBe('OPERATOR_NOT_FOUND');
    expect(await codeOf(operators.disable('nope'))).toBe('OPERATOR_NOT_FOUND');
  });
});

describe('operator tokens', () => {
  it('are shown once, stored as SHA-256, and name their operator when verified', async () => {
    const op = await newOperator();
    const { token, info } = await operators.createToken(op.id, { name: 'laptop' });
    expect(token).toMatch(/^tnt_op_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    const { rows: [row] } = await t.admin.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM tenantry.operator_tokens WHERE id = $1', [info.id]);
    expect(row?.secret_hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    expect(await operators.verifyToken(token)).toEqual({ operatorId: op.id, tokenId: info.id, email: op.email });
    expect((await operators.listTokens(op.id)).map((k) => [k.id, k.status])).toEqual([[info.id, 'active']]);
    expect((await operators.listTokens(op.id))[0]?.lastUsedAt).toEqual(now);
  });

  it('stop working when revoked, expired or altered', async () => {
    const op = await newOperator();
    const revoked = await operators.createToken(op.id, { name: 'revoked' });
    await operators.revokeToken(revoked.info.id);
    expect(await operators.verifyToken(revoked.token)).toBeUndefined();
    const expiring = await operators.createToken(op.id, { name: 'short', expiresAt: new Date(now.getTime() + 1000) });
    const altered = `${expiring.token.slice(0, -1)}${expiring.token.endsWith('A') ? 'B' : 'A'}`;
    expect(await operators.verifyToken(altered)).toBeUndefined();
    expect(await operators.verifyToken(expiring.token)).toBeDefined();
    const start = now;
    try {
      now = new Date(start.getTime() + 1000);
      expect(await operators.verifyToken(expiring.token)).toBeUndefined();
    } finally {
      now = start;
    }
    expect(await codeOf(operators.revokeToken('00000000-0000-4000-8000-000000000000'))).toBe('OPERATOR_TOKEN_NOT_FOUND');
  });

  it('stop working while their operator is disabled, and none can be made for a disabled operator', async () => {
    const op = await newOperator();
    const { token } = await operators.createToken(op.id, { name: 'ci' });
    expect((await operators.disable(op.id)).status).toBe('disabled');
    expect(await operators.verifyToken(token)).toBeUndefined();
    expect(await codeOf(operators.createToken(op.id, { name: 'another' }))).toBe('OPERATOR_DISABLED');
    await operators.enable(op.id);
    expect((await operators.verifyToken(token))?.operatorId).toBe(op.id);
  });

  it('are not tenant API keys, and tenant API keys are not operator tokens', async () => {
    const op = await newOperator();
    const { token } = await operators.createToken(op.id, { name: 'x' });
    expect(await operators.verifyToken(token.replace(/^tnt_op_/, 'tnt_live_'))).toBeUndefined();
    expect(await operators.verifyToken(`tnt_live_${'a'.repeat(24)}_${'b'.repeat(43)}`)).toBeUndefined();
  });
});
