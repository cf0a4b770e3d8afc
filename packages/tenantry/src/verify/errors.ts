// Error codes of the isolation verifier.
import { defineErrors } from '../core/index.js';

export const verifyErrors = defineErrors('verify', {
  VERIFY_ROLE_UNKNOWN: {
    kind: 'invalid',
    message: 'The app role to verify does not exist in this database cluster.',
    fix: 'Pass the name of the role your application logs in as (`roles.app`), or run migrations first.',
  },
  VERIFY_ROLE_UNUSED: {
    kind: 'invalid',
    message: 'The app role to verify has no privilege on any tenant table: it is not the role the application uses, so auditing it would prove nothing.',
    fix: 'Pass the role your application logs in as (`--app-role`, `appRole`); `details.role` names the one given.',
  },
  ISOLATION_FINDINGS: {
    kind: 'invalid',
    message: 'The database breaks tenant-isolation rules.',
    fix: 'Read the findings in the report (`details.findings` kinds); docs/verify.md says what each means and how to repair it.',
  },
});
