// `tenantry export | import | backup | restore | retention apply | erase`: a tenant's data as a
// verified archive, its backups, retention and erasure (docs/mobility.md). Each writes the same
// audit records as the HTTP routes; the archive file is written under `.partial` and renamed
// when complete, so an interrupted export leaves no file that looks whole.
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { coreErrors } from 'tenantry';
import { applyRetention, createTenantBackups, directoryBackupStore, eraseTenant, exportTenant, importTenant, type BackupStore } from 'tenantry/mobility';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

/** The archive key: `--key-file` (base64 in a file) or TENANTRY_ARCHIVE_KEY. */
async function archiveKey(ctx: CliContext, file: string | undefined): Promise<{ key?: Buffer }> {
  const text = file === undefined ? ctx.config().archiveKey : (await readFile(file, 'utf8')).trim();
  return text === undefined ? {} : { key: Buffer.from(text, 'base64') };
}

function backupStore(ctx: CliContext, dir: string | undefined): BackupStore {
  const config = ctx.config();
  const at = dir ?? config.backupDir;
  if (at === undefined) throw coreErrors.create('CONFIG_INVALID', { details: { path: 'TENANTRY_BACKUP_DIR', reason: 'no backup location: pass --dir or set TENANTRY_BACKUP_DIR' } });
  return directoryBackupStore({ dir: at, residency: config.backupResidency });
}

/** @example registerMobility(program, ctx); */
export function registerMobility(program: Command, ctx: CliContext): void {
  program
    .command('export <tenant>')
    .description('export a tenant\'s whole data as one checksummed archive (.tar.gz), from one snapshot')
    .option('--out <file>', 'where to write it (default: <slug>.tar.gz)')
    .option('--key-file <file>', 'sign the manifest with this base64 key (default: TENANTRY_ARCHIVE_KEY)')
    .action(async (ref: string, opts: { out?: string; keyFile?: string }) => {
      const key = await archiveKey(ctx, opts.keyFile);
      const result = await withDatabase(ctx, async ({ registry, app, operator, clock }) => {
        const tenant = await findTenant(registry, ref);
        const out = opts.out ?? `${tenant.slug}.tar.gz`;
        const partial = `${out}.partial`;
        try {
          const { manifest, archive } = await exportTenant({
            app, operator, tenantId: tenant.id, out: createWriteStream(partial), actor: CLI_AUTHOR.actor, clock, ...key,
            // A progress line per table on a terminal; nothing in a pipe.
            ...(ctx.io.progress === true ? { onProgress: (p: { table: string; done: number; total: number; rows: number }) => ctx.io.err(`[${p.done}/${p.total}] ${p.table}: ${p.rows} rows\n`) } : {}),
          });
          await rename(partial, out);
          return { file: out, tables: manifest.tables.length, rows: manifest.tables.reduce((n, t) => n + t.rows, 0), ...archive };
        } catch (err) {
          await rm(partial, { force: true });
          throw err;
        }
      });
      ctx.io.out(toJson(result));
    });

  program
    .command('import <archive>')
    .description('import an archive into a tenant that holds no data yet (create it first); verified, all or nothing')
    .requiredOption('--into <tenant>', 'the target tenant (id or slug)')
    .option('--key-file <file>', 'the key the archive was signed with (default: TENANTRY_ARCHIVE_KEY)')
    .action(async (file: string, opts: { into: string; keyFile?: string }) => {
      const key = await archiveKey(ctx, opts.keyFile);
      const result = await withDatabase(ctx, async ({ registry, db, clock }) => {
        const tenant = await findTenant(registry, opts.into);
        return importTenant({ db, input: createReadStream(file), into: tenant.id, actor: CLI_AUTHOR.actor, clock, ...key });
      });
      ctx.io.out(toJson({ sourceTenant: result.source.id, rows: result.rows, auditEvents: result.auditEvents }));
    });

  program
    .command('backup <tenant>')
    .description('back up one tenant now (the export format) to --dir or TENANTRY_BACKUP_DIR')
    .option('--dir <dir>', 'the backup directory')
    .action(async (ref: string, opts: { dir?: string }) => {
      const store = backupStore(ctx, opts.dir);
      const key = await archiveKey(ctx, undefined);
      const info = await withDatabase(ctx, async ({ registry, app, db, operator, clock }) => {
        const tenant = await findTenant(registry, ref);
        return createTenantBackups({ app, db, operator, store, clock, ...key }).backup(tenant.id, { actor: CLI_AUTHOR.actor });
      });
      ctx.io.out(toJson(info));
    });

  program
    .command('restore <tenant>')
    .description('replace one tenant\'s data with a backup\'s, after a safety backup; other tenants are untouched')
    .requiredOption('--from <backup-id>', 'the backup (see `tenantry backup`)')
    .option('--dir <dir>', 'the backup directory')
    .action(async (ref: string, opts: { from: string; dir?: string }) => {
      const store = backupStore(ctx, opts.dir);
      const key = await archiveKey(ctx, undefined);
      const result = await withDatabase(ctx, async ({ registry, app, db, operator, clock }) => {
        const tenant = await findTenant(registry, ref);
        return createTenantBackups({ app, db, operator, store, clock, ...key }).restore(tenant.id, opts.from, { actor: CLI_AUTHOR.actor });
      });
      ctx.io.out(toJson({ rows: result.rows, safetyBackup: result.safetyBackup.id }));
    });

  program
    .command('retention')
    .description('retention of usage events, activity and backups (docs/mobility.md)')
    .command('apply')
    .description('run the retention job once (schedule it, e.g. from cron)')
    .option('--dir <dir>', 'the backup directory, to apply the backups class too')
    .action(async (opts: { dir?: string }) => {
      const dir = opts.dir ?? ctx.config().backupDir;
      const run = await withDatabase(ctx, ({ operator, clock }) => applyRetention({
        operator, clock, actor: CLI_AUTHOR.actor, ...(dir === undefined ? {} : { backups: backupStore(ctx, dir) }),
      }));
      ctx.io.out(toJson(run));
    });

  program
    .command('erase <tenant>')
    .description('erase a deleted tenant after its grace period and print its certificate of erasure')
    .option('--dir <dir>', 'the backup directory to empty of its backups')
    .action(async (ref: string, opts: { dir?: string }) => {
      const dir = opts.dir ?? ctx.config().backupDir;
      const certificate = await withDatabase(ctx, async ({ registry, operator, clock }) => {
        const tenant = await findTenant(registry, ref, { deleted: 'include' });
        return eraseTenant({
          operator, tenantId: tenant.id, graceDays: ctx.config().erasureGraceDays, actor: CLI_AUTHOR.actor, clock,
          ...(dir === undefined ? {} : { backups: [backupStore(ctx, dir)] }),
        });
      });
      ctx.io.out(toJson(certificate));
    });
}
