// What tests/support/global-setup.ts hands every test file through vitest's inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL; each test file creates (and drops) its own database there. */
    adminUrl: string;
    /** Passwords set on the shared login roles for this run (ignored under trust auth). */
    rolePasswords: { app: string; operator: string };
    /** REDIS_URL when it answers PING, else '' (Redis tests then skip, saying so). */
    redisUrl: string;
    /**
     * The instant the suite's clocks start at (ISO 8601): TENANTRY_TEST_NOW when set, else a
     * fixed instant. Date-sensitive tests build their clocks from it, never from the wall clock.
     */
    testNow: string;
    /** NEO4J_URL (bolt://user:password@host:7687) or '': the Neo4j store suite skips without it. */
    neo4jUrl: string;
    /** MONGODB_URL or '': the MongoDB store suite skips without it. */
    mongodbUrl: string;
    /** WEAVIATE_URL (http://host:8080) or '': the Weaviate store suite skips without it. */
    weaviateUrl: string;
    /** S3_URL (http://KEY:SECRET@host:9000/bucket: MinIO, AWS) or '': the real-S3 suite skips without it. */
    s3Url: string;
  }
}
