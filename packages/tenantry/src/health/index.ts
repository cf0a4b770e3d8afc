// The health capability: per-tenant activity rollups, health reports, alert rules and events
// with webhook notification, cross-tenant analytics for operators (each read recorded), and the
// error a failed readiness check answers with (docs/health-and-analytics.md).
export { healthErrors } from './errors.js';
export { histogramQuantile, latencyBucket, LATENCY_BOUNDS_MS, LATENCY_BUCKETS } from './activity-histogram.js';
export { ACTIVITY_BUCKET_MS, createActivityRecorder } from './activity-recorder.js';
export type { ActivityRecorder, ActivityRecorderOptions, ActivitySample, FlushResult } from './activity-recorder.js';
export { pruneActivity } from './prune-activity.js';
export { recordOperatorAction } from './operator-actions.js';
export type { OperatorAction, OperatorReader } from './operator-actions.js';
export { createTenantAnalytics } from './tenant-analytics.js';
export type { ActiveTenants, Distribution, GrowthPoint, HourPoint, TenantAnalytics, TenantAnalyticsOptions, TopBy, TopTenant } from './tenant-analytics.js';
export { createTenantHealth, DEFAULT_HEALTH_THRESHOLDS, HEALTH_METRICS, healthStatus } from './tenant-health.js';
export type {
  HealthMetric, HealthStatus, HealthSubject, HealthThresholds, HealthWindow, QuotaPressureReader,
  TenantHealth, TenantHealthMeasure, TenantHealthOptions, TenantHealthReports, Threshold,
} from './tenant-health.js';
export { checkAlertRules, firingValue } from './alert-rules.js';
export type { AlertRule } from './alert-rules.js';
export { ALERT_SIGNATURE_HEADER, alertWebhook } from './alert-webhook.js';
export type { AlertWebhook, AlertWebhookOptions } from './alert-webhook.js';
export { createAlertEvents, MAX_SNOOZE_MINUTES } from './alert-events.js';
export type { AlertEvent, AlertEvents, AlertEventsOptions, AlertStatus, TriagedAlert } from './alert-events.js';
export { createAlertEvaluator } from './alert-evaluator.js';
export type { AlertEvaluation, AlertEvaluator, AlertEvaluatorOptions } from './alert-evaluator.js';
