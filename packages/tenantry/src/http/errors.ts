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
  REQUEST_BODY_TOO_LARGE: {
    kind: 'too_large',
    message: 'The request body is larger than the server accepts.',
    fix: 'Send a smaller body; `details.limitBytes` is the limit.',
  },
  REQUEST_TEXT_INVALID: {
    kind: 'invalid',
    message: 'A string in the request contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored.',
    fix: 'Remove the character; `details.location` (params, query or body) and `details.path` say where it is.',
  },
  URL_INVALID: {
    kind: 'invalid',
    message: 'The URL cannot be decoded (a malformed percent-escape or an encoded unpaired surrogate).',
    fix: 'Percent-encode the path as UTF-8 (`encodeURIComponent`).',
  },
  URL_PARAMETER_TOO_LONG: {
    kind: 'invalid',
    message: 'A path parameter is longer than any id the API accepts.',
    fix: 'Check the id in the path; `details.maxLength` is the longest accepted.',
  },
  DASHBOARD_NOT_BUILT: {
    kind: 'unavailable',
    message: 'The dashboard has not been built on this server.',
    fix: 'Run `npm run build` at the repository root (it builds packages/dashboard/dist), or `npm start`, which builds first.',
  },
});
