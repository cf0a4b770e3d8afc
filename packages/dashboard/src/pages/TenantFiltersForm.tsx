// The tenant list's search and filters (status, plan, tier, region), applied on submit. Plans
// are offered from the catalog (GET /v1/plans) and regions from where tenants are placed
// (GET /v1/analytics/distribution); without those routes the field takes free text.
import { useState, type FormEvent } from 'react';
import { platformApi, tenantsApi, type TenantFilters } from '../api/endpoints.js';
import { TENANT_STATUSES } from '../api/types.js';
import { useLoad } from '../api/use-load.js';
import { useOperator } from '../components/operator-context.js';

const TIERS = ['pooled', 'schema', 'database'];

function Picker({ label, value, options, onChange }: { label: string; value: string; options: readonly string[] | undefined; onChange: (value: string) => void }) {
  return (
    <label className="field">
      {label}
      {options === undefined ? <input value={value} onChange={(event) => onChange(event.target.value)} size={8} /> : (
        <select value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">any</option>
          {[...new Set([...options, ...(value ? [value] : [])])].map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      )}
    </label>
  );
}

export function TenantFiltersForm({ value, onChange }: { value: TenantFilters; onChange: (filters: TenantFilters) => void }) {
  const { token } = useOperator();
  const [draft, setDraft] = useState<TenantFilters>(value);
  const plans = useLoad((signal) => tenantsApi.plans(token, signal), [token]);
  const placement = useLoad((signal) => platformApi.distribution(token, signal), [token]);
  const set = (key: keyof TenantFilters) => (text: string) => setDraft({ ...draft, [key]: text });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(draft);
  };
  const clear = () => {
    setDraft({});
    onChange({});
  };
  return (
    <form className="filters" onSubmit={submit} role="search" aria-label="Filter tenants">
      <label className="field grow">
        Search
        <input type="search" value={draft.search ?? ''} onChange={(event) => set('search')(event.target.value)} placeholder="slug or name" />
      </label>
      <label className="field">
        Status
        <select value={draft.status ?? ''} onChange={(event) => set('status')(event.target.value)}>
          <option value="">any</option>
          {TENANT_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <Picker label="Plan" value={draft.plan ?? ''} options={plans.kind === 'loaded' ? plans.data.items.map((p) => p.name) : undefined} onChange={set('plan')} />
      <label className="field">
        Tier
        <select value={draft.tier ?? ''} onChange={(event) => set('tier')(event.target.value)}>
          <option value="">any</option>
          {TIERS.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <Picker label="Region" value={draft.region ?? ''} options={placement.kind === 'loaded' ? Object.keys(placement.data.byRegion).sort() : undefined} onChange={set('region')} />
      <div className="filter-buttons">
        <button type="submit" className="primary">Apply</button>
        <button type="button" className="secondary" onClick={clear}>Clear</button>
      </div>
    </form>
  );
}
