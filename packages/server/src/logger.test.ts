// The logger never writes a credential, whoever logs it and wherever it sits.
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.js';

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

describe('redactUrl', () => {
  it('replaces secret-looking query values and keeps the rest', () => {
    expect(redactUrl('/login?token=abc&next=%2Fhome&api_key=k1')).toBe('/login?token=%5BRedacted%5D&next=%2Fhome&api_key=%5BRedacted%5D');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});
