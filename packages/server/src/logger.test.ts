// The logger never writes a credential, whoever logs it and wherever it sits.
import { newTenantId, runWithTenant } from 'tenantry';
import { describe, expect, it } from 'vitest';
import { REQUEST_ID_BOUND, runWithRequestId } from './http/request-context.js';
import { accessLogger, createLogger, redactUrl } from './logger.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, output: () => lines.join('') };
}

describe('createLogger', () => {
  it('redacts passwords, tokens and connection strings in logged objects', () => {
    const { logger, output } = capture();
    logger.info({ password: 'pw-1', config: { databaseUrl: 'postgres://a:pw-2@db/x', appPassword: 'pw-3' }, session: { token: 'pw-4' } }, 'hello');
    logger.info({ req: { headers: { authorization: 'Bearer pw-5', cookie: 'sid=pw-6' } } }, 'request');
    for (const secret of ['pw-1', 'pw-2', 'pw-3', 'pw-4']) expect(output()).not.toContain(secret);
    expect(output()).toContain('[Redacted]');
  });

  it('logs a request by method and url only, never by its headers', () => {
    const { logger, output } = capture();
    logger.info({ req: { method: 'GET', url: '/x', headers: { authorization: 'Bearer pw-7' } } }, 'incoming');
    expect(JSON.parse(output())).toMatchObject({ req: { method: 'GET', url: '/x' } });
    expect(output()).not.toContain('pw-7');
  });

  it('keeps the cause chain of a logged error', () => {
    const { logger, output } = capture();
    logger.error({ err: new Error('outer', { cause: new Error('the real reason') }) }, 'failed');
    expect(output()).toContain('the real reason');
  });
});

describe('the request fields of every line', () => {
  it('adds the tenant id and the request id in context, and nothing outside a request', () => {
    const { logger, output } = capture();
    const tenantId = newTenantId();
    runWithRequestId('req-1', () => runWithTenant(tenantId, () => logger.info('inside')));
    runWithRequestId('req-2', () => logger.child({ component: 'x' }).info('no tenant'));
    logger.info('outside');
    const [inside, noTenant, outside] = output().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ tenantId, reqId: 'req-1' });
    expect(noTenant).toMatchObject({ reqId: 'req-2', component: 'x' });
    expect(noTenant).not.toHaveProperty('tenantId');
    expect(outside).not.toHaveProperty('reqId');
    expect(outside).not.toHaveProperty('tenantId');
  });

  it("lets the line's own fields win, and does not repeat a reqId the logger binds", () => {
    const { logger, output } = capture();
    const bound = logger.child({ reqId: 'bound' });
    Object.defineProperty(bound, REQUEST_ID_BOUND, { value: true });
    runWithRequestId('ctx', () => {
      bound.info('one');
      logger.info({ reqId: 'explicit' }, 'two');
    });
    const [one, two] = output().trim().split('\n');
    expect(one?.match(/"reqId":/g)).toHaveLength(1);
    expect(JSON.parse(one as string)).toMatchObject({ reqId: 'bound' });
    expect(JSON.parse(two as string)).toMatchObject({ reqId: 'explicit' });
  });

  it('keeps redaction everywhere but on the access logger, which logs only serialized fields', () => {
    const { logger, output } = capture();
    accessLogger(logger).info({ req: { method: 'GET', url: '/x?token=abc', headers: { authorization: 'Bearer pw-9' } } }, 'request completed');
    expect(output()).not.toContain('pw-9');
    expect(output()).not.toContain('abc');
  });
});

describe('redactUrl', () => {
  it('replaces secret-looking query values and keeps the rest', () => {
    expect(redactUrl('/login?token=abc&next=%2Fhome&api_key=k1')).toBe('/login?token=%5BRedacted%5D&next=%2Fhome&api_key=%5BRedacted%5D');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});
