// The dashboard's root: signed out it shows sign-in; signed in, the shell and the page the
// path names. A refused operator token anywhere signs the tab out.
import { useEffect, useMemo, useState } from 'react';
import { setUnauthenticatedHandler } from './api/client.js';
import { readOperatorToken, writeOperatorToken } from './api/session.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { Layout } from './components/Layout.js';
import { OperatorContext, type OperatorSession } from './components/operator-context.js';
import { ToastProvider } from './components/toast.js';
import { AnalyticsPage } from './pages/AnalyticsPage.js';
import { HealthPage } from './pages/HealthPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { OperatorsPage } from './pages/OperatorsPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TenantDetailPage } from './pages/TenantDetailPage.js';
import { TenantListPage } from './pages/TenantListPage.js';
import { useLocation } from './router.js';

// A tenant's page is named by its slug (`/tenants/acme`); a deleted tenant's by its id (its slug may be taken again).
const TENANT_PATH = /^\/tenants\/([a-z0-9-]{1,63}|[0-9a-f-]{36})(?:\/([a-z-]+))?\/?$/;

function Page({ path }: { path: string }) {
  const tenant = TENANT_PATH.exec(path);
  if (tenant?.[1]) return <TenantDetailPage key={tenant[1]} tenantRef={tenant[1]} tab={tenant[2] ?? ''} />;
  if (path === '/' || path === '/tenants') return <TenantListPage />;
  if (path === '/analytics') return <AnalyticsPage />;
  if (path === '/health') return <HealthPage />;
  if (path === '/operators') return <OperatorsPage />;
  return <NotFoundPage />;
}

const SECTION_TITLES: readonly [string, string][] = [['/analytics', 'Analytics'], ['/health', 'Health & alerts'], ['/operators', 'Operators']];

export function App() {
  const [token, setToken] = useState<string | undefined>(readOperatorToken);
  const [notice, setNotice] = useState<string | undefined>();
  const { path } = useLocation();

  const session = useMemo<OperatorSession | undefined>(() => token === undefined ? undefined : {
    token,
    signOut: (message) => {
      writeOperatorToken(undefined);
      setNotice(message);
      setToken(undefined);
    },
  }, [token]);

  useEffect(() => {
    setUnauthenticatedHandler(session ? () => session.signOut('Your operator token was refused: sign in again.') : undefined);
    return () => setUnauthenticatedHandler(undefined);
  }, [session]);

  // Each page names itself in the tab title, so history and screen readers tell pages apart; a
  // tenant's page names the tenant once loaded (TenantDetailPage), so it is left alone here.
  useEffect(() => {
    if (session && TENANT_PATH.test(path)) return;
    const section = !session ? 'Sign in' : SECTION_TITLES.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'Tenants';
    document.title = `${section} · Tenantry`;
  }, [session, path]);

  if (!session) {
    return <SignInPage notice={notice} onSignedIn={(value) => { writeOperatorToken(value); setNotice(undefined); setToken(value); }} />;
  }
  return (
    <OperatorContext.Provider value={session}>
      <ToastProvider>
        <Layout path={path}><ErrorBoundary resetKey={path}><Page path={path} /></ErrorBoundary></Layout>
      </ToastProvider>
    </OperatorContext.Provider>
  );
}
