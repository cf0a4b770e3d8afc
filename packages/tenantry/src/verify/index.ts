// The isolation verifier: a catalog lint and a dynamic probe of a live database, for a team's CI.
export { verifyIsolation } from './verify-isolation.js';
export type { VerifyIsolationOptions } from './verify-isolation.js';
export { FINDING_KINDS, formatReport } from './findings.js';
export type { Finding, FindingKind, VerifyReport } from './findings.js';
export { verifyErrors } from './errors.js';
