// One check at the edge for every string a request carries to the database: PostgreSQL cannot
// store a NUL character in text (SQLSTATE 22021 / 22P05 came back as a 500), and an unpaired
// UTF-16 surrogate is not UTF-8 at all (the driver would store U+FFFD instead). Refused here,
// once, with REQUEST_TEXT_INVALID, before any handler or service sees the request.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { httpErrors } from 'tenantry/http';

// NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex -- the NUL character is exactly what is looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path (`settings.locale`, `items[2]`) of the first string in `value`, key or value, that
 * PostgreSQL text cannot hold; undefined when there is none. Iterative, so a deeply nested
 * body cannot overflow the stack.
 *
 * @example unstorablePath({ name: 'a\u0000b' }) // 'name'
 */
export function unstorablePath(value: unknown): string | undefined {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: item, path } = next;
    if (typeof item === 'string') {
      if (UNSTORABLE.test(item)) return path;
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => stack.push({ value: element, path: `${path}[${index}]` }));
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        const at = path === '' ? key : `${path}.${key}`;
        if (UNSTORABLE.test(key)) return at;
        stack.push({ value: element, path: at });
      }
    }
  }
  return undefined;
}

/**
 * Adds a preValidation hook to `app` (and every route registered in it) refusing a request
 * whose path parameters, query or body carry such a string: 400 REQUEST_TEXT_INVALID with
 * `details.location` and `details.path` (never the value).
 *
 * @example refuseUnstorableText(app);
 */
export function refuseUnstorableText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [location, value] of [['params', request.params], ['query', request.query], ['body', request.body]] as const) {
      // A binary upload (an archive for POST /v1/tenants/{id}/import) is handed over as the
      // request stream: bytes for the route to check, not text; walking the stream object
      // would follow its socket and server without end.
      if (location === 'body' && value instanceof Readable) continue;
      const path = unstorablePath(value);
      if (path !== undefined) throw httpErrors.create('REQUEST_TEXT_INVALID', { details: { location, path: path.slice(0, 200) } });
    }
  });
}
