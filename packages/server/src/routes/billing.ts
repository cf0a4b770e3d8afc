// Operator route for the billing export: one invoice per tenant for a period, as JSON pages
// (cursor) or as one CSV streamed page by page. The first page is computed before anything is
// sent, so a bad period or a tenant on an unknown plan is a proper problem+json answer.
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from 'tenantry';
import { recordOperatorAction } from 'tenantry/health';
import { billingPage, CSV_HEADER, invoiceCsvRows, type BillingPage } from 'tenantry/quota';
import type { QuotaApi } from '../http/api-dependencies.js';
import { operatorAuthorOf } from '../http/principal.js';
import { OPERATOR_SECURITY, strictObject, Uuid } from './schemas.js';

const Query = strictObject({
  period: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'The calendar month (UTC), YYYY-MM.' }),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Tenants per page (JSON).' })),
  cursor: Type.Optional(Type.String({ format: 'uuid', description: 'The nextCursor of the previous page (JSON).' })),
});
const Line = strictObject({
  kind: Type.Union([Type.Literal('base'), Type.Literal('overage')]), meter: Type.Union([Type.Null(), Type.String()]),
  quantity: Type.Integer(), includedUnits: Type.Integer(), overageUnits: Type.Integer(), unitPriceMinor: Type.Integer(), perUnits: Type.Integer(),
  amountMinor: Type.Integer({ description: 'Minor currency units (cents).' }),
});
const Invoice = strictObject({
  tenantId: Uuid, slug: Type.String(), plan: Type.String(), period: Type.String(), currency: Type.String(), lines: Type.Array(Line), totalMinor: Type.Integer(),
});
const Page = strictObject({ period: Type.String(), items: Type.Array(Invoice), nextCursor: Type.Union([Type.Null(), Uuid]) });
const CSV_PAGE = 200;

/**
 * @example registerBillingRoutes(operatorScope, deps.quota, clock); // GET /v1/billing/export?period=2026-11&format=csv
 */
export function registerBillingRoutes(app: FastifyInstance, { quotas, operator }: QuotaApi, clock: Clock): void {
  const { catalog } = quotas;
  app.get<{ Querystring: Static<typeof Query> }>('/billing/export', {
    schema: {
      tags: ['billing'], security: OPERATOR_SECURITY, operationId: 'exportBilling', querystring: Query,
      summary: 'Invoice lines per tenant for a period: plan price, included units and overage, in minor units',
      response: { 200: { content: { 'application/json': { schema: Page }, 'text/csv': { schema: Type.String() } } } },
    },
  }, async (request, reply) => {
    const { period, format = 'json', limit, cursor } = request.query;
    // Every tenant's usage, read through the operator role: recorded before anything is read.
    await recordOperatorAction(operator, clock, operatorAuthorOf(request), { action: 'billing.export', details: { period, format, ...(cursor === undefined ? {} : { cursor }) } });
    if (format === 'json') {
      return reply.type('application/json').send(await billingPage(operator, catalog, { period, ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) }));
    }
    const first = await billingPage(operator, catalog, { period, limit: CSV_PAGE });
    async function* csv(): AsyncGenerator<string> {
      yield `${CSV_HEADER}\r\n`;
      let page: BillingPage = first;
      for (;;) {
        for (const invoice of page.items) yield invoiceCsvRows(invoice);
        if (page.nextCursor === null) return;
        page = await billingPage(operator, catalog, { period, limit: CSV_PAGE, cursor: page.nextCursor });
      }
    }
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="billing-${period}.csv"`).send(Readable.from(csv()));
  });
}
