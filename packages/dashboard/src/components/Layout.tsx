// The signed-in shell: a skip link, the navigation, a search that finds tenants from any page
// (the tenant list, filtered), sign-out, and the page itself.
import { useEffect, useRef, type ReactNode } from 'react';
import { navigate } from '../router.js';
import { Link } from './Link.js';
import { useOperator } from './operator-context.js';

const SECTIONS = [
  { to: '/', label: 'Tenants', match: (path: string) => path === '/' || path.startsWith('/tenants') },
  { to: '/analytics', label: 'Analytics', match: (path: string) => path.startsWith('/analytics') },
  { to: '/health', label: 'Health & alerts', match: (path: string) => path.startsWith('/health') },
  { to: '/operators', label: 'Operators', match: (path: string) => path.startsWith('/operators') },
];

/**
 * After an in-app navigation, focus goes to the new page's heading (or the content while it
 * loads), so a screen reader announces where the operator landed, as a full page load would.
 */
function useFocusOnNavigate(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('main');
    const focusHeading = (): boolean => {
      const heading = document.querySelector<HTMLElement>('main h1');
      if (!heading) return false;
      heading.tabIndex = -1;
      heading.focus();
      return true;
    };
    if (focusHeading() || !main) return;
    // A page that loads its data first (a tenant) renders its heading later: focus the content
    // now, and the heading once it appears, unless the operator has moved on meanwhile.
    main.focus();
    const observer = new MutationObserver(() => {
      const active = document.activeElement;
      if (active !== main && active !== document.body) observer.disconnect();
      else if (focusHeading()) observer.disconnect();
    });
    observer.observe(main, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [path]);
}

export function Layout({ path, children }: { path: string; children: ReactNode }) {
  const { signOut } = useOperator();
  useFocusOnNavigate(path);
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">Tenantry</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.to}><Link to={s.to} current={s.match(path)}>{s.label}</Link></li>
            ))}
          </ul>
        </nav>
        <form className="top-search" role="search" aria-label="Find a tenant" onSubmit={(event) => {
          event.preventDefault();
          const q = new FormData(event.currentTarget).get('q');
          const text = typeof q === 'string' ? q.trim() : '';
          navigate(text === '' ? '/' : `/?search=${encodeURIComponent(text)}`);
        }}>
          <input type="search" name="q" aria-label="Find a tenant by slug or name" placeholder="Find a tenant…" />
        </form>
        <button type="button" className="secondary sign-out" onClick={() => signOut('You signed out.')}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}
