// Layer 1: ids, the tenant record, the tenant context, errors and the clock. No I/O.
export * from './errors.js';
export * from './tenant-id.js';
export * from './tenant.js';
export * from './tenant-admission.js';
export * from './tenant-context.js';
export * from './clock.js';
