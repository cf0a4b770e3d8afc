// The quota capability: a plan catalog (limits, features, prices), quota checks with
// reservations against hard limits, soft-limit warnings, idempotent usage metering, usage
// reports and history, usage alerts with an injected sender, per-tenant overrides by operators,
// and the billing export (docs/quotas.md).
export { quotaErrors } from './errors.js';
export { definePlanCatalog, planFeatures, requireCatalogPlan } from './plan-catalog.js';
export type {
  Limit, LimitOption, MeterDefinition, MeterKind, MeterPrice, MeterPriceOption, Plan, PlanCatalog, PlanCatalogOptions, PlanOption, PlanPriceOption,
} from './plan-catalog.js';
export { parsePeriod, periodOf, shiftPeriod } from './period.js';
export type { Period } from './period.js';
export { createQuotas } from './quotas.js';
export { storageQuota } from './storage-quota.js';
export type { StorageQuota, StorageQuotaOptions } from './storage-quota.js';
export type { Quotas, QuotasOptions } from './quotas.js';
export type { QuotaScope, TenantLimits, UsageAlert } from './quota-sql.js';
export type { QuotaOutcome, QuotaWarning, Reservation } from './reservations.js';
export { MAX_USAGE_EVENTS } from './usage-events.js';
export type { RecordUsageResult, UsageEventInput } from './usage-events.js';
export { MAX_HISTORY_DAYS } from './usage-report.js';
export type { CountedLevels, MeterUsage, UsagePoint, UsageReport } from './usage-report.js';
export type { AlertSender } from './alert-delivery.js';
export { getQuotaOverrides, setQuotaOverrides } from './quota-overrides.js';
export type { QuotaOverrides, SetQuotaOverridesOptions } from './quota-overrides.js';
export { invoiceCsvRows, invoiceFor, CSV_HEADER } from './invoice.js';
export type { Invoice, InvoiceLine } from './invoice.js';
export { billingInvoices, billingPage, readPeriodUsage } from './billing-export.js';
export type { BillingPage, BillingPageOptions } from './billing-export.js';
