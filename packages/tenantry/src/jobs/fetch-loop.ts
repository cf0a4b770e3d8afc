// A worker loop for backends that are polled (pg-boss): keeps up to `concurrency` jobs in
// flight, fetching exactly as many as there are free slots, at once when one frees up, and
// waits `pollIntervalMs` (or a wake-up from a local send) when the queue is empty.
import type { JobDelivery } from './job-backend.js';

export interface FetchLoopOptions {
  readonly queue: string;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  fetch(count: number): Promise<readonly JobDelivery[]>;
  complete(delivery: JobDelivery): Promise<void>;
  fail(delivery: JobDelivery, err: unknown): Promise<void>;
}

export interface FetchLoop {
  readonly queue: string;
  /** Ends a wait early: a job was just sent to this queue from this process. */
  wake(): void;
  /** Stops fetching and resolves once every job in flight has settled. */
  stop(): Promise<void>;
}

export function startFetchLoop(options: FetchLoopOptions, handler: (delivery: JobDelivery) => Promise<void>): FetchLoop {
  let stopping = false;
  let inFlight = 0;
  let wakeUp: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); wakeUp = undefined; resolve(); }
    wakeUp = done;
  });
  const wake = () => wakeUp?.();

  async function runOne(delivery: JobDelivery): Promise<void> {
    try {
      try {
        await handler(delivery);
      } catch (err) {
        await options.fail(delivery, err);
        return;
      }
      await options.complete(delivery);
    } catch {
      // The database refused the completion: the job's expiry hands it out again.
    } finally {
      inFlight -= 1;
      wake();
    }
  }

  const done = (async () => {
    while (!stopping) {
      const free = options.concurrency - inFlight;
      if (free <= 0) { await sleep(options.pollIntervalMs); continue; }
      let deliveries: readonly JobDelivery[] = [];
      try {
        deliveries = await options.fetch(free);
      } catch {
        // A failed fetch (the database restarting): wait and ask again.
      }
      if (deliveries.length === 0) { if (!stopping) await sleep(options.pollIntervalMs); continue; }
      for (const delivery of deliveries) {
        inFlight += 1;
        void runOne(delivery);
      }
    }
    while (inFlight > 0) await sleep(20);
  })();

  return {
    queue: options.queue,
    wake,
    async stop() {
      stopping = true;
      wake();
      await done;
    },
  };
}
