// `tenantry audit verify`: checks every tenant's audit chain (or one tenant's) against its
// hashes and signed checkpoints, and exits 1 naming the first broken link of each broken chain.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock, type Tenant } from 'tenantry';
import { auditErrors, createAuditCheckpoint, verifyAuditChain, withAuditOperator, type AuditSigningKey, type AuditVerification, type AuditVerificationKey } from 'tenantry/audit';
import type { TenantRegistry } from 'tenantry/control';
import { recordOperatorAction } from 'tenantry/health';
import { CLI_AUTHOR } from './cli-author.js';
import type { CliContext } from './context.js';
import { toJson } from './output.js';
import { findTenant } from './tenant-ref.js';
import { withDatabase } from './with-database.js';

/** Splits `<keyId>:<file>` and reads the file: a PEM key, or a base64 HMAC secret. */
function readKeySpec(spec: string): { keyId: string; pem: string | undefined; secret: Buffer } {
  const at = spec.indexOf(':');
  if (at < 1) throw auditErrors.create('AUDIT_KEY_INVALID', { details: { reason: 'use --key <keyId>:<file>' } });
  const text = readFileSync(spec.slice(at + 1), 'utf8').trim();
  return { keyId: spec.slice(0, at), pem: text.startsWith('-----BEGIN') ? text : undefined, secret: Buffer.from(text, 'base64') };
}

/** A checkpoint verification key: a PEM public key (Ed25519) or a base64 secret (HMAC). */
function readKey(spec: string): AuditVerificationKey {
  const { keyId, pem, secret } = readKeySpec(spec);
  return pem ? { keyId, algorithm: 'ed25519', publicKey: createPublicKey(pem) } : { keyId, algorithm: 'hmac-sha256', secret };
}

/** A checkpoint signing key: a PEM private key (Ed25519) or a base64 secret (HMAC). */
function readSigningKey(spec: string): AuditSigningKey {
  const { keyId, pem, secret } = readKeySpec(spec);
  return pem ? { keyId, algorithm: 'ed25519', privateKey: createPrivateKey(pem) } : { keyId, algorithm: 'hmac-sha256', secret };
}

/** Every tenant with an audit log: the live ones and the deleted ones (their logs are kept). */
async function everyTenant(registry: TenantRegistry): Promise<Tenant[]> {
  const all: Tenant[] = [];
  for (const status of [undefined, 'deleted'] as const) {
    let cursor: string | undefined;
    do {
      const page = await registry.list({ limit: 500, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
      all.push(...page.tenants);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return all;
}

function describe(tenant: Tenant, result: AuditVerification): string {
  if (result.ok) return `ok      ${tenant.slug}  ${result.events} events, checkpoint at ${result.checkpointSeq}`;
  const b = result.break;
  return `BROKEN  ${tenant.slug}  ${b.kind} at seq ${b.seq}${b.toSeq === b.seq ? '' : `–${b.toSeq}`} (${b.evidence}): ${b.description}`;
}

/** @example registerAudit(program, ctx); */
export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description("verify tenants' tamper-evident audit logs");
  audit
    .command('verify')
    .description('verify audit chains; exits 1 when one is broken (edited, deleted, reordered, inserted or truncated events)')
    .option('--tenant <id-or-slug>', 'only this tenant')
    .option('--key <keyId:file...>', 'checkpoint verification keys: PEM public key (Ed25519) or base64 secret (HMAC)')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { tenant?: string; key?: string[]; json?: true }) => {
      const keys = (opts.key ?? []).map(readKey);
      const results = await withDatabase(ctx, async ({ registry, operator }) => {
        const tenants = opts.tenant ? [await findTenant(registry, opts.tenant, { deleted: 'include' })] : await everyTenant(registry);
        const out: { tenant: Tenant; result: AuditVerification }[] = [];
        for (const tenant of tenants) {
          // Recorded before anything is read, like the HTTP route (audit.verify in operator_actions).
          await recordOperatorAction(operator, systemClock, CLI_AUTHOR, { action: 'audit.verify', subjectTenant: tenant.id });
          out.push({ tenant, result: await withAuditOperator(operator, tenant.id, (tx) => verifyAuditChain(tx, { keys })) });
        }
        return out;
      });
      if (opts.json) ctx.io.out(toJson(results.map(({ tenant, result }) => ({ tenant: { id: tenant.id, slug: tenant.slug }, ...result }))));
      else ctx.io.out(results.map(({ tenant, result }) => describe(tenant, result)).join('\n') + (results.length ? '\n' : 'no tenants\n'));
      const broken = results.filter(({ result }) => !result.ok).length;
      if (broken > 0) throw auditErrors.create('AUDIT_CHAIN_BROKEN', { details: { brokenChains: broken } });
    });
  audit
    .command('checkpoint')
    .description('sign the head of every live tenant\'s audit chain (or one tenant\'s): run it periodically, e.g. from cron')
    .requiredOption('--key <keyId:file>', 'signing key: PEM private key (Ed25519) or base64 secret (HMAC); never stored')
    .option('--verify-key <keyId:file...>', 'keys of earlier checkpoints, when the signing key was rotated')
    .option('--tenant <id-or-slug>', 'only this tenant')
    .option('--json', 'print the checkpoints as JSON')
    .action(async (opts: { key: string; verifyKey?: string[]; tenant?: string; json?: true }) => {
      const key = readSigningKey(opts.key);
      const verificationKeys = (opts.verifyKey ?? []).map(readKey);
      const signed = await withDatabase(ctx, async ({ registry, operator, clock }) => {
        const tenants = opts.tenant ? [await findTenant(registry, opts.tenant)] : await everyTenant(registry);
        const out: { slug: string; seq: number }[] = [];
        // A broken chain stops the run (AUDIT_CHAIN_BROKEN): it is never signed over.
        for (const tenant of tenants) out.push({ slug: tenant.slug, seq: (await createAuditCheckpoint({ operator, tenantId: tenant.id, key, verificationKeys, clock })).seq });
        return out;
      });
      ctx.io.out(opts.json ? toJson(signed) : signed.map((c) => `signed  ${c.slug}  head at seq ${c.seq}`).join('\n') + (signed.length ? '\n' : 'no tenants\n'));
    });
}
