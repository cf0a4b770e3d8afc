// toProblem: the kind → status table and the RFC 9457 body, and nothing internal shown.
import { coreErrors, ERROR_KINDS, TenantryError, type ErrorKind } from 'tenantry';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, STATUS_BY_KIND, toProblem } from './problem.js';

const expected: Record<ErrorKind, number> = {
  invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, limited: 429, unavailable: 503, internal: 500,
};

describe('toProblem', () => {
  it.each(ERROR_KINDS)('answers a %s error with its status', (kind) => {
    const error = new TenantryError(`TEST_${kind.toUpperCase()}`, { kind, message: 'Test.', fix: 'None.' });
    expect(toProblem(error).status).toBe(expected[kind]);
    expect(STATUS_BY_KIND[kind]).toBe(expected[kind]);
  });

  it('renders a TenantryError as type, title, status, detail, code and its details', () => {
    const { body, log } = toProblem(coreErrors.create('TENANT_NOT_FOUND', { details: { slug: 'acme' } }), { requestId: 'r-1' });
    expect(body).toEqual({
      type: 'urn:tenantry:error:TENANT_NOT_FOUND',
      title: 'Not Found',
      status: 404,
      detail: 'The tenant does not exist.',
      code: 'TENANT_NOT_FOUND',
      details: { slug: 'acme' },
      requestId: 'r-1',
    });
    expect(log).toBe('none');
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
  });

  it('turns any other error into INTERNAL, keeping its message out of the body and in the cause', () => {
    const original = new Error('relation "tenant_b_secrets" does not exist');
    const { status, body, error, log } = toProblem(original);
    expect(status).toBe(500);
    expect(body).toMatchObject({ code: 'INTERNAL', title: 'Internal Server Error', detail: 'An internal error occurred.' });
    expect(JSON.stringify(body)).not.toContain('tenant_b_secrets');
    expect(error.cause).toBe(original);
    expect(log).toBe('error');
  });

  it('leaves `details` out when there are none', () => {
    expect(toProblem(coreErrors.create('TENANT_SUSPENDED')).body).not.toHaveProperty('details');
  });
});
