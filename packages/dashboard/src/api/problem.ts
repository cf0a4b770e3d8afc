// ApiError: a failed API call, carrying the problem+json body the server sent (or a network
// failure), so every panel can show the same title, code and detail.

/** The fields of an application/problem+json body the dashboard shows. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly code: string;
  readonly detail?: string;
  readonly details?: Record<string, unknown>;
  readonly requestId?: string;
}

export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  /** A route this server does not have (another team's feature not deployed here). */
  get notAvailable(): boolean {
    return this.problem.status === 404 && this.problem.code === 'ROUTE_NOT_FOUND';
  }
}

/** Reads a problem body leniently: a proxy's HTML 502 still becomes a readable problem. */
export function problemFrom(status: number, body: unknown, fallbackTitle: string): Problem {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (key: string): string | undefined => { const v = value[key]; return typeof v === 'string' ? v : undefined; };
  const details = typeof value.details === 'object' && value.details !== null ? (value.details as Record<string, unknown>) : undefined;
  const detail = text('detail');
  const requestId = text('requestId');
  return {
    status,
    title: text('title') ?? fallbackTitle,
    code: text('code') ?? `HTTP_${status}`,
    ...(detail === undefined ? {} : { detail }),
    ...(details === undefined ? {} : { details }),
    ...(requestId === undefined ? {} : { requestId }),
  };
}
