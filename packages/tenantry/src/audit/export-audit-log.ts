// exportAuditLog: the tenant's chain and checkpoints as NDJSON lines, streamed a page at a time.
import { readBounds, readCheckpoints, readEvents, type AuditReader } from './audit-reader.js';
import { auditCheckpointLine, auditEventLine } from './export-format.js';
import { auditErrors } from './errors.js';

export interface ExportAuditLogOptions {
  /** Events read per statement: 1–10,000, default 1,000. Memory holds one page. */
  readonly pageSize?: number;
}

/**
 * Yields the export line by line (each ends with "\n"): every checkpoint, then every event in
 * seq order, up to the chain's end when the export started. The reader must stay open while
 * the lines are consumed: iterate inside the withTenant callback. verifyAuditExport checks the
 * result with no database.
 *
 * @example
 * await db.withTenant(tenantId, async (scope) => {
 *   await pipeline(Readable.from(exportAuditLog(scope)), reply.raw); // or createWriteStream('audit.ndjson')
 * });
 */
export async function* exportAuditLog(reader: AuditReader, options: ExportAuditLogOptions = {}): AsyncGenerator<string, void, undefined> {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    throw auditErrors.create('AUDIT_QUERY_INVALID', { details: { field: 'pageSize', reason: 'an integer from 1 to 10,000' } });
  }
  // Checkpoints first, bounds after (see readBounds): a checkpoint past the events exported is
  // then a deleted tail, which the export shows instead of hiding.
  const checkpoints = await readCheckpoints(reader);
  const { upTo } = await readBounds(reader);
  for (const checkpoint of checkpoints) yield auditCheckpointLine(checkpoint);
  for await (const event of readEvents(reader, 0, upTo, pageSize)) yield auditEventLine(event);
}
