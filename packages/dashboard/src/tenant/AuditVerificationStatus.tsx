// Whether the tenant's audit chain verifies: valid, or where and how it is broken.
import { tenantsApi } from '../api/endpoints.js';
import { useLoad } from '../api/use-load.js';
import { Loadable } from '../components/Loadable.js';
import { useOperator } from '../components/operator-context.js';

export function AuditVerificationStatus({ tenantId, refresh }: { tenantId: string; refresh: number }) {
  const { token } = useOperator();
  const result = useLoad((signal) => tenantsApi.verifyAudit(token, tenantId, signal), [token, tenantId, refresh]);
  return (
    <div className="verification" aria-live="polite">
      <Loadable state={result} feature="Chain verification">
        {(v) => v.valid ? (
          <p className="verified"><span className="badge badge-active">chain verified</span> {v.eventsChecked} events checked, every hash and link intact.</p>
        ) : (
          <p className="broken" role="alert"><span className="badge badge-failing">chain broken</span> at seq {v.firstBrokenSeq}: {v.reason} ({v.eventsChecked} events verified before it)</p>
        )}
      </Loadable>
      <button type="button" className="secondary small-button" onClick={result.reload}>Verify again</button>
    </div>
  );
}
