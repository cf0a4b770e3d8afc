// What the /v1 routes are built from: the registry, the app-role tenant database, the control
// plane's services and, when configured, the verifier of tenant principals' JWTs.
import type { ControlPlane, TenantRegistry } from 'tenantry/control';
import type { TenantMetrics } from 'tenantry/observability';
import type { TenantDatabase } from 'tenantry/postgres';
import type { JwtVerifier } from 'tenantry/resolve';

/**
 * @example buildApp({ operator, logger, api: { registry, db, control, jwtVerifier } });
 */
export interface ApiDependencies {
  readonly registry: TenantRegistry;
  readonly db: TenantDatabase;
  readonly control: ControlPlane;
  /** Absent: bearer JWTs are refused (TOKEN_INVALID) and only API keys reach tenant routes. */
  readonly jwtVerifier?: JwtVerifier;
  /** Present when metrics are on: routes may record into it (e.g. `metrics.setUsage` for quotas). */
  readonly metrics?: TenantMetrics;
}
