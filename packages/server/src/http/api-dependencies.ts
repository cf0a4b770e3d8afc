// What the /v1 routes are built from: the registry, the app-role tenant database, the control
// plane's services and, when configured, the verifier of tenant principals' JWTs.
import type { ControlPlane, TenantRegistry } from 'tenantry/control';
import type { ActivityRecorder, AlertEvents, TenantAnalytics, TenantHealthReports } from 'tenantry/health';
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
  /** Absent: no activity is recorded and the analytics, health and alerts routes are not served. */
  readonly health?: HealthServices;
}

/** The health capability's services (tenantry/health), all over the operator pool. */
export interface HealthServices {
  readonly activity: ActivityRecorder;
  readonly analytics: TenantAnalytics;
  readonly reports: TenantHealthReports;
  readonly alerts: AlertEvents;
}
