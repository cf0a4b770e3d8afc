// Operator routes that move a tenant's data (docs/mobility.md): export as an archive, import an
// archive into a new tenant, backups and restore, retention policies, erasure and its
// certificate. The library does the work; these translate HTTP and record who asked.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from 'tenantry';
import type { TenantRegistry } from 'tenantry/control';
import {
  applyRetention, createTenantBackups, eraseTenant, exportTenant, importTenant, mobilityErrors, retentionPolicies, RETENTION_DATA_CLASSES,
  setRetentionPolicy, tryGetErasureCertificate, type BackupInfo, type BackupStore,
} from 'tenantry/mobility';
import type { SqlPool, TenantDatabase } from 'tenantry/postgres';
import { operatorAuthorOf } from '../http/principal.js';
import { IdParams, OPERATOR_SECURITY, strictObject } from './schemas.js';

/** What the mobility routes need; `backups` absent: the backup routes answer 404 BACKUP_NOT_FOUND for every id and list nothing. */
export interface MobilityApi {
  /** The app-role pool: exports read a snapshot under the tenant's row-level policy. */
  readonly app: SqlPool;
  readonly backups?: BackupStore;
  /** Signs archives and backups (HMAC of the manifest); an import must present the same key. */
  readonly archiveKey?: Buffer;
  /** Days between deletion and erasure. */
  readonly erasureGraceDays: number;
  /** Largest archive an import accepts, in bytes. */
  readonly maxImportBytes: number;
}

interface Deps {
  readonly registry: TenantRegistry;
  readonly db: TenantDatabase;
  readonly operator: SqlPool;
  readonly clock: Clock;
  readonly mobility: MobilityApi;
}

const tags = ['mobility'];
type ById = { Params: Static<typeof IdParams> };
const Backup = strictObject({
  id: Type.String(), tenantId: Type.String({ format: 'uuid' }), createdAt: Type.String({ format: 'date-time' }), bytes: Type.Integer(),
  sha256: Type.String(), residency: Type.String(), reason: Type.Union([Type.Literal('scheduled'), Type.Literal('on-demand'), Type.Literal('safety')]),
});
const BackupParams = strictObject({ id: IdParams.properties.id, backupId: Type.String({ pattern: '^[0-9]{8}T[0-9]{9}Z-[0-9a-f]{8}$' }) });
const ImportResult = strictObject({
  sourceTenant: Type.String({ format: 'uuid' }), rows: Type.Record(Type.String(), Type.Integer()), auditEvents: Type.Integer(),
  safetyBackup: Type.Optional(Backup),
});
const DataClass = Type.Union(RETENTION_DATA_CLASSES.map((c) => Type.Literal(c)));
const Policies = strictObject({ items: Type.Array(strictObject({ dataClass: DataClass, keepDays: Type.Integer(), source: Type.Union([Type.Literal('plan'), Type.Literal('tenant')]) })) });
const PolicyBody = strictObject({ dataClass: DataClass, keepDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'Absent: the tenant\'s override is removed (its plan\'s policy applies again).' })) });
const Certificate = strictObject({ certificate: Type.Record(Type.String(), Type.Unknown()), sha256: Type.String() });
const RunBody = strictObject({ id: Type.String({ format: 'uuid' }), deleted: Type.Record(Type.String(), Type.Record(Type.String(), Type.Integer())) });

const toBackup = (b: BackupInfo): Static<typeof Backup> => ({ ...b });

/**
 * @example registerMobilityRoutes(operatorScope, { registry, db, operator, clock, mobility }); // POST /v1/tenants/:id/export
 */
export function registerMobilityRoutes(app: FastifyInstance, deps: Deps): void {
  const { registry, db, operator, clock, mobility } = deps;
  const key = mobility.archiveKey === undefined ? {} : { key: mobility.archiveKey };
  const backups = mobility.backups === undefined ? undefined : createTenantBackups({ app: mobility.app, db, operator, store: mobility.backups, clock, ...key });
  const needBackups = () => {
    if (backups === undefined) throw mobilityErrors.create('BACKUP_NOT_FOUND', { details: { reason: 'no backup location is configured (TENANTRY_BACKUP_DIR)' } });
    return backups;
  };

  // A gzip body is handed to the route as the request stream, never buffered.
  app.addContentTypeParser('application/gzip', (_request, payload, done) => done(null, payload));

  app.post<ById>('/tenants/:id/export', {
    schema: {
      tags, summary: 'Export the tenant\'s whole data as a checksummed archive (.tar.gz)', operationId: 'exportTenant', security: OPERATOR_SECURITY, params: IdParams,
      response: { 200: { content: { 'application/gzip': { schema: Type.String({ format: 'binary' }) } } } },
    },
  }, async (request, reply) => {
    const tenant = await registry.get(request.params.id);
    // The archive is written to a temporary file first, then sent: whatever fails, fails with
    // its status before the first byte (never a cut-off 200), and memory stays flat.
    const dir = await mkdtemp(join(tmpdir(), 'tenantry-export-http-'));
    const path = join(dir, 'archive.tar.gz');
    try {
      await exportTenant({ app: mobility.app, operator, tenantId: tenant.id, out: createWriteStream(path), actor: operatorAuthorOf(request).actor, clock, ...key });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const body = createReadStream(path);
    body.once('close', () => void rm(dir, { recursive: true, force: true }));
    return reply.type('application/gzip').header('content-disposition', `attachment; filename="${tenant.slug}.tar.gz"`).send(body);
  });

  app.post<ById & { Body: Readable }>('/tenants/:id/import', {
    schema: {
      tags, summary: 'Import an archive into this tenant, which must hold no data yet; all or nothing', operationId: 'importTenant', security: OPERATOR_SECURITY, params: IdParams,
      consumes: ['application/gzip'],
      response: { 200: ImportResult },
    },
  }, async (request) => {
    const tenant = await registry.get(request.params.id);
    // Only the gzip parser above hands over a stream; no body, or JSON, is not an archive.
    if (!(request.body instanceof Readable)) throw mobilityErrors.create('ARCHIVE_INVALID', { details: { reason: 'send the archive as the body, with content-type application/gzip' } });
    const result = await importTenant({ db, input: request.body, into: tenant.id, actor: operatorAuthorOf(request).actor, clock, maxArchiveBytes: mobility.maxImportBytes, ...key });
    return { sourceTenant: result.source.id, rows: result.rows, auditEvents: result.auditEvents };
  });

  app.get<ById>('/tenants/:id/backups', {
    schema: { tags, summary: 'The tenant\'s backups, newest first', operationId: 'listBackups', security: OPERATOR_SECURITY, params: IdParams, response: { 200: strictObject({ items: Type.Array(Backup) }) } },
  }, async (request) => {
    const tenant = await registry.get(request.params.id);
    return { items: backups === undefined ? [] : (await backups.list(tenant.id)).map(toBackup) };
  });

  app.post<ById>('/tenants/:id/backups', {
    schema: { tags, summary: 'Back up the tenant now (the export format, to the configured location)', operationId: 'createBackup', security: OPERATOR_SECURITY, params: IdParams, response: { 201: Backup } },
  }, async (request, reply) => {
    const tenant = await registry.get(request.params.id);
    return reply.code(201).send(toBackup(await needBackups().backup(tenant.id, { actor: operatorAuthorOf(request).actor })));
  });

  app.post<{ Params: Static<typeof BackupParams> }>('/tenants/:id/backups/:backupId/restore', {
    schema: {
      tags, summary: 'Replace the tenant\'s data with a backup\'s, after a safety backup; other tenants are untouched', operationId: 'restoreBackup', security: OPERATOR_SECURITY,
      params: BackupParams, response: { 200: ImportResult },
    },
  }, async (request) => {
    const tenant = await registry.get(request.params.id);
    const result = await needBackups().restore(tenant.id, request.params.backupId, { actor: operatorAuthorOf(request).actor });
    return { sourceTenant: result.source.id, rows: result.rows, auditEvents: result.auditEvents, safetyBackup: toBackup(result.safetyBackup) };
  });

  app.get<ById>('/tenants/:id/retention', {
    schema: { tags, summary: 'The retention policies in force for the tenant', operationId: 'getRetention', security: OPERATOR_SECURITY, params: IdParams, response: { 200: Policies } },
  }, async (request) => {
    const tenant = await registry.get(request.params.id);
    return { items: await retentionPolicies(operator, tenant.id) };
  });

  app.put<ById & { Body: Static<typeof PolicyBody> }>('/tenants/:id/retention', {
    schema: { tags, summary: 'Set (or clear) the tenant\'s retention for one data class', operationId: 'setRetention', security: OPERATOR_SECURITY, params: IdParams, body: PolicyBody, response: { 200: Policies } },
  }, async (request) => {
    const tenant = await registry.get(request.params.id);
    await setRetentionPolicy(operator, { tenantId: tenant.id }, request.body.dataClass, request.body.keepDays ?? null, clock, operatorAuthorOf(request).actor);
    return { items: await retentionPolicies(operator, tenant.id) };
  });

  app.post('/retention/runs', {
    schema: { tags, summary: 'Run the retention job now over every tenant with a policy', operationId: 'runRetention', security: OPERATOR_SECURITY, response: { 200: RunBody } },
  }, async (request) => applyRetention({ operator, clock, actor: operatorAuthorOf(request).actor, ...(mobility.backups === undefined ? {} : { backups: mobility.backups }) }));

  app.post<ById>('/tenants/:id/erasure', {
    schema: {
      tags, summary: 'Erase a deleted tenant after its grace period; answers its certificate of erasure', operationId: 'eraseTenant', security: OPERATOR_SECURITY, params: IdParams,
      response: { 201: Certificate },
    },
  }, async (request, reply) => {
    const tenant = await registry.get(request.params.id, { deleted: 'include' });
    const result = await eraseTenant({ operator, tenantId: tenant.id, graceDays: mobility.erasureGraceDays, actor: operatorAuthorOf(request).actor, clock, ...(mobility.backups === undefined ? {} : { backups: [mobility.backups] }) });
    return reply.code(201).send(result);
  });

  app.get<ById>('/tenants/:id/erasure-certificate', {
    schema: { tags, summary: 'The certificate of erasure of an erased tenant', operationId: 'getErasureCertificate', security: OPERATOR_SECURITY, params: IdParams, response: { 200: Certificate } },
  }, async (request) => {
    const tenant = await registry.get(request.params.id, { deleted: 'include' });
    const found = await tryGetErasureCertificate(operator, tenant.id);
    if (found === undefined) throw mobilityErrors.create('ERASURE_CERTIFICATE_NOT_FOUND');
    return found;
  });
}
