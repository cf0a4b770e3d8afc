// The server's plan catalog: the built-in free / pro / enterprise plans, or a JSON file named by
// TENANTRY_PLANS_FILE (same shape, docs/quotas.md). Read and validated once at start: a typo in a
// limit or a float price stops the server with the path of the entry, not the first invoice.
import { readFileSync } from 'node:fs';
import { coreErrors } from 'tenantry';
import { definePlanCatalog, requireCatalogPlan, type PlanCatalog, type PlanCatalogOptions } from 'tenantry/quota';

/** The plans a fresh control plane offers. Prices in euro cents. */
export const DEFAULT_PLANS: PlanCatalogOptions = {
  meters: {
    members: { kind: 'level', unit: 'seats' },
    storageBytes: { kind: 'level', unit: 'bytes' },
    apiCalls: { kind: 'period', unit: 'requests' },
    apiRequestsPerMinute: { kind: 'rate', unit: 'requests/min' },
  },
  plans: {
    free: {
      limits: { members: 5, storageBytes: { hard: 1_000_000_000, soft: 800_000_000 }, apiCalls: { hard: 100_000, soft: 80_000 }, apiRequestsPerMinute: 60 },
      features: { sso: false, auditExport: false, customDomains: false },
      // docs/noisy-neighbours.md: the app role's 30 s / 5 s / 60 s stay the ceilings.
      database: { statementTimeoutMs: 10_000, idleInTransactionTimeoutMs: 30_000, weight: 1, maxConnections: 2 },
      price: { currency: 'EUR', baseMinor: 0 },
    },
    pro: {
      limits: { members: 50, storageBytes: { hard: 100_000_000_000, soft: 90_000_000_000 }, apiCalls: null, apiRequestsPerMinute: 600 },
      features: { sso: true, auditExport: true, customDomains: true },
      database: { statementTimeoutMs: 20_000, weight: 4 },
      price: {
        currency: 'EUR', baseMinor: 4900,
        meters: {
          apiCalls: { includedUnits: 1_000_000, unitPriceMinor: 5, perUnits: 1000 },
          storageBytes: { includedUnits: 50_000_000_000, unitPriceMinor: 2, perUnits: 1_000_000_000 },
        },
      },
    },
    enterprise: {
      limits: { members: null, storageBytes: null, apiCalls: null, apiRequestsPerMinute: 6000 },
      features: { sso: true, auditExport: true, customDomains: true },
      database: { weight: 10 },
      price: {
        currency: 'EUR', baseMinor: 49_900,
        meters: { apiCalls: { includedUnits: 50_000_000, unitPriceMinor: 3, perUnits: 1000 } },
      },
    },
  },
};

/**
 * @example const catalog = loadPlanCatalog(config.plansFile);
 */
export function loadPlanCatalog(file: string | undefined): PlanCatalog {
  if (file === undefined) return definePlanCatalog(DEFAULT_PLANS);
  let options: unknown;
  try {
    options = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw coreErrors.create('CONFIG_INVALID', { message: `TENANTRY_PLANS_FILE ${file} is not a readable JSON file.`, details: { path: 'TENANTRY_PLANS_FILE', reason: 'is not a readable JSON file' }, cause });
  }
  return definePlanCatalog(options as PlanCatalogOptions);
}

/**
 * The plan a new tenant gets: the one asked for, which must be in the catalog (else
 * QUOTA_PLAN_INVALID, before anything is written), or `free` when the catalog has it, else the
 * catalog's first plan — so a catalog without a `free` plan can still onboard without one.
 *
 * @example registry.create({ slug, plan: planForNewTenant(catalog, body.plan) });
 */
export function planForNewTenant(catalog: PlanCatalog, requested: string | undefined): string {
  if (requested !== undefined) return requireCatalogPlan(catalog, requested).name;
  return catalog.has('free') ? 'free' : (catalog.list()[0] as { name: string }).name;
}
