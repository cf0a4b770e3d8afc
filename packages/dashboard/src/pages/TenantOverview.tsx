// A tenant's facts, the fields an operator may change, its lifecycle actions and its health.
import type { Tenant } from '../api/types.js';
import { Time } from '../components/Time.js';
import { LifecycleActions } from '../tenant/LifecycleActions.js';
import { TenantEditForm } from '../tenant/TenantEditForm.js';
import { TenantHealthPanel } from '../tenant/TenantHealthPanel.js';

export function TenantOverview({ tenant, onChanged }: { tenant: Tenant; onChanged: (tenant: Tenant) => void }) {
  return (
    <div className="grid">
      <section aria-labelledby="facts-heading" className="card">
        <h2 id="facts-heading">Details</h2>
        <dl className="facts">
          <dt>Id</dt><dd><code className="break">{tenant.id}</code></dd>
          <dt>Slug</dt><dd>{tenant.slug}</dd>
          <dt>Plan</dt><dd>{tenant.plan}</dd>
          <dt>Tier</dt><dd>{tenant.tier}</dd>
          <dt>Region</dt><dd>{tenant.region}</dd>
          <dt>Created</dt><dd><Time value={tenant.createdAt} /></dd>
          <dt>Status since</dt><dd><Time value={tenant.statusChangedAt} /></dd>
          {tenant.statusReason === undefined ? null : <><dt>Reason</dt><dd>{tenant.statusReason}</dd></>}
        </dl>
      </section>
      <section aria-labelledby="edit-heading" className="card">
        <h2 id="edit-heading">Name, plan and region</h2>
        <TenantEditForm key={tenant.version} tenant={tenant} onChanged={onChanged} />
      </section>
      <section aria-labelledby="lifecycle-heading" className="card">
        <h2 id="lifecycle-heading">Lifecycle</h2>
        <LifecycleActions tenant={tenant} onChanged={onChanged} />
      </section>
      <TenantHealthPanel tenantId={tenant.id} />
    </div>
  );
}
