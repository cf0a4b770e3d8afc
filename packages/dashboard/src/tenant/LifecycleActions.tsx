// Suspend, restore, offboard and delete, each behind a confirmation dialog; only the actions
// the tenant's status allows are offered, and deleting asks for the slug typed out.
import { useState } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { Tenant } from '../api/types.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useOperator } from '../components/operator-context.js';
import { useToast } from '../components/toast.js';

type Action = 'suspend' | 'restore' | 'offboard' | 'delete';

const ALLOWED: Record<Tenant['status'], readonly Action[]> = {
  provisioning: [],
  active: ['suspend', 'offboard'],
  suspended: ['restore', 'offboard'],
  offboarding: ['delete'],
  deleted: [],
};

const COPY: Record<Action, { label: string; done: string; title: string; text: (t: Tenant) => string; destructive: boolean }> = {
  suspend: { label: 'Suspend', done: 'Suspended', title: 'Suspend this tenant?', destructive: true, text: (t) => `Every request for ${t.slug} will be refused until it is restored. Its data is kept.` },
  restore: { label: 'Restore', done: 'Restored', title: 'Restore this tenant?', destructive: false, text: (t) => `${t.slug} becomes active again and its members and API keys work at once.` },
  offboard: { label: 'Offboard', done: 'Started offboarding', title: 'Start offboarding?', destructive: true, text: (t) => `${t.slug} stops serving requests and can then be deleted. Its members lose access; its data is kept until it is deleted.` },
  delete: { label: 'Delete', done: 'Deleted the data of', title: 'Delete this tenant\'s data?', destructive: true, text: (t) => `All of ${t.slug}'s data is purged. This cannot be undone; the audit log is kept.` },
};

export function LifecycleActions({ tenant, onChanged }: { tenant: Tenant; onChanged: (tenant: Tenant) => void }) {
  const { token } = useOperator();
  const toast = useToast();
  const [pending, setPending] = useState<Action | undefined>();
  const actions = ALLOWED[tenant.status];
  if (actions.length === 0) return <p className="muted">No lifecycle actions for a {tenant.status} tenant.</p>;

  const run = async (action: Action, reason: string) => {
    const why = reason === '' ? undefined : reason;
    onChanged(action === 'delete' ? await tenantsApi.remove(token, tenant.id, why) : await tenantsApi.act(token, tenant.id, action, why));
    toast(`${COPY[action].done} ${tenant.slug}.`);
  };

  return (
    <div className="button-row">
      {actions.map((action) => (
        <button key={action} type="button" className={COPY[action].destructive ? 'danger' : 'primary'} onClick={() => setPending(action)}>
          {COPY[action].label}…
        </button>
      ))}
      {pending && (
        <ConfirmDialog title={COPY[pending].title} confirmLabel={COPY[pending].label} destructive={COPY[pending].destructive}
          {...(pending === 'delete' ? { typeToConfirm: tenant.slug } : {})}
          askReason={pending !== 'restore'} onConfirm={(reason) => run(pending, reason)} onClose={() => setPending(undefined)}>
          <p>{COPY[pending].text(tenant)}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
