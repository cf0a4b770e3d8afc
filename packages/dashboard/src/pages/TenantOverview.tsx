// The read-only view of a tenant, for every status and without impersonation: its facts and
// placement, the reason of its last status change, its health and recent activity; and the
// fields an operator may change and the lifecycle actions its status allows.
import type { Tenant } from '../api/types.js';
import { Time } from '../components/Time.js';
import { LifecycleActions } from '../tenant/LifecycleActions.js';
import { TenantEditForm } from '../tenant/TenantEditForm.js';
import { TenantHealthPanel } from '../tenant/TenantHealthPanel.js';
import { TenantSummaryPanel } from '../tenant/TenantSummaryPanel.js';
import { TenantTimeline } from '../tenant/TenantTimeline.js';

export function TenantOverview({ tenant, refresh, onChanged }: { tenant: Tenant; refresh: number; onChanged: (tenant: Tenant) => void }) {
  const live = tenant.status !== 'deleted';
  return (
    <div className="grid">
      <section aria-labelledby="facts-heading" className="card">
        <h2 id="facts-heading">Details</h2>
        <dl className="facts">
          <dt>Id</dt><dd><code className="break">{tenant.id}</code></dd>
          <dt>Slug</dt><dd>{tenant.slug}</dd>
          <dt>Plan</dt><dd>{tenant.plan}</dd>
          <dt>Status</dt><dd>{tenant.status}</dd>
          <dt>Placement</dt><dd>{tenant.tier} tier, region {tenant.region}</dd>
          <dt>Created</dt><dd><Time value={tenant.createdAt} /></dd>
          <dt>Status since</dt><dd><Time value={tenant.statusChangedAt} /></dd>
          {tenant.statusReason === undefined ? null : <><dt>Reason</dt><dd>{tenant.statusReason}</dd></>}
        </dl>
      </section>
      {live && (
        <section aria-labelledby="edit-heading" className="card">
          <h2 id="edit-heading">Name, plan and region</h2>
          <TenantEditForm key={tenant.version} tenant={tenant} onChanged={onChanged} />
        </section>
      )}
      <section aria-labelledby="lifecycle-heading" className="card">
        <h2 id="lifecycle-heading">Lifecycle</h2>
        <LifecycleActions tenant={tenant} onChanged={onChanged} />
      </section>
      {live && <TenantHealthPanel tenantId={tenant.id} />}
      <TenantSummaryPanel tenantId={tenant.id} refresh={refresh} />
      <TenantTimeline tenantId={tenant.id} refresh={refresh} />
    </div>
  );
}
