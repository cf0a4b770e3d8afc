// Error codes of the control plane (tenant registry and lifecycle).
import { defineErrors } from '../core/index.js';

export const controlErrors = defineErrors('control', {
  TENANT_SLUG_INVALID: {
    kind: 'invalid',
    message: 'The slug is not a valid DNS label.',
    fix: 'Use 1–63 characters a–z, 0–9 and "-", starting and ending with a letter or digit.',
  },
  TENANT_SLUG_RESERVED: {
    kind: 'invalid',
    message: 'The slug is reserved.',
    fix: 'Choose another slug; names such as www, admin and api are kept for the platform.',
  },
  TENANT_SLUG_TAKEN: {
    kind: 'conflict',
    message: 'Another tenant already uses this slug.',
    fix: 'Choose another slug.',
  },
  TENANT_FIELD_INVALID: {
    kind: 'invalid',
    message: 'A tenant field is invalid.',
    fix: 'See `details.field` and `details.reason`.',
  },
  TENANT_INVALID_TRANSITION: {
    kind: 'conflict',
    message: 'The tenant cannot make that lifecycle transition from its current status.',
    fix: 'See `details.from` and `details.allowed` for the transitions possible now.',
  },
  TENANT_VERSION_CONFLICT: {
    kind: 'conflict',
    message: 'The tenant was changed by someone else since it was read.',
    fix: 'Read the tenant again and retry with its current version.',
  },
});
