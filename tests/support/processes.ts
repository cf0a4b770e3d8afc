// The dependency processes of tenantry/testing, for the suite's global setup and the fault suite.
export { freePort, hasRedisServer, owned, REDIS_SERVER, redisAnswers, startRedis, type OwnedProcess } from 'tenantry/testing';
