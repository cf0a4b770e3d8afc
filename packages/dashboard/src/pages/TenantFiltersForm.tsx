// The tenant list's search and filters (status, plan, tier, region), applied on submit.
import { useState, type FormEvent } from 'react';
import type { TenantFilters } from '../api/endpoints.js';
import { TENANT_STATUSES } from '../api/types.js';

const TIERS = ['pooled', 'schema', 'database'];

export function TenantFiltersForm({ value, onChange }: { value: TenantFilters; onChange: (filters: TenantFilters) => void }) {
  const [draft, setDraft] = useState<TenantFilters>(value);
  const set = (key: keyof TenantFilters) => (event: { target: { value: string } }) => setDraft({ ...draft, [key]: event.target.value });
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
        <input type="search" value={draft.search ?? ''} onChange={set('search')} placeholder="slug or name" />
      </label>
      <label className="field">
        Status
        <select value={draft.status ?? ''} onChange={set('status')}>
          <option value="">any</option>
          {TENANT_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <label className="field">
        Plan
        <input value={draft.plan ?? ''} onChange={set('plan')} size={8} />
      </label>
      <label className="field">
        Tier
        <select value={draft.tier ?? ''} onChange={set('tier')}>
          <option value="">any</option>
          {TIERS.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label className="field">
        Region
        <input value={draft.region ?? ''} onChange={set('region')} size={8} />
      </label>
      <div className="filter-buttons">
        <button type="submit" className="primary">Apply</button>
        <button type="button" className="secondary" onClick={clear}>Clear</button>
      </div>
    </form>
  );
}
