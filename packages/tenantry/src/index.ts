// The root face of the library: ids, tenant context, errors and option types. No I/O here;
// database, control-plane and testing helpers have their own entry points
// (`tenantry/postgres`, `tenantry/control`, `tenantry/testing`).
export * from './core/index.js';
