// Error codes of the HTTP edge itself: requests that never reached a handler, or that the
// framework could not read. Moved here from packages/server/src/http/errors.ts unchanged, so
// one code keeps one meaning wherever the library's http/ layer runs.
import { defineErrors } from '../core/index.js';

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
  DASHBOARD_NOT_BUILT: {
    kind: 'unavailable',
    message: 'The dashboard has not been built on this server.',
    fix: 'Run `npm run build` at the repository root (it builds packages/dashboard/dist), or `npm start`, which builds first.',
  },
});
