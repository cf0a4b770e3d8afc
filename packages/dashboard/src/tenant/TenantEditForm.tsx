// Changing a tenant's display name, plan (from the server's catalog) or region: only the fields
// that changed are sent; the change is audited by the server and a plan applies at once. The
// overview remounts the form with the new version, so it shows what the server now holds. A plan
// change is confirmed first: it changes limits, features and price at once.
import { useState, type FormEvent } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import type { Tenant } from '../api/types.js';
import { asApiError, useLoad } from '../api/use-load.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useOperator } from '../components/operator-context.js';
import { useToast } from '../components/toast.js';

export function TenantEditForm({ tenant, onChanged }: { tenant: Tenant; onChanged: (tenant: Tenant) => void }) {
  const { token } = useOperator();
  const toast = useToast();
  const plans = useLoad((signal) => tenantsApi.plans(token, signal), [token]);
  const [displayName, setDisplayName] = useState(tenant.displayName);
  const [plan, setPlan] = useState(tenant.plan);
  const [region, setRegion] = useState(tenant.region);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  const changes = {
    ...(displayName.trim() !== tenant.displayName ? { displayName: displayName.trim() } : {}),
    ...(plan !== tenant.plan ? { plan } : {}),
    ...(region.trim() !== tenant.region ? { region: region.trim() } : {}),
  };
  const changed = Object.keys(changes).length > 0;
  // The catalog's plans, plus the tenant's own should it not be in the catalog (any more).
  const planNames = plans.kind === 'loaded' ? [...new Set([tenant.plan, ...plans.data.items.map((p) => p.name)])] : [tenant.plan];

  const [confirming, setConfirming] = useState(false);
  const save = async () => {
    onChanged(await tenantsApi.update(token, tenant.id, changes));
    toast(`Saved the changes to ${tenant.slug}.`);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // A plan change applies at once (limits, features, price): the operator says so first.
    if (changes.plan !== undefined) {
      setConfirming(true);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await save();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form className="stack" onSubmit={(event) => void submit(event)} aria-label="Edit tenant">
        <label className="field">Display name<input value={displayName} maxLength={200} onChange={(event) => setDisplayName(event.target.value)} required /></label>
        <label className="field">Plan
          <select value={plan} onChange={(event) => setPlan(event.target.value)}>{planNames.map((name) => <option key={name}>{name}</option>)}</select>
        </label>
        <label className="field">Region<input value={region} maxLength={64} onChange={(event) => setRegion(event.target.value)} required /></label>
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || !changed}>{busy ? 'Saving…' : 'Save changes'}</button>
        </div>
        {error && <ProblemMessage error={error} />}
      </form>
      {/* Outside the form: the dialog's own form must not submit (or nest in) this one. */}
      {confirming && (
        <ConfirmDialog title="Change the plan?" confirmLabel={`Move to ${plan}`} onConfirm={save} onClose={() => setConfirming(false)}>
          <p>{tenant.slug} moves from {tenant.plan} to {plan} at once: its limits, features and price change now, for every member.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
