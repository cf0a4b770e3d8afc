// Serves the dashboard's Vite build under /dashboard/: hashed assets cached for a year
// (their names change with their content), index.html never cached and returned for every
// client route (the SPA fallback), and a 503 problem when the build is missing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { httpErrors } from 'tenantry/http';

/** packages/dashboard/dist, from src/http (sources) and dist/http (build) alike. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

export interface DashboardOptions {
  /** The Vite build (index.html and assets/). Default {@link DEFAULT_DASHBOARD_DIR}. */
  readonly root?: string;
}

const ONE_YEAR_S = 365 * 24 * 60 * 60;
const ONE_DAY_S = 24 * 60 * 60;
/** The dashboard's icon: a white "T" on dark grey; index.html links the same one inline. */
export const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f2937"/><path d="M4 4h8v2H9v6H7V6H4z" fill="#fff"/></svg>';
/**
 * The page loads only its own scripts and styles and talks only to this origin: an injected
 * script could otherwise read the operator token from sessionStorage and send it elsewhere.
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Registers GET /dashboard, /dashboard/assets/* and the fallback /dashboard/* in their own
 * encapsulated plugin. The build is looked for per request, so `npm run build` while the
 * server runs is picked up without a restart.
 *
 * @example registerDashboard(app); // http://127.0.0.1:3000/dashboard/
 */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions = {}): void {
  const root = options.root ?? DEFAULT_DASHBOARD_DIR;
  const built = () => existsSync(`${root}/index.html`);
  const notBuilt = () => httpErrors.create('DASHBOARD_NOT_BUILT');

  void app.register(async (scope) => {
    // serve: false — only sendFile is used, from the routes below, so nothing outside the
    // build is ever reachable and the fallback is ours to define.
    await scope.register(fastifyStatic, { root, serve: false, suppressWarning: true });
    // No Referer leaves the dashboard: its URLs name tenants (ids, slugs) and what an operator
    // looks at, which no linked site (a tenant's logo URL, docs) should learn.
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('referrer-policy', 'no-referrer');
    });
    const index = (reply: FastifyReply) =>
      reply.header('cache-control', 'no-cache').header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff')
        .sendFile('index.html', root, { cacheControl: false });
    const hide = { schema: { hide: true } };

    scope.get('/dashboard', hide, async (_request, reply) => reply.redirect('/dashboard/', 301));
    // The page names its icon (index.html), but browsers and tools still ask the origin for
    // /favicon.ico, and a 404 there is an error in every page's console.
    scope.get('/favicon.ico', hide, async (_request, reply) =>
      reply.header('content-type', 'image/svg+xml').header('cache-control', `public, max-age=${ONE_DAY_S}`).send(FAVICON_SVG));
    scope.get<{ Params: { '*': string } }>('/dashboard/assets/*', hide, async (request, reply) => {
      if (!built()) throw notBuilt();
      // Vite puts a content hash in every asset's name: safe to keep for a year, unchanged.
      return reply.sendFile(`assets/${request.params['*']}`, root, { maxAge: ONE_YEAR_S * 1000, immutable: true });
    });
    scope.get('/dashboard/*', hide, async (_request, reply) => {
      if (!built()) throw notBuilt();
      return index(reply);
    });
  });
}
