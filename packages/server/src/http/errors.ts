// Error codes of the HTTP edge itself: requests that never reached a handler. They belong with
// the library's http/ layer once it exists (and then need rows in docs/errors.md).
import { defineErrors } from 'tenantry';

export const httpErrors = defineErrors('http', {
  ROUTE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No route matches this method and path.',
    fix: 'Check the method and path against the API reference.',
  },
  REQUEST_INVALID: {
    kind: 'invalid',
    message: 'The request is malformed.',
    fix: 'See `details.reason`; fix the body, headers or parameters and send it again.',
  },
});
