// A failed call as the operator sees it: the problem's title, its stable code and the detail.
import type { ApiError } from '../api/problem.js';

export function ProblemMessage({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { title, code, detail, requestId, details } = error.problem;
  const field = typeof details?.field === 'string' ? details.field : undefined;
  return (
    <div className="problem" role="alert">
      <p>
        <strong>{title}</strong> <code className="code">{code}</code>
      </p>
      {detail && <p>{detail}{field ? ` (field: ${field})` : ''}</p>}
      {requestId && <p className="muted small">Request id {requestId}</p>}
      {onRetry && <button type="button" className="secondary" onClick={onRetry}>Try again</button>}
    </div>
  );
}
