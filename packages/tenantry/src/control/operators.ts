// Operators: platform staff, a credential apart from any tenant's members. Accounts and their
// API tokens (`tnt_op_<public id>_<secret>`, stored as SHA-256) live in non-tenant tables that
// only the operator role can read. Cross-tenant listing is the tenant registry's `list`.
import { coreErrors, systemClock, type Clock } from '../core/index.js';
import type { SqlPool } from '../postgres/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { emailField, expiryField, newRecordId, operatorQuery, recordId, textField } from './control-sql.js';
import { controlErrors } from './errors.js';
import { issueToken, newPublicId, tokenMatches, tokenPublicPart } from './secret-token.js';

export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly status: 'active' | 'disabled';
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface OperatorTokenInfo {
  readonly id: string;
  readonly operatorId: string;
  readonly name: string;
  /** `tnt_op_<public id>`: tells tokens apart in a list. */
  readonly prefix: string;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: Date;
  readonly expiresAt?: Date;
  readonly lastUsedAt?: Date;
  readonly revokedAt?: Date;
}

/** Who presented a valid operator token. */
export interface VerifiedOperator {
  readonly operatorId: string;
  readonly tokenId: string;
  readonly email: string;
}

export interface OperatorsOptions {
  /** The operator-role pool. */
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** `last used` is written at most this often per token. Default 60 000. */
  readonly lastUsedResolutionMs?: number;
}

export interface Operators {
  /** @example const ada = await operators.create({ email: 'ada@platform.example', displayName: 'Ada' }); */
  create(input: { readonly email: string; readonly displayName: string }): Promise<Operator>;
  get(id: string): Promise<Operator>;
  tryGet(id: string): Promise<Operator | undefined>;
  list(): Promise<Operator[]>;
  /** A disabled operator's tokens and impersonation sessions stop working at once. */
  disable(id: string): Promise<Operator>;
  enable(id: string): Promise<Operator>;
  /**
   * A new API token for an operator, shown this once.
   *
   * @example const { token } = await operators.createToken(ada.id, { name: 'laptop', expiresAt });
   */
  createToken(operatorId: string, input: { readonly name: string; readonly expiresAt?: Date }): Promise<{ token: string; info: OperatorTokenInfo }>;
  listTokens(operatorId: string): Promise<OperatorTokenInfo[]>;
  revokeToken(tokenId: string): Promise<OperatorTokenInfo>;
  /**
   * Replaces a token: a new one for the same operator, under the same name and (unless given)
   * the same expiry, shown this once; then the old one is revoked. The new token is issued
   * first, so a failure in between leaves the operator with a working token.
   *
   * @example const { token, revoked } = await operators.rotateToken(leaked.id);
   */
  rotateToken(tokenId: string, input?: { readonly expiresAt?: Date }): Promise<{ token: string; info: OperatorTokenInfo; revoked: OperatorTokenInfo }>;
  /**
   * The operator a token belongs to, or undefined for a malformed, unknown, revoked or expired
   * token or a disabled operator. Compared in constant time.
   *
   * @example const who = await operators.verifyToken(bearer); if (!who) throw unauthenticated;
   */
  verifyToken(token: string): Promise<VerifiedOperator | undefined>;
}

interface OperatorRow { id: string; email: string; display_name: string; status: 'active' | 'disabled'; created_at: Date; updated_at: Date }
interface TokenRow {
  id: string; operator_id: string; public_id: string; name: string; created_at: Date;
  expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null;
}

const OPERATOR_COLUMNS = 'id, email, display_name, status, created_at, updated_at';
const TOKEN_COLUMNS = 'id, operator_id, public_id, name, created_at, expires_at, last_used_at, revoked_at';
export const OPERATOR_TOKEN_PREFIX = 'tnt_op';
const PUBLIC_ID = /[0-9a-f]{24}/;

function toOperator(row: OperatorRow): Operator {
  return Object.freeze({ id: row.id, email: row.email, displayName: row.display_name, status: row.status, createdAt: row.created_at, updatedAt: row.updated_at });
}

/**
 * @example
 * const operators = createOperators({ operator: operatorPool });
 * const who = await operators.verifyToken(request.headers.authorization?.replace(/^Bearer /, ''));
 */
export function createOperators(options: OperatorsOptions): Operators {
  checkKnownKeys(options, ['operator', 'clock', 'lastUsedResolutionMs'], '');
  const { operator } = options;
  if (typeof operator?.query !== 'function') throw coreErrors.create('CONFIG_INVALID', { details: { path: 'operator', reason: 'an operator-role SqlPool' } });
  const clock = options.clock ?? systemClock;
  const lastUsedResolutionMs = integerOption(options.lastUsedResolutionMs, 60_000, 0, 24 * 3_600_000, 'lastUsedResolutionMs');

  function toToken(row: TokenRow): OperatorTokenInfo {
    const now = clock.now().getTime();
    return Object.freeze({
      id: row.id,
      operatorId: row.operator_id,
      name: row.name,
      prefix: `${OPERATOR_TOKEN_PREFIX}_${row.public_id}`,
      status: row.revoked_at !== null ? 'revoked' : row.expires_at !== null && row.expires_at.getTime() <= now ? 'expired' : 'active',
      createdAt: row.created_at,
      ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
      ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
      ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
    });
  }

  async function tryGet(rawId: string): Promise<Operator | undefined> {
    const id = recordId(rawId);
    if (id === undefined) return undefined;
    const [row] = await operatorQuery<OperatorRow>(operator, `SELECT ${OPERATOR_COLUMNS} FROM tenantry.operators WHERE id = $1`, [id]);
    return row ? toOperator(row) : undefined;
  }

  async function setStatus(rawId: string, status: Operator['status']): Promise<Operator> {
    const id = recordId(rawId);
    const [row] = id === undefined ? [] : await operatorQuery<OperatorRow>(
      operator,
      `UPDATE tenantry.operators SET status = $2, updated_at = CASE WHEN status = $2 THEN updated_at ELSE $3 END WHERE id = $1 RETURNING ${OPERATOR_COLUMNS}`,
      [id, status, clock.now()],
    );
    if (!row) throw controlErrors.create('OPERATOR_NOT_FOUND');
    return toOperator(row);
  }

  async function createToken(rawOperatorId: string, input: { readonly name: string; readonly expiresAt?: Date }): Promise<{ token: string; info: OperatorTokenInfo }> {
    const name = textField(input.name, 'name', 1, 200);
    const now = clock.now();
    const expiresAt = expiryField(input.expiresAt, now);
    const owner = await tryGet(rawOperatorId);
    if (!owner) throw controlErrors.create('OPERATOR_NOT_FOUND');
    if (owner.status !== 'active') throw controlErrors.create('OPERATOR_DISABLED');
    const publicId = newPublicId();
    const { token, hash } = issueToken(OPERATOR_TOKEN_PREFIX, publicId);
    const [row] = await operatorQuery<TokenRow>(
      operator,
      `INSERT INTO tenantry.operator_tokens (id, public_id, operator_id, name, secret_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${TOKEN_COLUMNS}`,
      [newRecordId(), publicId, owner.id, name, hash, now, expiresAt],
    );
    return { token, info: toToken(row as TokenRow) };
  }

  async function revokeToken(rawTokenId: string): Promise<OperatorTokenInfo> {
    const id = recordId(rawTokenId);
    const [row] = id === undefined ? [] : await operatorQuery<TokenRow>(
      operator,
      `UPDATE tenantry.operator_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
      [id, clock.now()],
    );
    if (!row) throw controlErrors.create('OPERATOR_TOKEN_NOT_FOUND');
    return toToken(row);
  }

  return Object.freeze({
    async create(input) {
      const email = emailField(input.email);
      const displayName = textField(input.displayName, 'displayName', 1, 200);
      const [row] = await operatorQuery<OperatorRow>(
        operator,
        `INSERT INTO tenantry.operators (id, email, display_name, status, created_at, updated_at) VALUES ($1, $2, $3, 'active', $4, $4)
         ON CONFLICT (email) DO NOTHING RETURNING ${OPERATOR_COLUMNS}`,
        [newRecordId(), email, displayName, clock.now()],
      );
      if (!row) throw controlErrors.create('OPERATOR_EMAIL_TAKEN');
      return toOperator(row);
    },
    tryGet,
    async get(id) {
      const found = await tryGet(id);
      if (!found) throw controlErrors.create('OPERATOR_NOT_FOUND');
      return found;
    },
    async list() {
      return (await operatorQuery<OperatorRow>(operator, `SELECT ${OPERATOR_COLUMNS} FROM tenantry.operators ORDER BY email`)).map(toOperator);
    },
    disable: (id) => setStatus(id, 'disabled'),
    enable: (id) => setStatus(id, 'active'),
    createToken,
    async listTokens(rawOperatorId) {
      const id = recordId(rawOperatorId);
      if (id === undefined || !(await tryGet(id))) throw controlErrors.create('OPERATOR_NOT_FOUND');
      const rows = await operatorQuery<TokenRow>(operator, `SELECT ${TOKEN_COLUMNS} FROM tenantry.operator_tokens WHERE operator_id = $1 ORDER BY created_at DESC, id`, [id]);
      return rows.map(toToken);
    },
    revokeToken,
    async rotateToken(rawTokenId, input = {}) {
      const id = recordId(rawTokenId);
      const [old] = id === undefined ? [] : await operatorQuery<TokenRow>(operator, `SELECT ${TOKEN_COLUMNS} FROM tenantry.operator_tokens WHERE id = $1`, [id]);
      if (!old) throw controlErrors.create('OPERATOR_TOKEN_NOT_FOUND');
      const current = toToken(old);
      const expiresAt = input.expiresAt ?? (current.status === 'active' ? current.expiresAt : undefined);
      const issued = await createToken(old.operator_id, { name: old.name, ...(expiresAt === undefined ? {} : { expiresAt }) });
      return { ...issued, revoked: await revokeToken(old.id) };
    },
    async verifyToken(token) {
      const publicId = tokenPublicPart(OPERATOR_TOKEN_PREFIX, PUBLIC_ID, token);
      if (publicId === undefined) return undefined;
      const [row] = await operatorQuery<TokenRow & { secret_hash: Buffer; email: string; status: string }>(
        operator,
        `SELECT ${TOKEN_COLUMNS.split(', ').map((c) => `k.${c}`).join(', ')}, k.secret_hash, o.email, o.status
           FROM tenantry.operator_tokens k JOIN tenantry.operators o ON o.id = k.operator_id WHERE k.public_id = $1`,
        [publicId],
      );
      if (!tokenMatches(token, row?.secret_hash) || row === undefined) return undefined;
      const now = clock.now();
      if (row.status !== 'active' || row.revoked_at !== null || (row.expires_at !== null && row.expires_at.getTime() <= now.getTime())) return undefined;
      if (row.last_used_at === null || now.getTime() - row.last_used_at.getTime() >= lastUsedResolutionMs) {
        await operatorQuery(operator, 'UPDATE tenantry.operator_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)', [
          row.id, now, new Date(now.getTime() - lastUsedResolutionMs),
        ]);
      }
      return Object.freeze({ operatorId: row.operator_id, tokenId: row.id, email: row.email });
    },
  } satisfies Operators);
}
