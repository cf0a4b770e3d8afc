// A tiny router over the History API: routes are paths under the /dashboard/ base, so a
// reload or a shared link lands on the same page (the server falls back to index.html).
import { useEffect, useState } from 'react';

export const BASE = '/dashboard';
const CHANGE = 'tenantry:navigate';

/** The current path below the base, e.g. "/tenants/…" ("/" for the tenant list). */
function currentPath(): string {
  const { pathname } = window.location;
  const below = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  return below === '' ? '/' : below;
}

/** @example navigate(`/tenants/${id}`); */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = BASE + path;
  if (options.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  window.dispatchEvent(new Event(CHANGE));
}

/** @example const { path, search } = useLocation(); */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [location, setLocation] = useState(() => ({ path: currentPath(), search: window.location.search }));
  useEffect(() => {
    const update = () => setLocation({ path: currentPath(), search: window.location.search });
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return { path: location.path, search: new URLSearchParams(location.search) };
}
