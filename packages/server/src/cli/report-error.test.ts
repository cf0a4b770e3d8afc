// formatError: what an operator reads on stderr when a command fails.
import { coreErrors } from 'tenantry';
import { controlErrors } from 'tenantry/control';
import { describe, expect, it } from 'vitest';
import { formatError } from './report-error.js';

describe('formatError', () => {
  it('prints the code and message, then the details and a hint that names the commands to run', () => {
    const text = formatError(controlErrors.create('TENANT_INVALID_TRANSITION', { details: { from: 'active', allowed: ['suspend', 'offboard'] } }));
    expect(text).toBe(
      'error TENANT_INVALID_TRANSITION: The tenant cannot make that lifecycle transition from its current status.\n' +
        '  from: active\n' +
        '  allowed: ["suspend","offboard"]\n' +
        '  hint: The tenant is active; from there: `tenantry tenants suspend <tenant>`, or `tenantry tenants offboard <tenant>`.\n',
    );
  });

  it('reports anything else as INTERNAL with its cause, for the operator to act on', () => {
    expect(formatError(new Error('EACCES: permission denied, mkdir /srv'))).toMatch(/^error INTERNAL: .+\n(.*\n)* {2}cause: EACCES: permission denied, mkdir \/srv\n$/);
  });

  it('shows the cause of a Tenantry error too', () => {
    const err = coreErrors.create('CONFIG_INVALID', { details: { path: 'PORT' }, cause: new Error('listen EADDRINUSE') });
    expect(formatError(err)).toContain('  cause: listen EADDRINUSE\n');
  });
});
