// The keys Tenantry signs its own tokens with: ES256 key pairs in tenantry.token_signing_keys,
// the private scalar stored only wrapped by the key provider's master key. A rotation makes a
// new key current and keeps the previous one published until tokens it signed have expired, so
// two keys verify during a rollover and a client's cached JWKS never misses a live token.
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { coreErrors, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { KeyProvider } from '../crypto/index.js';
import { toTenantryError, withPoolTransaction, type SqlPool } from '../postgres/index.js';
import { identityErrors } from './errors.js';

/** A published verification key, as `/.well-known/jwks.json` shows it. */
export interface PublicSigningKey extends JWK {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

export interface TokenSigningKeysOptions {
  /** The operator-role pool: the keys are a platform record, not tenant data. */
  readonly operator: SqlPool;
  /** Wraps each private key (as it wraps tenants' data keys); the master key never leaves it. */
  readonly keyProvider: KeyProvider;
  readonly clock?: Clock;
  /**
   * How long a key stays published after a newer one took over: at least the longest token
   * lifetime plus clock skew, so every token signed by it expires first. Default 1 hour.
   */
  readonly retireAfterMs?: number;
  /** How often ensureFresh rotates. Default 24 hours. */
  readonly rotateEveryMs?: number;
}

export interface TokenSigningKeys {
  /** Makes a new key current; the previous current key retires after `retireAfterMs`. */
  rotate(): Promise<PublicSigningKey>;
  /** Rotates when there is no current key or it is older than `rotateEveryMs`. */
  ensureFresh(): Promise<void>;
  /** The current key to sign with; SIGNING_KEY_UNAVAILABLE when none. */
  current(): Promise<{ readonly kid: string; readonly privateKey: CryptoKey }>;
  /** Every key not yet retired, newest first: what verifiers accept. */
  published(): Promise<{ keys: PublicSigningKey[] }>;
}

// The wrapped scalar is bound to this pseudo-tenant (no tenant has the nil UUID) and the key's
// version, so a wrapped key copied to another row does not unwrap.
const PLATFORM = '00000000-0000-0000-0000-000000000000' as TenantId;

interface KeyRow { kid: string; version: number; public_jwk: JWK; master_key_id: string; wrapped_private: Buffer; created_at: Date }

function positiveMs(value: number | undefined, fallback: number, path: string): number {
  const ms = value ?? fallback;
  if (!Number.isInteger(ms) || ms <= 0) throw coreErrors.create('CONFIG_INVALID', { details: { path, reason: 'a positive integer of milliseconds' } });
  return ms;
}

/**
 * @example
 * const signingKeys = createTokenSigningKeys({ operator, keyProvider: localKeyProvider({ keys: { k1: masterKey } }) });
 * await signingKeys.ensureFresh();
 */
export function createTokenSigningKeys(options: TokenSigningKeysOptions): TokenSigningKeys {
  const { operator, keyProvider } = options;
  const clock = options.clock ?? systemClock;
  const retireAfterMs = positiveMs(options.retireAfterMs, 3_600_000, 'retireAfterMs');
  const rotateEveryMs = positiveMs(options.rotateEveryMs, 86_400_000, 'rotateEveryMs');
  // Unwrapped private keys by kid: unwrapping on every token would cost a KMS call each.
  const unwrapped = new Map<string, Promise<CryptoKey>>();

  async function rows(text: string, values: unknown[]): Promise<KeyRow[]> {
    try {
      return (await operator.query<KeyRow>(text, values)).rows;
    } catch (err) {
      throw toTenantryError(err);
    }
  }

  async function currentRow(): Promise<KeyRow | undefined> {
    const [row] = await rows(
      `SELECT kid, version, public_jwk, master_key_id, wrapped_private, created_at FROM tenantry.token_signing_keys
        WHERE retires_at IS NULL ORDER BY version DESC LIMIT 1`,
      [],
    );
    return row;
  }

  async function rotate(): Promise<PublicSigningKey> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const { d, ...publicPart } = jwk;
    const scalar = Buffer.from(d as string, 'base64url');
    const kid = randomBytes(16).toString('base64url');
    const publicJwk: PublicSigningKey = { ...publicPart, kid, alg: 'ES256', use: 'sig' };
    const now = clock.now();
    return withPoolTransaction(operator, async (c) => {
      try {
        const { rows: [seq] } = await c.query<{ version: number }>("SELECT nextval('tenantry.token_signing_key_version')::integer AS version");
        const version = (seq as { version: number }).version;
        const wrapped = await keyProvider.wrap(scalar, { tenantId: PLATFORM, keyVersion: version });
        // The previous current key keeps verifying until every token it signed has expired.
        await c.query('UPDATE tenantry.token_signing_keys SET retires_at = $1 WHERE retires_at IS NULL', [new Date(now.getTime() + retireAfterMs)]);
        await c.query(
          `INSERT INTO tenantry.token_signing_keys (kid, version, alg, public_jwk, master_key_id, wrapped_private, created_at)
           VALUES ($1, $2, 'ES256', $3, $4, $5, $6)`,
          [kid, version, JSON.stringify(publicJwk), wrapped.masterKeyId, Buffer.from(wrapped.wrappedKey), now],
        );
        return Object.freeze(publicJwk);
      } catch (err) {
        throw toTenantryError(err);
      } finally {
        scalar.fill(0);
      }
    });
  }

  function privateKeyOf(row: KeyRow): Promise<CryptoKey> {
    let key = unwrapped.get(row.kid);
    if (key === undefined) {
      key = (async () => {
        const scalar = await keyProvider.unwrap({ masterKeyId: row.master_key_id, wrappedKey: row.wrapped_private }, { tenantId: PLATFORM, keyVersion: row.version });
        try {
          return (await importJWK({ ...row.public_jwk, d: Buffer.from(scalar).toString('base64url') }, 'ES256')) as CryptoKey;
        } finally {
          scalar.fill(0);
        }
      })();
      key.catch(() => unwrapped.delete(row.kid));
      unwrapped.set(row.kid, key);
    }
    return key;
  }

  return Object.freeze({
    rotate,
    async ensureFresh() {
      const row = await currentRow();
      if (row === undefined || clock.now().getTime() - row.created_at.getTime() >= rotateEveryMs) await rotate();
    },
    async current() {
      const row = await currentRow();
      if (row === undefined) throw identityErrors.create('SIGNING_KEY_UNAVAILABLE');
      try {
        return { kid: row.kid, privateKey: await privateKeyOf(row) };
      } catch (cause) {
        throw identityErrors.create('SIGNING_KEY_UNAVAILABLE', { cause });
      }
    },
    async published() {
      const found = await rows(
        `SELECT kid, version, public_jwk, master_key_id, wrapped_private, created_at FROM tenantry.token_signing_keys
          WHERE retires_at IS NULL OR retires_at > $1 ORDER BY version DESC`,
        [clock.now()],
      );
      return { keys: found.map((row) => row.public_jwk as PublicSigningKey) };
    },
  });
}
