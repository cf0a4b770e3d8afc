// Error codes of the isolation verifier.
import { defineErrors } from '../core/index.js';

export const verifyErrors = defineErrors('verify', {
  VERIFY_ROLE_UNKNOWN: {
    kind: 'invalid',
    message: 'The app role to verify does not exist in this database cluster.',
    fix: 'Pass the name of the role your application logs in as (`roles.app`), or run migrations first.',
  },
  ISOLATION_FINDINGS: {
    kind: 'invalid',
    message: 'The database breaks tenant-isolation rules.',
    fix: 'Read the findings in the report (`details.findings` kinds); docs/verify.md says what each means and how to repair it.',
  },
});
