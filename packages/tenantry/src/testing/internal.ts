// The testing helpers for Tenantry's own tests only (dependency processes an outage test starts
// and breaks). Not part of the package's exports map, so applications cannot import it.
export { freePort, hasRedisServer, startRedis, type OwnedProcess } from './dependency-processes.js';
