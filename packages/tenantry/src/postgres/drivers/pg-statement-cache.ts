// The per-connection cache of prepared statements: parameterized statements are parsed and
// planned once per connection instead of at every execution. With row-level security this
// matters: planning a policy-guarded query costs about as much as running it.
import { createHash } from 'node:crypto';

/**
 * Names for statement texts on one connection, least recently used first out. Evicted names
 * are queued for a Close message, sent at the head of the connection's next pipeline (so it
 * can never be skipped by an error in some other pipeline).
 */
export class StatementCache {
  readonly #names = new Map<string, string>();
  readonly #toClose: string[] = [];

  constructor(private readonly maxStatements: number) {}

  /** The statement name for `text`, marking it most recently used. */
  nameFor(text: string): string {
    let name = this.#names.get(text);
    if (name !== undefined) {
      this.#names.delete(text);
      this.#names.set(text, name);
      return name;
    }
    // Derived from the text so a name can never be reused for a different statement.
    name = `tenantry_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    this.#names.set(text, name);
    if (this.#names.size > this.maxStatements) {
      const [oldestText, oldestName] = this.#names.entries().next().value as [string, string];
      this.#names.delete(oldestText);
      this.#toClose.push(oldestName);
    }
    return name;
  }

  /** Forgets `text` (its plan went stale: the result type changed under it). */
  forget(text: string): void {
    const name = this.#names.get(text);
    if (name === undefined) return;
    this.#names.delete(text);
    this.#toClose.push(name);
  }

  /** Names to Close before the next statement; the queue is emptied. */
  drainClosings(): string[] {
    return this.#toClose.splice(0, this.#toClose.length);
  }
}
