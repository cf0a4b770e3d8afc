// Onboarding a tenant from the list: slug, display name, plan, region and its first owner.
import { useState, type FormEvent } from 'react';
import { tenantsApi } from '../api/endpoints.js';
import type { ApiError } from '../api/problem.js';
import type { Tenant } from '../api/types.js';
import { asApiError } from '../api/use-load.js';
import { Dialog } from '../components/Dialog.js';
import { ProblemMessage } from '../components/ProblemMessage.js';
import { useOperator } from '../components/operator-context.js';
import { SLUG_PATTERN } from './slug-pattern.js';

export function CreateTenantDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (tenant: Tenant) => void }) {
  const { token } = useOperator();
  const [form, setForm] = useState({ slug: '', displayName: '', plan: '', region: '', owner: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const set = (key: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const optional = (key: 'displayName' | 'plan' | 'region') => (form[key].trim() === '' ? {} : { [key]: form[key].trim() });
      const tenant = await tenantsApi.create(token, {
        slug: form.slug.trim(), ...optional('displayName'), ...optional('plan'), ...optional('region'), owner: { userId: form.owner.trim() },
      });
      onCreated(tenant);
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Create a tenant" open onClose={onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <label className="field">Slug<input value={form.slug} onChange={set('slug')} required autoFocus maxLength={63} pattern={SLUG_PATTERN} title="lower-case letters, digits and single dashes between them" /></label>
        <label className="field">Display name<input value={form.displayName} onChange={set('displayName')} /></label>
        <div className="row">
          <label className="field">Plan<input value={form.plan} onChange={set('plan')} placeholder="default" /></label>
          <label className="field">Region<input value={form.region} onChange={set('region')} placeholder="default" /></label>
        </div>
        <label className="field">Owner user id<input value={form.owner} onChange={set('owner')} required /></label>
        {error && <ProblemMessage error={error} />}
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create tenant'}</button>
        </div>
      </form>
    </Dialog>
  );
}
