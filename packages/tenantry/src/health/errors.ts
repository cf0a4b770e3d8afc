// Error codes of the health capability (activity, health reports, alerts, analytics, readiness).
import { defineErrors } from '../core/index.js';

export const healthErrors = defineErrors('health', {
  HEALTH_OPTIONS_INVALID: {
    kind: 'invalid',
    message: 'An option of the health capability is invalid.',
    fix: 'See `details.path` and `details.reason`: windows and intervals are positive integers, thresholds finite numbers, rule names lower-case words.',
  },
  HEALTH_QUERY_INVALID: {
    kind: 'invalid',
    message: 'The analytics or health query is invalid.',
    fix: 'See `details.field` and `details.reason` (days 1–366, limit 1–1000, by one of the listed values).',
  },
  ALERT_NOT_FOUND: {
    kind: 'not_found',
    message: 'No alert has this id.',
    fix: 'List alerts with `GET /v1/alerts` (or `tenantry alerts list`) and use an id from there.',
  },
  ALERT_NOT_OPEN: {
    kind: 'conflict',
    message: 'The alert is resolved: only an open alert can be acknowledged, snoozed or resolved.',
    fix: 'Nothing to do for this one; if the rule fires again, a new open alert is raised and can be triaged.',
  },
  ALERT_SNOOZE_INVALID: {
    kind: 'invalid',
    message: 'A snooze must end after now and at most 30 days from now.',
    fix: 'Send `minutes` between 1 and 43200 (the CLI: `--for 2h`, `--for 3d`).',
  },
  ACTIVITY_RECORDER_CLOSED: {
    kind: 'unavailable',
    message: 'The activity recorder was closed.',
    fix: 'Record activity before closing the recorder; close it once, at shutdown, after the HTTP server stopped.',
  },
  READINESS_CHECK_FAILED: {
    kind: 'unavailable',
    message: 'A readiness check failed: this instance cannot serve yet.',
    fix: 'See `details.check` for the dependency that failed (the cause is in the server log); the orchestrator retries the probe.',
  },
});
