// The tenant's own view of its billing, through the app role under row-level security: what a
// tenant route serves. The operator's view (any tenant) is `billing.invoices`.
import type { TenantId } from '../core/index.js';
import type { TenantDatabase } from '../postgres/index.js';
import { unguardedQuery } from '../postgres/internal.js';
import { readInvoice, readInvoices, readSubscription, toSubscription, type InvoiceStatus, type StoredInvoice, type Subscription } from './billing-sql.js';
import { billingErrors } from './errors.js';

export interface TenantBillingReader {
  subscription(tenantId: TenantId | string): Promise<Subscription | undefined>;
  invoices(tenantId: TenantId | string, options?: { readonly limit?: number; readonly status?: InvoiceStatus }): Promise<StoredInvoice[]>;
  /** The invoice, or INVOICE_NOT_FOUND (also for another tenant's: row-level security hides it). */
  invoice(tenantId: TenantId | string, invoiceId: string): Promise<StoredInvoice>;
}

/** @example const reader = tenantBillingReader(db); await reader.invoices(tenantId); */
export function tenantBillingReader(db: TenantDatabase): TenantBillingReader {
  return {
    subscription: (tenantId) => db.withTenant(tenantId, async (scope) => {
      const row = await readSubscription(unguardedQuery(scope), scope.tenantId);
      return row ? toSubscription(row) : undefined;
    }),
    invoices: (tenantId, options = {}) => db.transaction(tenantId, (scope) => readInvoices(unguardedQuery(scope), scope.tenantId, options)),
    invoice: (tenantId, invoiceId) => db.transaction(tenantId, async (scope) => {
      const invoice = await readInvoice(unguardedQuery(scope), scope.tenantId, String(invoiceId).toLowerCase());
      if (!invoice) throw billingErrors.create('INVOICE_NOT_FOUND');
      return invoice;
    }),
  };
}
