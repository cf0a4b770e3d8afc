// toProblem: RFC 9457 bodies with the stable code; anything that is not a TenantryError
// becomes INTERNAL and nothing of it (message, stack, properties) reaches the body.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coreErrors, ERROR_KINDS, TenantryError } from '../core/index.js';
import { resolveErrors } from '../resolve/index.js';
import { DEFAULT_PROBLEM_TYPE_BASE, DEFAULT_RETRY_AFTER_SECONDS, PROBLEM_CONTENT_TYPE, problemHeaders, toProblem } from './problem-details.js';

const internalBody = toProblem(new Error('')).body;
const internalJson = JSON.stringify(internalBody);

describe('toProblem', () => {
  it('renders a TenantryError as type, title, status, detail, code, its details, instance and request id', () => {
    const problem = toProblem(resolveErrors.create('TENANT_AMBIGUOUS', { details: { sources: ['subdomain', 'jwt'] } }), {
      instance: '/orders/7',
      requestId: 'req-1',
    });
    expect(problem.status).toBe(400);
    expect(problem.contentType).toBe(PROBLEM_CONTENT_TYPE);
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
    expect(problem.body).toEqual({
      type: 'urn:tenantry:error:TENANT_AMBIGUOUS',
      title: 'Bad Request',
      status: 400,
      detail: 'The request names more than one tenant.',
      code: 'TENANT_AMBIGUOUS',
      details: { sources: ['subdomain', 'jwt'] },
      instance: '/orders/7',
      requestId: 'req-1',
    });
    expect(problem.log).toBe('none');
  });

  it.each(ERROR_KINDS)('gives a %s TenantryError the status of its kind in both the result and the body', (kind) => {
    const problem = toProblem(new TenantryError('TEST_CODE', { kind, message: 'Test.', fix: 'None.' }));
    expect(problem.body.status).toBe(problem.status);
    expect(problem.log).toBe(problem.status >= 500 ? 'error' : 'none');
  });

  it('tells a client to retry every unavailable answer (503 with Retry-After), and no other kind without a stated delay', () => {
    const unavailable = toProblem(new TenantryError('TEST_DOWN', { kind: 'unavailable', message: 'Down.', fix: 'Retry.' }));
    expect(unavailable.status).toBe(503);
    expect(problemHeaders(unavailable)).toEqual({ 'content-type': PROBLEM_CONTENT_TYPE, 'retry-after': String(DEFAULT_RETRY_AFTER_SECONDS) });
    const stated = toProblem(new TenantryError('TEST_SLOW', { kind: 'unavailable', message: 'Slow.', fix: 'Retry.' }, { details: { retryAfterSeconds: 2.5 } }));
    expect(stated.retryAfterSeconds).toBe(3);
    const internal = toProblem(new Error('boom'));
    expect(problemHeaders(internal)).toEqual({ 'content-type': PROBLEM_CONTENT_TYPE });
  });

  it('builds `type` from a configured base and the code', () => {
    expect(DEFAULT_PROBLEM_TYPE_BASE).toBe('urn:tenantry:error:');
    expect(toProblem(coreErrors.create('TENANT_NOT_FOUND'), { typeBase: 'https://errors.example.com/' }).body.type).toBe(
      'https://errors.example.com/TENANT_NOT_FOUND',
    );
  });

  it('turns a plain Error into INTERNAL and hands the original back as the cause, for the log only', () => {
    const original = new Error('relation "tenant_b_secrets" does not exist');
    const problem = toProblem(original);
    expect(problem.status).toBe(500);
    expect(problem.body).toEqual({
      type: 'urn:tenantry:error:INTERNAL',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An internal error occurred.',
      code: 'INTERNAL',
    });
    expect(problem.cause).toBe(original);
    expect(problem.error.cause).toBe(original);
    expect(problem.log).toBe('error');
  });

  it('renders the same body for any thrown value that is not a TenantryError (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        fc.pre(!(thrown instanceof TenantryError));
        expect(toProblem(thrown).body).toEqual(internalBody);
      }),
    );
  });

  it('never shows the message or the stack of a thrown Error, whatever they are (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (message, stack) => {
        const err = new Error(message);
        err.stack = stack;
        const json = JSON.stringify(toProblem(err).body);
        // A string the fixed INTERNAL body happens to contain ("a", "error") proves nothing.
        fc.pre(!internalJson.includes(JSON.stringify(message).slice(1, -1)) && !internalJson.includes(JSON.stringify(stack).slice(1, -1)));
        expect(json).not.toContain(JSON.stringify(message).slice(1, -1));
        expect(json).not.toContain(JSON.stringify(stack).slice(1, -1));
      }),
    );
  });

  it("shows a server fault's registered sentence, not a message overridden to describe internal state", () => {
    const err = coreErrors.create('INTERNAL', { message: 'A statement of the operator audit transaction failed and was swallowed.' });
    expect(toProblem(err).body.detail).toBe('An internal error occurred.');
  });

  it('leaves out details that are empty or that JSON cannot carry, instead of failing the response', () => {
    expect(toProblem(coreErrors.create('TENANT_SUSPENDED')).body).not.toHaveProperty('details');
    const problem = toProblem(coreErrors.create('CONFIG_INVALID', { details: { limit: 10n } }));
    expect(problem.body).not.toHaveProperty('details');
    expect(() => JSON.stringify(problem.body)).not.toThrow();
  });
});
