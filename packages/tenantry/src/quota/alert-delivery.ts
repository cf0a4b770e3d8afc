// Delivery of usage alerts (an outbox in quota_alerts): claim undelivered alerts in one short
// transaction, send them with no transaction open (a slow webhook must not hold a connection or
// a lock), then mark each delivered. A failed or interrupted send is claimed again once its claim
// lapses, so delivery is at least once; receivers deduplicate by the alert id.
import type { Clock, TenantId } from '../core/index.js';
import type { SqlQueryable } from '../postgres/index.js';
import { ALERT_COLUMNS, toAlert, type UsageAlert } from './quota-sql.js';

/** Sends one alert (a webhook POST, an email …); throws when it did not get through. */
export type AlertSender = (alert: UsageAlert) => Promise<void>;

export const ALERT_BATCH = 50;
const RANK: Readonly<Record<UsageAlert['alert'], number>> = { soft_limit: 0, limit_80: 1, limit_100: 2 };

export async function claimAlerts(sql: SqlQueryable, tenantId: TenantId, clock: Clock, claimMs: number): Promise<UsageAlert[]> {
  const now = clock.now();
  const { rows } = await sql.query<Parameters<typeof toAlert>[1]>(
    `UPDATE tenantry.quota_alerts SET claimed_until = $2, attempts = attempts + 1
      WHERE tenant_id = $1 AND (meter, period, alert) IN (
        SELECT meter, period, alert FROM tenantry.quota_alerts
         WHERE tenant_id = $1 AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3)
         ORDER BY created_at LIMIT ${ALERT_BATCH} FOR UPDATE SKIP LOCKED)
      RETURNING ${ALERT_COLUMNS}`,
    [tenantId, new Date(now.getTime() + claimMs), now],
  );
  // Alerts raised by one statement share their time: soft limit, then 80 %, then 100 %.
  return rows.map((r) => toAlert(tenantId, r)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || RANK[a.alert] - RANK[b.alert]);
}

export async function markDelivered(sql: SqlQueryable, tenantId: TenantId, ids: readonly string[], clock: Clock): Promise<void> {
  if (ids.length === 0) return;
  await sql.query('UPDATE tenantry.quota_alerts SET delivered_at = $3, claimed_until = NULL WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [tenantId, ids, clock.now()]);
}

/** The tenant's alerts, newest first (what was raised, and whether it was delivered). */
export async function listAlerts(sql: SqlQueryable, tenantId: TenantId, limit = 100): Promise<(UsageAlert & { readonly deliveredAt: Date | null })[]> {
  const { rows } = await sql.query<Parameters<typeof toAlert>[1] & { delivered_at: Date | null }>(
    `SELECT ${ALERT_COLUMNS}, delivered_at FROM tenantry.quota_alerts WHERE tenant_id = $1 ORDER BY created_at DESC, alert DESC LIMIT $2`, [tenantId, limit]);
  return rows.map((r) => ({ ...toAlert(tenantId, r), deliveredAt: r.delivered_at }));
}
