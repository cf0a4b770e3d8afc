// Typed calls of the HTTP API, one function per route the dashboard uses. Operator routes take
// the operator token; /v1/tenant/* routes take an impersonation session's token.
import { request } from './client.js';
import type {
  Alert, ApiKey, Operator, OperatorToken, TenantSummary, AuditEventItem, AuditVerificationResult, Distribution, Flag, ImpersonationSession, Invitation, HealthWindow, Member, Tenant, TenantHealth, TenantPage, Usage, UsagePoint,
} from './types.js';

type Sig = AbortSignal | undefined;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const opts = (token: string, signal: Sig) => (signal ? { token, signal } : { token });
const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

export interface TenantFilters {
  readonly search?: string;
  readonly status?: string;
  readonly plan?: string;
  readonly tier?: string;
  readonly region?: string;
}

export const tenantsApi = {
  async list(token: string, filters: TenantFilters, cursor: string | undefined, signal?: Sig, limit = 25) {
    const trimmed = Object.fromEntries(Object.entries(filters).map(([key, value]) => [key, typeof value === 'string' ? value.trim() : value]));
    const page = await request<TenantPage>(`/v1/tenants${query({ ...trimmed, limit, cursor })}`, opts(token, signal));
    return { items: page.items ?? page.tenants ?? [], nextCursor: page.nextCursor ?? null };
  },
  /** By id (a deleted tenant's tombstone too: its audit log is kept) or by a live tenant's slug. */
  get: (token: string, ref: string, signal?: Sig) =>
    request<Tenant>(UUID.test(ref) ? `/v1/tenants/${ref}?deleted=include` : `/v1/tenants/by-slug/${encodeURIComponent(ref)}`, opts(token, signal)),
  create: (token: string, body: { slug: string; displayName?: string; plan?: string; region?: string; owner: { userId: string } }) =>
    request<Tenant>('/v1/tenants', { token, method: 'POST', body }),
  update: (token: string, id: string, body: { displayName?: string; plan?: string; region?: string }) =>
    request<Tenant>(`/v1/tenants/${id}`, { token, method: 'PATCH', body }),
  plans: (token: string, signal?: Sig) => request<{ items: { name: string }[] }>('/v1/plans', opts(token, signal)),
  act: (token: string, id: string, action: 'suspend' | 'restore' | 'offboard', reason?: string) =>
    request<Tenant>(`/v1/tenants/${id}/${action}`, { token, method: 'POST', ...(reason ? { body: { reason } } : {}) }),
  remove: (token: string, id: string, reason?: string) => request<Tenant>(`/v1/tenants/${id}`, { token, method: 'DELETE', ...(reason ? { body: { reason } } : {}) }),
  auditEvents: (token: string, id: string, cursor: string | undefined, type: string | undefined, signal?: Sig) =>
    request<{ items: AuditEventItem[]; nextCursor: string | null }>(`/v1/tenants/${id}/audit-events${query({ limit: 20, cursor, type })}`, opts(token, signal)),
  verifyAudit: (token: string, id: string, signal?: Sig) => request<AuditVerificationResult>(`/v1/tenants/${id}/audit-events/verification`, opts(token, signal)),
  impersonate: (token: string, id: string, reason: string, durationMinutes: number) =>
    request<ImpersonationSession>(`/v1/tenants/${id}/impersonations`, { token, method: 'POST', body: { reason, durationMinutes } }),
  endImpersonation: (token: string, id: string, sessionId: string) =>
    request<undefined>(`/v1/tenants/${id}/impersonations/${sessionId}/end`, { token, method: 'POST' }),
  summary: (token: string, id: string, signal?: Sig) => request<TenantSummary>(`/v1/tenants/${id}/summary`, opts(token, signal)),
  health: (token: string, id: string, signal?: Sig) => request<TenantHealth & { window: HealthWindow }>(`/v1/tenants/${id}/health`, opts(token, signal)),
};

/**
 * A list answer as `{ items }` (the API's shape), also read from the named arrays servers
 * before the shared list contract sent (`{ members }`, `{ invitations }`, `{ apiKeys }`).
 */
async function list<T>(path: string, legacy: string, token: string, signal: Sig): Promise<{ items: T[] }> {
  const body = await request<Record<string, T[] | undefined>>(path, opts(token, signal));
  return { items: body.items ?? body[legacy] ?? [] };
}

/** Routes inside one tenant, called with an impersonation session's token. */
export const tenantApi = {
  members: (token: string, signal?: Sig) => list<Member>('/v1/tenant/members', 'members', token, signal),
  invitations: (token: string, signal?: Sig) => list<Invitation>('/v1/tenant/invitations', 'invitations', token, signal),
  invite: (token: string, email: string, role: string) => request<{ invitation: Invitation; token: string }>('/v1/tenant/invitations', { token, method: 'POST', body: { email, role } }),
  revokeInvitation: (token: string, id: string) => request<Invitation>(`/v1/tenant/invitations/${id}/revoke`, { token, method: 'POST' }),
  apiKeys: (token: string, signal?: Sig) => list<ApiKey>('/v1/tenant/api-keys', 'apiKeys', token, signal),
  createApiKey: (token: string, name: string, scopes: readonly string[]) => request<{ apiKey: ApiKey; key: string }>('/v1/tenant/api-keys', { token, method: 'POST', body: { name, scopes } }),
  revokeApiKey: (token: string, id: string) => request<ApiKey>(`/v1/tenant/api-keys/${id}/revoke`, { token, method: 'POST' }),
  settings: (token: string, signal?: Sig) => request<{ values: Record<string, unknown> }>('/v1/tenant/settings', opts(token, signal)),
  updateSettings: (token: string, values: Record<string, unknown>) => request<{ values: Record<string, unknown> }>('/v1/tenant/settings', { token, method: 'PATCH', body: values }),
  flags: (token: string, signal?: Sig) => request<{ items: Flag[] }>('/v1/tenant/flags', opts(token, signal)),
  setFlag: (token: string, key: string, enabled: boolean) => request<Flag>(`/v1/tenant/flags/${encodeURIComponent(key)}`, { token, method: 'PUT', body: { enabled } }),
  clearFlag: (token: string, key: string) => request<undefined>(`/v1/tenant/flags/${encodeURIComponent(key)}`, { token, method: 'DELETE' }),
  usage: (token: string, signal?: Sig) => request<Usage>('/v1/tenant/usage', opts(token, signal)),
  usageHistory: (token: string, signal?: Sig) => request<{ points: UsagePoint[] }>('/v1/tenant/usage/history?days=30', opts(token, signal)),
};

export const platformApi = {
  distribution: (token: string, signal?: Sig) => request<Distribution>('/v1/analytics/distribution', opts(token, signal)),
  growth: (token: string, signal?: Sig) => request<{ points: { day: string; created: number; churned: number }[] }>('/v1/analytics/growth?days=90', opts(token, signal)),
  active: (token: string, signal?: Sig) => request<{ d1: number; d7: number; d30: number }>('/v1/analytics/active', opts(token, signal)),
  top: (token: string, by: 'usage' | 'errors', signal?: Sig) => request<{ items: { tenantId: string; slug: string; value: number }[] }>(`/v1/analytics/top?by=${by}&limit=10`, opts(token, signal)),
  usageByHour: (token: string, signal?: Sig) => request<{ points: { hour: number; requests: number }[] }>('/v1/analytics/usage-by-hour?days=7', opts(token, signal)),
  tenantHealth: (token: string, signal?: Sig) => request<{ items: TenantHealth[] }>('/v1/health/tenants', opts(token, signal)),
  alerts: (token: string, status: 'open' | 'resolved', signal?: Sig) => request<{ items: Alert[]; actors?: Record<string, string> }>(`/v1/alerts?status=${status}`, opts(token, signal)),
  triageAlert: (token: string, id: string, action: 'acknowledge' | 'resolve') => request<Alert>(`/v1/alerts/${id}/${action}`, { token, method: 'POST' }),
  snoozeAlert: (token: string, id: string, minutes: number) => request<Alert>(`/v1/alerts/${id}/snooze`, { token, method: 'POST', body: { minutes } }),
};

/** Platform staff accounts and their tokens (a token is shown once, when issued). */
export const operatorsApi = {
  list: (token: string, signal?: Sig) => request<{ items: Operator[] }>('/v1/operators', opts(token, signal)),
  create: (token: string, body: { email: string; displayName: string }) => request<{ operator: Operator; token: string; info: OperatorToken }>('/v1/operators', { token, method: 'POST', body }),
  setEnabled: (token: string, id: string, enabled: boolean) => request<Operator>(`/v1/operators/${id}/${enabled ? 'enable' : 'disable'}`, { token, method: 'POST' }),
  tokens: (token: string, id: string, signal?: Sig) => request<{ items: OperatorToken[] }>(`/v1/operators/${id}/tokens`, opts(token, signal)),
  revokeToken: (token: string, id: string, tokenId: string) => request<OperatorToken>(`/v1/operators/${id}/tokens/${tokenId}/revoke`, { token, method: 'POST' }),
  rotateToken: (token: string, id: string, tokenId: string) => request<{ token: string; info: OperatorToken }>(`/v1/operators/${id}/tokens/${tokenId}/rotate`, { token, method: 'POST' }),
};
