// Records a control-plane change in the tenant's audit log, in the transaction of the change
// itself: the change and its record commit or roll back together.
import { appendAuditEvent, type JsonObject } from '../audit/index.js';
import type { Clock } from '../core/index.js';
import type { TenantTransaction } from '../postgres/index.js';

/** @example await auditChange(tx, actor.id, 'member.add', `member:${userId}`, { role }, clock); */
export async function auditChange(tx: TenantTransaction, actor: string, action: string, target: string, details: JsonObject, clock: Clock): Promise<void> {
  await appendAuditEvent(tx, { actor, action, target, details }, { clock });
}
