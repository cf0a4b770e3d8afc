// Error codes of the audit capability (the tamper-evident audit log).
import { defineErrors } from '../core/index.js';

export const auditErrors = defineErrors('audit', {
  AUDIT_EVENT_INVALID: {
    kind: 'invalid',
    message: 'The audit event is invalid.',
    fix: 'See `details.field` and `details.reason`; details must be a plain JSON object of at most 64 KiB.',
  },
  AUDIT_QUERY_INVALID: {
    kind: 'invalid',
    message: 'The audit query is invalid.',
    fix: 'See `details.field` and `details.reason` (filters are strings, times are Dates, limit is 1–500).',
  },
  AUDIT_CURSOR_INVALID: {
    kind: 'invalid',
    message: 'The cursor is not one this audit query returned.',
    fix: 'Pass the `nextCursor` of the previous page unchanged, with the same `order`; start again without a cursor otherwise.',
  },
  AUDIT_CHAIN_CONFLICT: {
    kind: 'conflict',
    message: 'The audit event does not extend the head of its chain.',
    fix: 'Retry the whole transaction. appendAuditEvent locks the head, so this means something wrote the chain without appendAuditEvent: find it.',
  },
  AUDIT_CHAIN_BROKEN: {
    kind: 'internal',
    message: 'The audit chain does not verify: an event was changed, removed, reordered or inserted.',
    fix: 'See `details.kind` and `details.seq`; run `verifyAuditChain` for the full report and investigate before signing a new checkpoint.',
  },
  AUDIT_CHECKPOINT_INVALID: {
    kind: 'internal',
    message: 'A stored audit checkpoint does not carry a valid signature.',
    fix: 'Someone wrote or changed a checkpoint without the signing key: investigate; see `details.seq` and `details.keyId`.',
  },
  AUDIT_CHECKPOINT_KEY_UNKNOWN: {
    kind: 'invalid',
    message: 'An audit checkpoint was signed with a key that was not given.',
    fix: 'Pass the verification key named by `details.keyId` (keep retired keys for verification after a rotation).',
  },
  AUDIT_KEY_INVALID: {
    kind: 'invalid',
    message: 'The audit signing or verification key is invalid.',
    fix: 'Use an Ed25519 KeyObject (private to sign, public to verify) or an HMAC secret of at least 32 bytes, with a keyId of 1–64 characters A–Z, a–z, 0–9, ".", "_", ":" or "-".',
  },
  AUDIT_EXPORT_INVALID: {
    kind: 'invalid',
    message: 'The input is not a Tenantry audit export.',
    fix: 'Pass the NDJSON lines exportAuditLog produced, unchanged; see `details.line` and `details.reason`.',
  },
  AUDIT_TRANSACTION_REQUIRED: {
    kind: 'internal',
    message: 'An operator audit transaction needs a connection inside an open transaction.',
    fix: 'Send BEGIN on the connection first, or use withAuditOperator(), which opens the transaction itself.',
  },
  AUDIT_TENANT_NOT_DELETED: {
    kind: 'conflict',
    message: 'The audit log of a tenant can be erased only after the tenant is deleted.',
    fix: 'Offboard and delete the tenant first (and keep its exported audit log for as long as your retention requires).',
  },
});
