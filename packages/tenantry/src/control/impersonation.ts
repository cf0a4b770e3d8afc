// Impersonation: an operator acting inside one tenant. It needs a stated reason, is time-boxed,
// is recorded (operator, tenant, reason, times) in tenantry.impersonation_sessions, and is
// handed to an audit hook so the tenant's own audit log can show it.
import { coreErrors, parseTenantId, systemClock, type Clock, type TenantId } from '../core/index.js';
import type { SqlConnection, SqlPool } from '../postgres/index.js';
import { checkKnownKeys, integerOption } from './check-options.js';
import { newRecordId, operatorQuery, recordId, textField, withOperatorTransaction } from './control-sql.js';
import { controlErrors } from './errors.js';
import { issueToken, newPublicId, tokenMatches, tokenPublicPart } from './secret-token.js';

export interface ImpersonationSession {
  readonly id: string;
  readonly operatorId: string;
  readonly tenantId: TenantId;
  readonly reason: string;
  readonly status: 'active' | 'ended' | 'expired';
  readonly startedAt: Date;
  readonly expiresAt: Date;
  readonly endedAt?: Date;
  readonly endedBy?: string;
}

/**
 * A control-plane event for the tenant's audit log, shaped like the audit capability's
 * AuditEventInput (actor, action, target, details) plus the tenant it belongs to.
 */
export interface ControlAuditEvent {
  readonly tenantId: TenantId;
  readonly actor: string;
  readonly action: 'impersonation.start' | 'impersonation.end';
  readonly target: string;
  readonly details: Readonly<Record<string, string>>;
}

/**
 * Called with each event before the change commits: if it throws, the session is not started
 * (or not ended) — an impersonation the audit log could not record does not happen.
 * `transaction` is the operator connection the change runs on, inside its open transaction:
 * write the record through it (`operatorAuditTransaction(transaction, event.tenantId)`), never
 * through another connection of the same pool — holding one while waiting for a second lets a
 * few concurrent calls exhaust the pool and wait on each other.
 */
export type AuditEventHook = (event: ControlAuditEvent, transaction: SqlConnection) => Promise<void> | void;

export interface ImpersonationOptions {
  /** The operator-role pool. */
  readonly operator: SqlPool;
  readonly clock?: Clock;
  /** The longest session an operator may ask for. Default 1 hour; at most 12 hours. */
  readonly maxDurationMs?: number;
  readonly onAuditEvent?: AuditEventHook;
}

export interface Impersonation {
  /**
   * Starts a session for an active operator in a tenant that exists. The token (shown this
   * once) is what the operator's requests carry; `activeImpersonation` checks it. Throws
   * IMPERSONATION_REASON_REQUIRED, IMPERSONATION_DURATION_INVALID, OPERATOR_NOT_FOUND,
   * OPERATOR_DISABLED, TENANT_NOT_FOUND.
   *
   * @example
   * const { token } = await impersonation.startImpersonation({ operatorId, tenantId, reason: 'TICKET-123: export fails', durationMs: 30 * 60_000 });
   */
  startImpersonation(input: {
    readonly operatorId: string;
    readonly tenantId: TenantId | string;
    readonly reason: string;
    readonly durationMs: number;
  }): Promise<{ session: ImpersonationSession; token: string }>;
  /** Ends a session now (ending an ended one changes nothing). `endedBy` defaults to its operator. */
  endImpersonation(sessionId: string, options?: { readonly endedBy?: string }): Promise<ImpersonationSession>;
  /**
   * The session a token stands for while it is usable: not ended, not past its end, its
   * operator active and its tenant not deleted. Otherwise undefined. Compared in constant time.
   *
   * @example const session = await impersonation.activeImpersonation(header); if (session) runAs(session.tenantId);
   */
  activeImpersonation(token: string): Promise<ImpersonationSession | undefined>;
  /** Sessions, newest first, of one tenant and/or one operator (the record auditors read). */
  listImpersonations(filter: { readonly tenantId?: TenantId | string; readonly operatorId?: string }): Promise<ImpersonationSession[]>;
}

interface SessionRow {
  id: string; operator_id: string; target_tenant: TenantId; reason: string; started_at: Date; expires_at: Date;
  ended_at: Date | null; ended_by: string | null;
}

const COLUMNS = 's.id, s.operator_id, s.target_tenant, s.reason, s.started_at, s.expires_at, s.ended_at, s.ended_by';
const PREFIX = 'tnt_imp';
const PUBLIC_ID = /[0-9a-f]{24}/;
const HARD_MAX_MS = 12 * 3_600_000;

/**
 * @example
 * const impersonation = createImpersonation({
 *   operator: operatorPool,
 *   maxDurationMs: 30 * 60_000,
 *   onAuditEvent: async ({ tenantId, ...event }, transaction) => appendAuditEvent(await operatorAuditTransaction(transaction, tenantId), event),
 * });
 */
export function createImpersonation(options: ImpersonationOptions): Impersonation {
  checkKnownKeys(options, ['operator', 'clock', 'maxDurationMs', 'onAuditEvent'], '');
  const { operator, onAuditEvent } = options;
  if (onAuditEvent !== undefined && typeof onAuditEvent !== 'function') throw coreErrors.create('CONFIG_INVALID', { details: { path: 'onAuditEvent', reason: 'a function' } });
  const clock = options.clock ?? systemClock;
  const maxDurationMs = integerOption(options.maxDurationMs, 3_600_000, 1_000, HARD_MAX_MS, 'maxDurationMs');

  function toSession(row: SessionRow): ImpersonationSession {
    const now = clock.now().getTime();
    return Object.freeze({
      id: row.id,
      operatorId: row.operator_id,
      tenantId: row.target_tenant,
      reason: row.reason,
      status: row.ended_at !== null ? 'ended' : row.expires_at.getTime() <= now ? 'expired' : 'active',
      startedAt: row.started_at,
      expiresAt: row.expires_at,
      ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
      ...(row.ended_by === null ? {} : { endedBy: row.ended_by }),
    });
  }

  const event = (action: ControlAuditEvent['action'], session: ImpersonationSession, actor: string, extra: Record<string, string>): ControlAuditEvent =>
    Object.freeze({
      tenantId: session.tenantId,
      actor,
      action,
      target: `impersonation:${session.id}`,
      details: Object.freeze({ operatorId: session.operatorId, reason: session.reason, expiresAt: session.expiresAt.toISOString(), ...extra }),
    });

  return Object.freeze({
    async startImpersonation(input) {
      if (typeof input.reason !== 'string' || input.reason.trim().length === 0 || input.reason.trim().length > 1000) {
        throw controlErrors.create('IMPERSONATION_REASON_REQUIRED');
      }
      const reason = textField(input.reason, 'reason', 1, 1000);
      const { durationMs } = input;
      if (typeof durationMs !== 'number' || !Number.isInteger(durationMs) || durationMs < 1 || durationMs > maxDurationMs) {
        throw controlErrors.create('IMPERSONATION_DURATION_INVALID', { details: { maxDurationMs } });
      }
      const tenantId = parseTenantId(input.tenantId);
      const operatorId = recordId(input.operatorId);
      if (operatorId === undefined) throw controlErrors.create('OPERATOR_NOT_FOUND');
      return withOperatorTransaction(operator, async (c, connection) => {
        // FOR SHARE: a concurrent disable waits for this session to be recorded, then ends its use.
        const { rows: [who] } = await c.query<{ status: string }>('SELECT status FROM tenantry.operators WHERE id = $1 FOR SHARE', [operatorId]);
        if (!who) throw controlErrors.create('OPERATOR_NOT_FOUND');
        if (who.status !== 'active') throw controlErrors.create('OPERATOR_DISABLED');
        const { rows: [tenant] } = await c.query<{ status: string }>('SELECT status FROM tenantry.tenants WHERE id = $1', [tenantId]);
        if (!tenant || tenant.status === 'deleted') throw coreErrors.create('TENANT_NOT_FOUND');
        const now = clock.now();
        const publicId = newPublicId();
        const { token, hash } = issueToken(PREFIX, publicId);
        const { rows } = await c.query<SessionRow>(
          `INSERT INTO tenantry.impersonation_sessions AS s (id, public_id, secret_hash, operator_id, target_tenant, reason, started_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
          [newRecordId(), publicId, hash, operatorId, tenantId, reason, now, new Date(now.getTime() + durationMs)],
        );
        const session = toSession(rows[0] as SessionRow);
        await onAuditEvent?.(event('impersonation.start', session, `operator:${operatorId}`, {}), connection);
        return { session, token };
      });
    },
    async endImpersonation(rawId, endOptions = {}) {
      const id = recordId(rawId);
      if (id === undefined) throw controlErrors.create('IMPERSONATION_NOT_FOUND');
      const endedByInput = endOptions.endedBy === undefined ? undefined : textField(endOptions.endedBy, 'endedBy', 1, 256);
      return withOperatorTransaction(operator, async (c, connection) => {
        const { rows: [row] } = await c.query<SessionRow>(`SELECT ${COLUMNS} FROM tenantry.impersonation_sessions s WHERE s.id = $1 FOR UPDATE`, [id]);
        if (!row) throw controlErrors.create('IMPERSONATION_NOT_FOUND');
        if (row.ended_at !== null) return toSession(row);
        const endedBy = endedByInput ?? `operator:${row.operator_id}`;
        const { rows } = await c.query<SessionRow>(
          `UPDATE tenantry.impersonation_sessions s SET ended_at = $2, ended_by = $3 WHERE s.id = $1 RETURNING ${COLUMNS}`,
          [id, clock.now(), endedBy],
        );
        const session = toSession(rows[0] as SessionRow);
        await onAuditEvent?.(event('impersonation.end', session, endedBy, { endedAt: (session.endedAt as Date).toISOString() }), connection);
        return session;
      });
    },
    async activeImpersonation(token) {
      const publicId = tokenPublicPart(PREFIX, PUBLIC_ID, token);
      if (publicId === undefined) return undefined;
      const [row] = await operatorQuery<SessionRow & { secret_hash: Buffer; operator_status: string; tenant_status: string }>(
        operator,
        `SELECT ${COLUMNS}, s.secret_hash, o.status AS operator_status, t.status AS tenant_status
           FROM tenantry.impersonation_sessions s
           JOIN tenantry.operators o ON o.id = s.operator_id JOIN tenantry.tenants t ON t.id = s.target_tenant
          WHERE s.public_id = $1`,
        [publicId],
      );
      if (!tokenMatches(token, row?.secret_hash) || row === undefined) return undefined;
      const session = toSession(row);
      return session.status === 'active' && row.operator_status === 'active' && row.tenant_status !== 'deleted' ? session : undefined;
    },
    async listImpersonations(filter) {
      const tenantId = filter.tenantId === undefined ? null : parseTenantId(filter.tenantId);
      const operatorId = filter.operatorId === undefined ? null : recordId(filter.operatorId);
      if (operatorId === undefined) return [];
      const rows = await operatorQuery<SessionRow>(
        operator,
        `SELECT ${COLUMNS} FROM tenantry.impersonation_sessions s
          WHERE ($1::uuid IS NULL OR s.target_tenant = $1) AND ($2::uuid IS NULL OR s.operator_id = $2)
          ORDER BY s.started_at DESC, s.id LIMIT 500`,
        [tenantId, operatorId],
      );
      return rows.map(toSession);
    },
  } satisfies Impersonation);
}
