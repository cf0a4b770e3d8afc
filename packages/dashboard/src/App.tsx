// The dashboard's root: signed out it shows sign-in; signed in, the shell and the page the
// path names. A refused operator token anywhere signs the tab out.
import { useEffect, useMemo, useState } from 'react';
import { setUnauthenticatedHandler } from './api/client.js';
import { readOperatorToken, writeOperatorToken } from './api/session.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { Layout } from './components/Layout.js';
import { OperatorContext, type OperatorSession } from './components/operator-context.js';
import { AnalyticsPage } from './pages/AnalyticsPage.js';
import { HealthPage } from './pages/HealthPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { TenantDetailPage } from './pages/TenantDetailPage.js';
import { TenantListPage } from './pages/TenantListPage.js';
import { useLocation } from './router.js';

function Page({ path }: { path: string }) {
  const tenant = /^\/tenants\/([0-9a-f-]{36})(?:\/([a-z-]+))?\/?$/.exec(path);
  if (tenant?.[1]) return <TenantDetailPage key={tenant[1]} tenantId={tenant[1]} tab={tenant[2] ?? ''} />;
  if (path === '/' || path === '/tenants') return <TenantListPage />;
  if (path === '/analytics') return <AnalyticsPage />;
  if (path === '/health') return <HealthPage />;
  return <NotFoundPage />;
}

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

  // Each page names itself in the tab title, so history and screen readers tell pages apart.
  useEffect(() => {
    const section = !session ? 'Sign in' : path.startsWith('/analytics') ? 'Analytics' : path.startsWith('/health') ? 'Health' : path.startsWith('/tenants/') ? 'Tenant' : 'Tenants';
    document.title = `${section} · Tenantry`;
  }, [session, path]);

  if (!session) {
    return <SignInPage notice={notice} onSignedIn={(value) => { writeOperatorToken(value); setNotice(undefined); setToken(value); }} />;
  }
  return (
    <OperatorContext.Provider value={session}>
      <Layout path={path}><ErrorBoundary resetKey={path}><Page path={path} /></ErrorBoundary></Layout>
    </OperatorContext.Provider>
  );
}
