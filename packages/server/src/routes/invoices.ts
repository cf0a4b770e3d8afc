// Invoices: the operator's routes for any tenant (list, show, HTML, PDF, mark paid, void, credit
// note — each change audited by the billing service) and the tenant's own read routes, served
// through the app role under row-level security. HTML and PDF are in the tenant's branding.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireTenant } from 'tenantry';
import { billingErrors, renderInvoiceHtml, tenantBillingReader, type Billing, type StoredInvoice } from 'tenantry/billing';
import type { ApiDependencies } from '../http/api-dependencies.js';
import { renderInvoicePdf } from '../http/invoice-pdf.js';
import { operatorAuthorOf } from '../http/principal.js';
import { InvoiceBody, InvoiceList, InvoiceParams, InvoiceQuery, SubscriptionBody, TenantInvoiceParams } from './billing-schemas.js';
import { IdParams, OPERATOR_SECURITY, strictObject, TENANT_SECURITY } from './schemas.js';

const CreditNote = strictObject({
  amountMinor: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Default: all that is left of the invoice\'s subtotal (every line reversed).' })),
  reason: Type.String({ minLength: 1, maxLength: 200 }),
});
const Html = { 200: { content: { 'text/html': { schema: Type.String() } } } };
const Pdf = { 200: { content: { 'application/pdf': { schema: Type.String({ format: 'binary' }) } } } };
const tags = ['billing'];

/** What both renderings show of the tenant: its branding, and its name when the branding has none. */
async function lookOf(deps: ApiDependencies, tenantId: string) {
  const [branding, tenant] = await Promise.all([deps.control.branding.get(tenantId), deps.registry.get(tenantId)]);
  return { branding, tenantName: tenant.displayName };
}
const html = async (deps: ApiDependencies, tenantId: string, invoice: StoredInvoice): Promise<string> => renderInvoiceHtml(invoice, await lookOf(deps, tenantId));
const pdf = async (deps: ApiDependencies, tenantId: string, invoice: StoredInvoice): Promise<Buffer> => renderInvoicePdf(invoice, await lookOf(deps, tenantId));
/** Saved under its number by a browser. */
const pdfName = (invoice: StoredInvoice) => `attachment; filename="${invoice.displayNumber}.pdf"`;

/** @example registerInvoiceRoutes(operatorScope, deps, deps.billing); // GET /v1/tenants/:id/invoices … */
export function registerInvoiceRoutes(app: FastifyInstance, deps: ApiDependencies, billing: Billing): void {
  const security = OPERATOR_SECURITY;
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof InvoiceQuery> }>('/tenants/:id/invoices', {
    schema: { tags, security, summary: 'A tenant\'s invoices and credit notes, newest first', operationId: 'listInvoices', params: IdParams, querystring: InvoiceQuery, response: { 200: InvoiceList } },
  }, async (request) => ({ items: await billing.invoices.list(request.params.id, request.query) }));
  app.get<{ Params: Static<typeof InvoiceParams> }>('/tenants/:id/invoices/:invoiceId', {
    schema: { tags, security, summary: 'One invoice with its lines', operationId: 'getInvoice', params: InvoiceParams, response: { 200: InvoiceBody } },
  }, async (request) => billing.invoices.get(request.params.id, request.params.invoiceId));
  app.get<{ Params: Static<typeof InvoiceParams> }>('/tenants/:id/invoices/:invoiceId/html', {
    schema: { tags, security, summary: 'One invoice as HTML in the tenant\'s branding', operationId: 'getInvoiceHtml', params: InvoiceParams, response: Html },
  }, async (request, reply) => reply.type('text/html; charset=utf-8').send(await html(deps, request.params.id, await billing.invoices.get(request.params.id, request.params.invoiceId))));
  app.get<{ Params: Static<typeof InvoiceParams> }>('/tenants/:id/invoices/:invoiceId/pdf', {
    schema: { tags, security, summary: 'One invoice as a PDF in the tenant\'s branding', operationId: 'getInvoicePdf', params: InvoiceParams, response: Pdf },
  }, async (request, reply) => {
    const invoice = await billing.invoices.get(request.params.id, request.params.invoiceId);
    return reply.type('application/pdf').header('content-disposition', pdfName(invoice)).send(await pdf(deps, request.params.id, invoice));
  });
  app.post<{ Params: Static<typeof InvoiceParams> }>('/tenants/:id/invoices/:invoiceId/pay', {
    schema: { tags, security, summary: 'Mark an open invoice paid (restores a past-due subscription once nothing is open)', operationId: 'payInvoice', params: InvoiceParams, response: { 200: InvoiceBody } },
  }, async (request) => billing.invoices.markPaid(request.params.id, request.params.invoiceId, operatorAuthorOf(request)));
  app.post<{ Params: Static<typeof InvoiceParams> }>('/tenants/:id/invoices/:invoiceId/void', {
    schema: { tags, security, summary: 'Void an open invoice', operationId: 'voidInvoice', params: InvoiceParams, response: { 200: InvoiceBody } },
  }, async (request) => billing.invoices.void(request.params.id, request.params.invoiceId, operatorAuthorOf(request)));
  app.post<{ Params: Static<typeof InvoiceParams>; Body: Static<typeof CreditNote> }>('/tenants/:id/invoices/:invoiceId/credit-notes', {
    schema: { tags, security, summary: 'Issue a credit note against an invoice (corrections are never edits)', operationId: 'createCreditNote', params: InvoiceParams, body: CreditNote, response: { 201: InvoiceBody } },
  }, async (request, reply) => {
    const { amountMinor, reason } = request.body;
    return reply.code(201).send(await billing.invoices.creditNote(request.params.id, request.params.invoiceId, { reason, ...(amountMinor === undefined ? {} : { amountMinor }) }, operatorAuthorOf(request)));
  });
}

/** @example registerTenantInvoiceRoutes(tenantScope, deps); // GET /v1/tenant/invoices … */
export function registerTenantInvoiceRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const reader = tenantBillingReader(deps.db);
  const security = TENANT_SECURITY;
  const config = { access: 'usage:read' } as const;
  app.get('/subscription', {
    config,
    schema: { tags, security, summary: 'The tenant\'s subscription (404 SUBSCRIPTION_NOT_FOUND when it has none)', operationId: 'getOwnSubscription', response: { 200: SubscriptionBody } },
  }, async () => {
    const subscription = await reader.subscription(requireTenant().tenantId);
    if (!subscription) throw billingErrors.create('SUBSCRIPTION_NOT_FOUND');
    return subscription;
  });
  app.get<{ Querystring: Static<typeof InvoiceQuery> }>('/invoices', {
    config,
    schema: { tags, security, summary: 'The tenant\'s invoices and credit notes, newest first', operationId: 'listOwnInvoices', querystring: InvoiceQuery, response: { 200: InvoiceList } },
  }, async (request) => ({ items: await reader.invoices(requireTenant().tenantId, request.query) }));
  app.get<{ Params: Static<typeof TenantInvoiceParams> }>('/invoices/:invoiceId', {
    config,
    schema: { tags, security, summary: 'One of the tenant\'s invoices', operationId: 'getOwnInvoice', params: TenantInvoiceParams, response: { 200: InvoiceBody } },
  }, async (request) => reader.invoice(requireTenant().tenantId, request.params.invoiceId));
  app.get<{ Params: Static<typeof TenantInvoiceParams> }>('/invoices/:invoiceId/html', {
    config,
    schema: { tags, security, summary: 'One of the tenant\'s invoices as HTML in its branding', operationId: 'getOwnInvoiceHtml', params: TenantInvoiceParams, response: Html },
  }, async (request, reply) => {
    const { tenantId } = requireTenant();
    return reply.type('text/html; charset=utf-8').send(await html(deps, tenantId, await reader.invoice(tenantId, request.params.invoiceId)));
  });
  app.get<{ Params: Static<typeof TenantInvoiceParams> }>('/invoices/:invoiceId/pdf', {
    config,
    schema: { tags, security, summary: 'One of the tenant\'s invoices as a PDF in its branding', operationId: 'getOwnInvoicePdf', params: TenantInvoiceParams, response: Pdf },
  }, async (request, reply) => {
    const { tenantId } = requireTenant();
    const invoice = await reader.invoice(tenantId, request.params.invoiceId);
    return reply.type('application/pdf').header('content-disposition', pdfName(invoice)).send(await pdf(deps, tenantId, invoice));
  });
}
