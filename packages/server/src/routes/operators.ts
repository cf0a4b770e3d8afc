// Operator routes for platform staff accounts: list, create, disable and enable operators, and
// list, issue, revoke and rotate their API tokens. Each change is recorded in operator_actions
// (no tenant's log: an operator belongs to none); a token is shown once, only its hash is kept.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from 'tenantry';
import { controlErrors, type Operators } from 'tenantry/control';
import { recordOperatorAction, type OperatorAction } from 'tenantry/health';
import type { SqlPool } from 'tenantry/postgres';
import { operatorAuthorOf } from '../http/principal.js';
import { DateTime, emptyBodyAsObject, OPERATOR_SECURITY, strictObject } from './schemas.js';

const RecordId = Type.String({ minLength: 1, maxLength: 64 });
const OperatorBody = strictObject({
  id: Type.String(), email: Type.String(), displayName: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'A disabled operator\'s tokens and impersonation sessions stop working at once.' }),
  createdAt: DateTime, updatedAt: DateTime,
});
const TokenBody = strictObject({
  id: Type.String(), operatorId: Type.String(), name: Type.String(),
  prefix: Type.String({ description: '`tnt_op_<public id>`: tells tokens apart without revealing them.' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
  createdAt: DateTime, expiresAt: Type.Optional(DateTime), lastUsedAt: Type.Optional(DateTime), revokedAt: Type.Optional(DateTime),
});
const Issued = strictObject({
  token: Type.String({ description: 'Shown once: send it as `Authorization: Bearer <token>`. Only its hash is stored.' }),
  info: TokenBody,
});
const CreateOperator = strictObject({
  email: Type.String({ minLength: 3, maxLength: 320 }),
  displayName: Type.String({ minLength: 1, maxLength: 200 }),
  tokenName: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Name of the first token (default "first token").' })),
});
const CreateToken = strictObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  expiresAt: Type.Optional(DateTime),
});
const RotateToken = strictObject({ expiresAt: Type.Optional(DateTime) });
const OperatorParams = strictObject({ operatorId: RecordId });
const TokenParams = strictObject({ operatorId: RecordId, tokenId: RecordId });

const tags = ['operators'];
const security = OPERATOR_SECURITY;

export interface OperatorRouteDependencies {
  readonly operators: Operators;
  /** The operator-role pool, where each change is recorded (operator_actions). */
  readonly operator: SqlPool;
  readonly clock?: Clock;
}

/**
 * @example registerOperatorRoutes(operatorScope, { operators: control.operators, operator, clock }); // GET /v1/operators …
 */
export function registerOperatorRoutes(app: FastifyInstance, deps: OperatorRouteDependencies): void {
  const { operators, operator } = deps;
  const clock = deps.clock ?? systemClock;
  const record = (request: FastifyRequest, action: OperatorAction) => recordOperatorAction(operator, clock, operatorAuthorOf(request), action);
  // A token of another operator named under this one is not found: ids in the path must agree.
  const tokenOf = async (operatorId: string, tokenId: string) => {
    const token = (await operators.listTokens(operatorId)).find((t) => t.id === tokenId);
    if (!token) throw controlErrors.create('OPERATOR_TOKEN_NOT_FOUND');
    return token;
  };

  app.get('/operators', {
    schema: { tags, security, summary: 'List operators (platform staff), by email', operationId: 'listOperators', response: { 200: strictObject({ items: Type.Array(OperatorBody) }) } },
  }, async () => ({ items: await operators.list() }));

  app.post<{ Body: Static<typeof CreateOperator> }>('/operators', {
    schema: { tags, security, summary: 'Create an operator and its first API token (shown once)', operationId: 'createOperator', body: CreateOperator, response: { 201: strictObject({ operator: OperatorBody, token: Type.String(), info: TokenBody }) } },
  }, async (request, reply) => {
    const created = await operators.create({ email: request.body.email, displayName: request.body.displayName });
    const issued = await operators.createToken(created.id, { name: request.body.tokenName ?? 'first token' });
    await record(request, { action: 'operator.create', details: { operatorId: created.id, email: created.email, tokenId: issued.info.id } });
    return reply.code(201).send({ operator: created, ...issued });
  });

  for (const [action, summary] of [['disable', 'Disable an operator: all of its tokens stop working at once'], ['enable', 'Enable a disabled operator again']] as const) {
    app.post<{ Params: Static<typeof OperatorParams> }>(`/operators/:operatorId/${action}`, {
      schema: { tags, security, summary, operationId: `${action}Operator`, params: OperatorParams, response: { 200: OperatorBody } },
    }, async (request) => {
      const changed = await operators[action](request.params.operatorId);
      await record(request, { action: `operator.${action}`, details: { operatorId: changed.id, email: changed.email } });
      return changed;
    });
  }

  app.get<{ Params: Static<typeof OperatorParams> }>('/operators/:operatorId/tokens', {
    schema: { tags, security, summary: 'List an operator\'s tokens, newest first (never the token itself)', operationId: 'listOperatorTokens', params: OperatorParams, response: { 200: strictObject({ items: Type.Array(TokenBody) }) } },
  }, async (request) => ({ items: await operators.listTokens(request.params.operatorId) }));

  app.post<{ Params: Static<typeof OperatorParams>; Body: Static<typeof CreateToken> }>('/operators/:operatorId/tokens', {
    schema: { tags, security, summary: 'Issue an API token for an operator (shown once)', operationId: 'createOperatorToken', params: OperatorParams, body: CreateToken, response: { 201: Issued } },
  }, async (request, reply) => {
    const { name, expiresAt } = request.body;
    const issued = await operators.createToken(request.params.operatorId, { name, ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }) });
    await record(request, { action: 'operator.token.create', details: { operatorId: issued.info.operatorId, tokenId: issued.info.id, name } });
    return reply.code(201).send(issued);
  });

  app.post<{ Params: Static<typeof TokenParams> }>('/operators/:operatorId/tokens/:tokenId/revoke', {
    schema: { tags, security, summary: 'Revoke an operator token at once (a leaked or unused one)', operationId: 'revokeOperatorToken', params: TokenParams, response: { 200: TokenBody } },
  }, async (request) => {
    const { operatorId, tokenId } = request.params;
    await tokenOf(operatorId, tokenId);
    const revoked = await operators.revokeToken(tokenId);
    await record(request, { action: 'operator.token.revoke', details: { operatorId, tokenId } });
    return revoked;
  });

  app.post<{ Params: Static<typeof TokenParams>; Body: Static<typeof RotateToken> }>('/operators/:operatorId/tokens/:tokenId/rotate', {
    schema: { tags, security, summary: 'Replace a token: a new one (shown once) under the same name, the old one revoked', operationId: 'rotateOperatorToken', params: TokenParams, body: RotateToken, response: { 201: strictObject({ token: Type.String(), info: TokenBody, revoked: TokenBody }) } },
    preValidation: emptyBodyAsObject,
  }, async (request, reply) => {
    const { operatorId, tokenId } = request.params;
    await tokenOf(operatorId, tokenId);
    const { expiresAt } = request.body;
    const rotated = await operators.rotateToken(tokenId, expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) });
    await record(request, { action: 'operator.token.rotate', details: { operatorId, revokedTokenId: tokenId, tokenId: rotated.info.id } });
    return reply.code(201).send(rotated);
  });
}
