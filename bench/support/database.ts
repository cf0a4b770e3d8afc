// The PostgreSQL server a benchmark runs on: DATABASE_URL when it answers, else an embedded
// one in a temporary directory (stopped and removed by stop()).
import { findOrStartPostgres } from 'tenantry/postgres/embedded';

export interface BenchServer {
  readonly adminUrl: string;
  readonly rolePasswords: { app: string; operator: string };
  stop(): Promise<void>;
}

export async function benchServer(): Promise<BenchServer> {
  const server = await findOrStartPostgres({ url: process.env.DATABASE_URL || undefined, whenUrlGiven: 'use-if-answers', embedded: { dataDir: 'temporary' } });
  return {
    adminUrl: server.adminUrl,
    rolePasswords: { ...(server.rolePasswords ?? { app: 'bench-app', operator: 'bench-operator' }) },
    stop: () => server.stop(),
  };
}

/** Runs `request` from `clients` concurrent loops for `ms` milliseconds; returns requests per second. */
export async function throughput(clients: number, ms: number, request: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await request();
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Throughput of `candidate` ÷ throughput of `baseline`, measured ABBA (baseline, candidate,
 * candidate, baseline) so that a drift of the machine's speed during the slice cancels out.
 */
export async function pairedRatio(clients: number, ms: number, baseline: () => Promise<unknown>, candidate: () => Promise<unknown>): Promise<{ ratio: number; baseline: number; candidate: number }> {
  const half = ms / 2;
  const b1 = await throughput(clients, half, baseline);
  const c1 = await throughput(clients, half, candidate);
  const c2 = await throughput(clients, half, candidate);
  const b2 = await throughput(clients, half, baseline);
  return { ratio: (c1 + c2) / (b1 + b2), baseline: (b1 + b2) / 2, candidate: (c1 + c2) / 2 };
}
