// Bug (issue 14): with RATE_LIMIT_ON_UNAVAILABLE=closed every refused request was logged at error
// level with its stack (20,158 lines, 42 MB in 23 s). A refusal during a watched outage is now
// logged at debug only (the outage itself once; the refusals are counted by the metrics).
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { redisErrors } from 'tenantry/redis';
import { createLogger } from '../logger.js';
import { installProblemHandlers } from './problem-handlers.js';

async function logLevelsOf(thrown: () => Error): Promise<number[]> {
  const levels: number[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void levels.push((JSON.parse(line) as { level: number }).level) } });
  // Typed as Fastify's logger, as app.ts does.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({ loggerInstance, disableRequestLogging: true });
  installProblemHandlers(app);
  app.get('/x', async () => { throw thrown(); });
  try {
    for (let i = 0; i < 20; i += 1) expect((await app.inject({ url: '/x' })).statusCode).toBe(503);
  } finally {
    await app.close();
  }
  return levels;
}

describe('problem handler logging', () => {
  it('logs no line at info or above for refusals during a rate-limiter outage, however many', async () => {
    const levels = await logLevelsOf(() => redisErrors.create('RATE_LIMIT_UNAVAILABLE', { cause: new Error('Command timed out') }));
    expect(levels).toEqual([]);
  });

  it('still logs a server fault at error level', async () => {
    const levels = await logLevelsOf(() => redisErrors.create('REDIS_UNAVAILABLE', { cause: new Error('down') }));
    expect(levels).toEqual(Array(20).fill(50));
  });
});
