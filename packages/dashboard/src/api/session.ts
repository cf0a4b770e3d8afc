// Where the dashboard keeps its credentials: sessionStorage, so they end with the browser tab
// and are never written to disk by localStorage or sent by a cookie to anything but the API.
import type { ImpersonationSession } from './types.js';

const OPERATOR_KEY = 'tenantry.operatorToken';
const IMPERSONATION_PREFIX = 'tenantry.impersonation.';

/** @example const token = readOperatorToken(); */
export function readOperatorToken(): string | undefined {
  return sessionStorage.getItem(OPERATOR_KEY) ?? undefined;
}

/** @example writeOperatorToken(token); writeOperatorToken(undefined); // sign out */
export function writeOperatorToken(token: string | undefined): void {
  if (token === undefined) {
    // Signing out ends every impersonation this tab held as well.
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(IMPERSONATION_PREFIX)) sessionStorage.removeItem(key);
    sessionStorage.removeItem(OPERATOR_KEY);
  } else {
    sessionStorage.setItem(OPERATOR_KEY, token);
  }
}

/** The tab's impersonation session in a tenant, when one is still running. */
export function readImpersonation(tenantId: string): ImpersonationSession | undefined {
  const text = sessionStorage.getItem(IMPERSONATION_PREFIX + tenantId);
  if (text === null) return undefined;
  try {
    const session = JSON.parse(text) as ImpersonationSession;
    if (Date.parse(session.expiresAt) > Date.now()) return session;
  } catch {
    // A value this code did not write: drop it.
  }
  sessionStorage.removeItem(IMPERSONATION_PREFIX + tenantId);
  return undefined;
}

/** @example writeImpersonation(tenantId, session); writeImpersonation(tenantId, undefined); */
export function writeImpersonation(tenantId: string, session: ImpersonationSession | undefined): void {
  if (session === undefined) sessionStorage.removeItem(IMPERSONATION_PREFIX + tenantId);
  else sessionStorage.setItem(IMPERSONATION_PREFIX + tenantId, JSON.stringify(session));
}
