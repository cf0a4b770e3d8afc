// The audit capability: a per-tenant, append-only, hash-chained audit log with signed
// checkpoints, its query and NDJSON export, and verification online and offline.
export { auditErrors } from './errors.js';
export { appendAuditEvent } from './append-audit-event.js';
export type { AppendAuditEventOptions } from './append-audit-event.js';
export { auditEventHash, canonicalAuditEvent, GENESIS_HASH } from './audit-event.js';
export type { AuditEvent, AuditEventContent, AuditEventInput } from './audit-event.js';
export { canonicalJson } from './canonical-json.js';
export type { JsonObject, JsonValue } from './canonical-json.js';
export { auditVerificationKey, canonicalAuditCheckpoint } from './audit-checkpoint.js';
export type { AuditCheckpoint, AuditCheckpointAlgorithm, AuditSigningKey, AuditVerificationKey } from './audit-checkpoint.js';
export { createAuditCheckpoint } from './create-audit-checkpoint.js';
export type { CreateAuditCheckpointOptions } from './create-audit-checkpoint.js';
export { verifyAuditChain } from './verify-audit-chain.js';
export type { VerifyAuditChainOptions } from './verify-audit-chain.js';
export { verifyAuditExport } from './verify-audit-export.js';
export type { VerifyAuditExportOptions } from './verify-audit-export.js';
export type { AuditBreakKind, AuditChainBreak, AuditVerification } from './chain-verifier.js';
export { queryAuditEvents } from './query-audit-events.js';
export type { AuditPage, AuditQuery } from './query-audit-events.js';
export { exportAuditLog } from './export-audit-log.js';
export type { ExportAuditLogOptions } from './export-audit-log.js';
export { AuditOperatorTransaction, operatorAuditTransaction, withAuditOperator } from './audit-operator.js';
export type { AuditReader } from './audit-reader.js';
export { eraseAuditLog } from './erase-audit-log.js';
export type { EraseAuditLogResult } from './erase-audit-log.js';
