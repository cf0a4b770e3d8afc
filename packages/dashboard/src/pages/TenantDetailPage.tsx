// One tenant: its header and status, and tabs for the overview (facts, lifecycle, health),
// people, API keys, settings, usage, billing and the audit log. Tabs that act inside the tenant go
// through an impersonation session.
import { useState, type ReactNode } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { Tenant } from '../api/types.js';
import { useLoad } from '../api/use-load.js';
import { Link } from '../components/Link.js';
import { Loadable } from '../components/Loadable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { useOperator } from '../components/operator-context.js';
import { ApiKeysPanel } from '../tenant/ApiKeysPanel.js';
import { AuditPanel } from '../tenant/AuditPanel.js';
import { BillingPanel } from '../tenant/BillingPanel.js';
import { FlagsPanel } from '../tenant/FlagsPanel.js';
import { ImpersonationGate } from '../tenant/ImpersonationGate.js';
import { InvitationsPanel } from '../tenant/InvitationsPanel.js';
import { MembersPanel } from '../tenant/MembersPanel.js';
import { SettingsPanel } from '../tenant/SettingsPanel.js';
import { UsagePanel } from '../tenant/UsagePanel.js';
import { TenantOverview } from './TenantOverview.js';

const TABS = [
  { id: '', label: 'Overview' },
  { id: 'people', label: 'Members & invitations' },
  { id: 'api-keys', label: 'API keys' },
  { id: 'settings', label: 'Settings & flags' },
  { id: 'usage', label: 'Plan & usage' },
  { id: 'billing', label: 'Billing' },
  { id: 'audit', label: 'Audit log' },
] as const;

function tabContent(tab: string, tenant: Tenant, refresh: number, onChanged: (t: Tenant) => void): ReactNode {
  const inside = (render: (token: string) => ReactNode) => <ImpersonationGate tenant={tenant}>{render}</ImpersonationGate>;
  switch (tab) {
    case 'people': return inside((token) => <div className="stack"><MembersPanel token={token} /><InvitationsPanel token={token} /></div>);
    case 'api-keys': return inside((token) => <ApiKeysPanel token={token} />);
    case 'settings': return inside((token) => <div className="stack"><SettingsPanel token={token} /><FlagsPanel token={token} /></div>);
    case 'usage': return inside((token) => <UsagePanel token={token} />);
    case 'billing': return <BillingPanel tenantId={tenant.id} refresh={refresh} />;
    case 'audit': return <AuditPanel tenantId={tenant.id} refresh={refresh} />;
    default: return <TenantOverview tenant={tenant} onChanged={onChanged} />;
  }
}

export function TenantDetailPage({ tenantId, tab }: { tenantId: string; tab: string }) {
  const { token } = useOperator();
  const [refresh, setRefresh] = useState(0);
  const [changed, setChanged] = useState<Tenant | undefined>();
  const loaded = useLoad((signal) => tenantsApi.get(token, tenantId, signal), [token, tenantId]);
  const onChanged = (tenant: Tenant) => {
    setChanged(tenant);
    setRefresh((n) => n + 1);
  };

  return (
    <>
      <p className="breadcrumb"><Link to="/">Tenants</Link> /</p>
      <Loadable state={loaded} feature="Tenant">
        {(fetched) => {
          const tenant = changed?.id === fetched.id && changed.version >= fetched.version ? changed : fetched;
          return (
            <>
              <div className="page-head start">
                <h1>{tenant.displayName || tenant.slug}</h1>
                <StatusBadge status={tenant.status} />
              </div>
              <nav className="tabs" aria-label="Tenant sections">
                <ul>
                  {TABS.map((t) => (
                    <li key={t.id}><Link to={`/tenants/${tenant.id}${t.id ? `/${t.id}` : ''}`} current={t.id === tab}>{t.label}</Link></li>
                  ))}
                </ul>
              </nav>
              {tabContent(tab, tenant, refresh, onChanged)}
            </>
          );
        }}
      </Loadable>
    </>
  );
}
