// Operator routes for a tenant's subscription: start it, change its plan (a dearer plan now,
// prorated; any other at the period's end), cancel it (at the period's end or now). Each change
// is recorded in the tenant's audit log by the billing service, in the change's transaction.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Billing } from 'tenantry/billing';
import { operatorAuthorOf } from '../http/principal.js';
import { SubscriptionBody } from './billing-schemas.js';
import { DateTime, IdParams, OPERATOR_SECURITY, strictObject } from './schemas.js';

const Plan = Type.String({ minLength: 1, maxLength: 64 });
const Start = strictObject({ plan: Plan, trialEnd: Type.Optional(DateTime) });
const Change = strictObject({ plan: Plan });
const Cancel = strictObject({ mode: Type.Union([Type.Literal('period_end'), Type.Literal('now')], { description: 'period_end (default): at the end of the paid period; now: at once, the unused part credited.' }) });
const tags = ['billing'];
const security = OPERATOR_SECURITY;

/** @example registerSubscriptionRoutes(operatorScope, deps.billing); // /v1/tenants/:id/subscription … */
export function registerSubscriptionRoutes(app: FastifyInstance, billing: Billing): void {
  app.get<{ Params: Static<typeof IdParams> }>('/tenants/:id/subscription', {
    schema: { tags, security, summary: 'A tenant\'s subscription', operationId: 'getSubscription', params: IdParams, response: { 200: SubscriptionBody } },
  }, async (request) => billing.subscriptions.get(request.params.id));
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Start> }>('/tenants/:id/subscription', {
    schema: { tags, security, summary: 'Start a tenant\'s subscription (optionally with a trial)', operationId: 'startSubscription', params: IdParams, body: Start, response: { 201: SubscriptionBody } },
  }, async (request, reply) => {
    const { plan, trialEnd } = request.body;
    return reply.code(201).send(await billing.subscriptions.start(request.params.id, { plan, ...(trialEnd === undefined ? {} : { trialEnd: new Date(trialEnd) }) }, operatorAuthorOf(request)));
  });
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Change> }>('/tenants/:id/subscription/plan', {
    schema: { tags, security, summary: 'Change the plan: an upgrade now (prorated to the second), a downgrade at the period end', operationId: 'changeSubscriptionPlan', params: IdParams, body: Change, response: { 200: SubscriptionBody } },
  }, async (request) => billing.subscriptions.changePlan(request.params.id, request.body.plan, operatorAuthorOf(request)));
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof Cancel> }>('/tenants/:id/subscription/cancel', {
    schema: { tags, security, summary: 'Cancel the subscription at the period end or now', operationId: 'cancelSubscription', params: IdParams, body: Cancel, response: { 200: SubscriptionBody } },
  }, async (request) => billing.subscriptions.cancel(request.params.id, request.body.mode, operatorAuthorOf(request)));
}
