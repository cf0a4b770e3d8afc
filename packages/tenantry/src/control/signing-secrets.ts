// Per-tenant signing secrets for HMAC-signed requests and outgoing webhooks: one current secret,
// rotated with a grace period during which the previous one still verifies. Stored encrypted
// with the tenant's data key when a TenantEncryption is configured.
import { randomBytes } from 'node:crypto';
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { TenantEncryption } from '../crypto/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { auditChange } from './audit-change.js';
import { checkActor, inTransaction, newRecordId, sqlOf, type ControlScope } from './control-sql.js';
import { controlErrors } from './errors.js';
import { systemActor, type Actor } from './permissions.js';

/** A secret's metadata, never the secret. */
export interface SigningSecretInfo {
  readonly id: string;
  /** `current` signs; `retiring` still verifies until `retiresAt`. */
  readonly status: 'current' | 'retiring';
  readonly createdAt: Date;
  readonly retiresAt?: Date;
}

/** A usable secret: pass `secret` to signPayload / verifySignature. */
export interface SigningSecret extends SigningSecretInfo {
  readonly secret: string;
}

export interface SigningSecretsOptions {
  /**
   * How secrets are kept: a TenantEncryption (each secret sealed under its tenant's data key,
   * so a database dump alone does not reveal them), or `'none'` to store them as plaintext,
   * for deployments without a key provider. A choice, not a default: the weaker one is spelled out.
   */
  readonly encryption: TenantEncryption | 'none';
  readonly clock?: Clock;
  /** How long the previous secret keeps verifying after a rotation. Default 24 hours; 0 to 30 days. */
  readonly graceMs?: number;
}

export interface SigningSecrets {
  /**
   * Makes a new current secret and returns it (shown this once; `activeSecrets` reads it again
   * for signing). The previous ones keep verifying for `graceMs` (this call's, else the
   * configured one); `graceMs: 0` retires them at once, after a leak. The first call creates
   * the tenant's first secret. Audited as `signing_secret.rotate` by `actor` (default `system`)
   * in the same transaction, with the ids of the secrets before and after, never their values.
   *
   * @example const { secret } = await db.transaction(tenantId, (tx) => signingSecrets.rotate(tx, {}, actor));
   */
  rotate(scope: ControlScope, options?: { readonly graceMs?: number }, actor?: Actor): Promise<SigningSecret>;
  /** The secrets still valid, current first, without the secret values. */
  list(scope: ControlScope): Promise<SigningSecretInfo[]>;
  /** The secrets still valid, current first, with their values: to verify incoming requests. */
  activeSecrets(scope: ControlScope): Promise<SigningSecret[]>;
  /** The current secret, to sign outgoing webhooks; SIGNING_SECRET_NOT_FOUND before the first rotate. */
  currentSecret(scope: ControlScope): Promise<SigningSecret>;
}

interface SecretRow { id: string; secret: string; storage: 'envelope' | 'plaintext'; created_at: Date; retires_at: Date | null }

const PURPOSE = 'tenantry.signing_secrets.secret';
const PREFIX = 'tnt_sig_';
// Serializes rotations of one tenant (with hashtext(tenant id) as the second key); the first
// key keeps it apart from the tenant lifecycle lock (1414419545) of migration 0002.
const ROTATION_LOCK = 1414419553;
const MAX_GRACE_MS = 30 * 24 * 3_600_000;

function toInfo(row: SecretRow): SigningSecretInfo {
  return Object.freeze({
    id: row.id,
    status: row.retires_at === null ? 'current' : 'retiring',
    createdAt: row.created_at,
    ...(row.retires_at === null ? {} : { retiresAt: row.retires_at }),
  });
}

/**
 * @example
 * const signingSecrets = createSigningSecrets({ encryption: createTenantEncryption({ keyProvider }) });
 * const { secret } = await db.withTenant(tenantId, (scope) => signingSecrets.currentSecret(scope));
 * await fetch(url, { method: 'POST', body, headers: { 'tenantry-signature': signPayload(secret, new Date(), body) } });
 */
export function createSigningSecrets(options: SigningSecretsOptions): SigningSecrets {
  checkKnownKeys(options, ['encryption', 'clock', 'graceMs'], '');
  const { encryption } = options;
  if (encryption !== 'none' && (typeof encryption !== 'object' || encryption === null || typeof encryption.encrypt !== 'function')) {
    throw coreErrors.create('CONFIG_INVALID', { details: { path: 'encryption', reason: "a TenantEncryption, or 'none' to store secrets as plaintext" } });
  }
  const clock = options.clock ?? systemClock;
  const defaultGraceMs = integerOption(options.graceMs, 24 * 3_600_000, 0, MAX_GRACE_MS, 'graceMs');

  async function reveal(scope: ControlScope, row: SecretRow): Promise<SigningSecret> {
    let secret: string;
    if (row.storage === 'plaintext') secret = row.secret;
    else if (encryption === 'none') throw controlErrors.create('SIGNING_SECRET_UNREADABLE');
    else secret = await encryption.decryptText(scope, row.secret, { purpose: PURPOSE, recordId: row.id });
    return Object.freeze({ ...toInfo(row), secret });
  }

  async function activeRows(sql: SqlQueryable, tenantId: TenantId): Promise<SecretRow[]> {
    const { rows } = await sql.query<SecretRow>(
      `SELECT id, secret, storage, created_at, retires_at FROM tenantry.signing_secrets
        WHERE tenant_id = $1 AND (retires_at IS NULL OR retires_at > $2)
        ORDER BY retires_at DESC NULLS FIRST, created_at DESC`,
      [tenantId, clock.now()],
    );
    return rows;
  }

  async function activeSecrets(scope: ControlScope): Promise<SigningSecret[]> {
    const rows = await activeRows(sqlOf(scope), scope.tenantId);
    const secrets: SigningSecret[] = [];
    for (const row of rows) secrets.push(await reveal(scope, row));
    return secrets;
  }

  return Object.freeze({
    async rotate(scope, rotateOptions = {}, actor = systemActor()) {
      checkKnownKeys(rotateOptions, ['graceMs'], 'options');
      checkActor(actor);
      const graceMs = integerOption(rotateOptions.graceMs, defaultGraceMs, 0, MAX_GRACE_MS, 'options.graceMs');
      return inTransaction(scope, async (tx) => {
        const sql = sqlOf(tx);
        await sql.query('SELECT pg_advisory_xact_lock($1, hashtext($2::text))', [ROTATION_LOCK, tx.tenantId]);
        const now = clock.now();
        const cut = new Date(now.getTime() + graceMs);
        const before = (await activeRows(sql, tx.tenantId)).map((row) => ({ id: row.id, status: row.retires_at === null ? 'current' : 'retiring' }));
        if (graceMs === 0) {
          await sql.query('DELETE FROM tenantry.signing_secrets WHERE tenant_id = $1', [tx.tenantId]);
        } else {
          await sql.query('DELETE FROM tenantry.signing_secrets WHERE tenant_id = $1 AND retires_at <= $2', [tx.tenantId, now]);
          // The current one starts retiring; one already retiring never gets more time than `cut`.
          await sql.query(
            'UPDATE tenantry.signing_secrets SET retires_at = $2 WHERE tenant_id = $1 AND (retires_at IS NULL OR retires_at > $2)',
            [tx.tenantId, cut],
          );
        }
        const id = newRecordId();
        const secret = `${PREFIX}${randomBytes(32).toString('base64url')}`;
        const stored = encryption === 'none' ? secret : await encryption.encrypt(tx, secret, { purpose: PURPOSE, recordId: id });
        const { rows } = await sql.query<SecretRow>(
          `INSERT INTO tenantry.signing_secrets (tenant_id, id, secret, storage, created_at) VALUES ($1, $2, $3, $4, $5)
           RETURNING id, secret, storage, created_at, retires_at`,
          [tx.tenantId, id, stored, encryption === 'none' ? 'plaintext' : 'envelope', now],
        );
        const info = toInfo(rows[0] as SecretRow);
        // Ids and times only: a secret's value never reaches the audit log.
        await auditChange(tx, actor.id, 'signing_secret.rotate', `signing_secret:${info.id}`, {
          from: before, to: { current: info.id, previousRetireAt: graceMs === 0 ? now.toISOString() : cut.toISOString() }, value: '[redacted]',
        }, clock);
        return Object.freeze({ ...info, secret });
      });
    },
    async list(scope) {
      return (await activeRows(sqlOf(scope), scope.tenantId)).map(toInfo);
    },
    activeSecrets,
    async currentSecret(scope) {
      const current = (await activeRows(sqlOf(scope), scope.tenantId)).find((row) => row.retires_at === null);
      if (!current) throw controlErrors.create('SIGNING_SECRET_NOT_FOUND');
      return reveal(scope, current);
    },
  } satisfies SigningSecrets);
}
