// ChainVerifier: checks a chain event by event, in one pass and bounded memory, and names the
// first broken link (edited, deleted, reordered, inserted, truncated, rewritten). Pure: the
// database reader and the offline export verifier both feed it.
import type { TenantId } from '../core/index.js';
import { auditCheckpointSignatureOk, type AuditCheckpoint, type AuditVerificationKey } from './audit-checkpoint.js';
import { auditEventHash, GENESIS_HASH, type AuditEvent } from './audit-event.js';
import { auditErrors } from './errors.js';

/**
 * How a chain is broken. `rewritten`: the chain is consistent but differs from a signed
 * checkpoint (an event was changed and every later hash recomputed); `checkpoint-invalid`: a
 * checkpoint's signature does not verify (or two valid ones disagree).
 */
export type AuditBreakKind = 'edited' | 'deleted' | 'reordered' | 'inserted' | 'truncated' | 'rewritten' | 'checkpoint-invalid';

/** The first broken link of a chain. */
export interface AuditChainBreak {
  readonly kind: AuditBreakKind;
  /** The first sequence number affected. */
  readonly seq: number;
  /** The last one affected (`seq` itself when it is one event). */
  readonly toSeq: number;
  /** What showed it: the chain's own hashes, a signed checkpoint, or the stored head. */
  readonly evidence: 'chain' | 'checkpoint' | 'head';
  readonly description: string;
}

interface VerificationSummary {
  readonly tenantId: TenantId;
  /** Events that verified (before the break, if any). */
  readonly events: number;
  /** The last event that verified (seq 0 and the genesis hash when none did). */
  readonly head: { readonly seq: number; readonly hash: string };
  /**
   * The latest validly signed checkpoint (0 when there is none). Events after it are linked but
   * not yet protected against truncation: checkpoint often.
   */
  readonly checkpointSeq: number;
}

/** What verification found: `ok`, or the first broken link. */
export type AuditVerification =
  | (VerificationSummary & { readonly ok: true })
  | (VerificationSummary & { readonly ok: false; readonly break: AuditChainBreak });

export interface ChainVerifierOptions {
  readonly tenantId: TenantId;
  /** Checkpoints from anywhere (database, the tenant's earlier exports); each is checked here. */
  readonly checkpoints: readonly AuditCheckpoint[];
  readonly keys: readonly AuditVerificationKey[];
  /** Where the events pushed continue from: a verified checkpoint, or the genesis (default). */
  readonly anchor?: { readonly seq: number; readonly hash: string };
  /** The stored head's seq, when known: more evidence of a deleted tail. */
  readonly headSeq?: number;
}

/**
 * How many events before a break are remembered, and after it read, to tell its kind. Beyond
 * that a break is still found, only perhaps named less precisely.
 */
const WINDOW = 256;

/**
 * Feed it the events in order (`push`) until `done`, then `finish()`.
 *
 * @example
 * const verifier = new ChainVerifier({ tenantId, checkpoints, keys });
 * for (const event of events) { verifier.push(event); if (verifier.done) break; }
 * const result = verifier.finish();
 */
export class ChainVerifier {
  readonly #tenantId: TenantId;
  readonly #anchorSeq: number;
  readonly #headSeq: number | undefined;
  readonly #checkpoints = new Map<number, string>();
  #latestCheckpoint = 0;
  #expected: number;
  #prevHash: string;
  #lastMatched: number;
  #events = 0;
  // hash → seq of the last WINDOW verified events (and the anchor).
  readonly #recent = new Map<string, number>();
  readonly #recentOrder: string[] = [];
  #pending: { readonly event: AuditEvent; readonly expected: number; readonly prevHash: string } | undefined;
  readonly #lookahead: AuditEvent[] = [];
  #result: AuditVerification | undefined;
  // A checkpoint mismatch, held while a few more events are read (see push).
  #rewrite: AuditVerification | undefined;
  #afterRewrite = 0;

  constructor(options: ChainVerifierOptions) {
    this.#tenantId = options.tenantId;
    const anchor = options.anchor ?? { seq: 0, hash: GENESIS_HASH };
    this.#anchorSeq = anchor.seq;
    this.#expected = anchor.seq + 1;
    this.#prevHash = anchor.hash;
    this.#lastMatched = anchor.seq;
    this.#headSeq = options.headSeq;
    this.#remember(anchor.hash, anchor.seq);
    this.#loadCheckpoints(options.checkpoints, options.keys);
  }

  #loadCheckpoints(checkpoints: readonly AuditCheckpoint[], keys: readonly AuditVerificationKey[]): void {
    // Trust anchors are checked first: a forged one must not decide what the chain should be.
    for (const checkpoint of [...checkpoints].sort((x, y) => x.seq - y.seq)) {
      const key = keys.find((k) => k.keyId === checkpoint.keyId && k.algorithm === checkpoint.algorithm);
      if (!key) throw auditErrors.create('AUDIT_CHECKPOINT_KEY_UNKNOWN', { details: { keyId: checkpoint.keyId, algorithm: checkpoint.algorithm } });
      const known = this.#checkpoints.get(checkpoint.seq);
      if (checkpoint.tenantId !== this.#tenantId || !auditCheckpointSignatureOk(checkpoint, key) || (known !== undefined && known !== checkpoint.hash)) {
        this.#result ??= this.#broken({
          kind: 'checkpoint-invalid',
          seq: checkpoint.seq,
          toSeq: checkpoint.seq,
          evidence: 'checkpoint',
          description: `the checkpoint at seq ${checkpoint.seq} (key ${checkpoint.keyId}) does not carry a valid signature for this tenant's head`,
        });
        continue;
      }
      this.#checkpoints.set(checkpoint.seq, checkpoint.hash);
      this.#latestCheckpoint = Math.max(this.#latestCheckpoint, checkpoint.seq);
    }
  }

  /** True once the verdict is known: more events change nothing. */
  get done(): boolean {
    return this.#result !== undefined || (this.#pending !== undefined && this.#lookahead.length >= WINDOW);
  }

  /** The next event in chain order. */
  push(event: AuditEvent): void {
    if (this.#result) return;
    if (this.#pending) {
      this.#lookahead.push(event);
      return;
    }
    const expected = this.#expected;
    if (event.seq !== expected || event.prevHash !== this.#prevHash || !this.#contentOk(event, expected)) {
      this.#pending = { event, expected, prevHash: this.#prevHash };
      return;
    }
    const signed = this.#checkpoints.get(expected);
    if (signed !== undefined && signed !== event.hash && this.#rewrite === undefined) {
      // The chain is consistent here but not what was signed. Read on a little: a broken link
      // just after (an event slipped in before the signed one) names it more precisely.
      this.#rewrite = this.#broken({
        kind: 'rewritten',
        seq: this.#lastMatched + 1,
        toSeq: expected,
        evidence: 'checkpoint',
        description: `the chain is consistent but its hash at seq ${expected} is not the signed one: events ${this.#lastMatched + 1}–${expected} were rewritten`,
      });
    } else if (signed !== undefined && signed === event.hash) {
      this.#lastMatched = expected;
    }
    if (this.#rewrite !== undefined && (this.#afterRewrite += 1) > WINDOW) {
      this.#result = this.#rewrite;
      return;
    }
    this.#events += 1;
    this.#expected = expected + 1;
    this.#prevHash = event.hash;
    this.#remember(event.hash, expected);
  }

  /** The verdict for everything pushed. */
  finish(): AuditVerification {
    if (this.#result) return this.#result;
    const rewrite = this.#rewrite;
    if (this.#pending) {
      const found = this.#classify(this.#pending.event, this.#pending.expected, this.#pending.prevHash);
      // A link broken at or before the signed seq that did not match explains the mismatch.
      return rewrite && !rewrite.ok && found.seq > rewrite.break.toSeq ? rewrite : this.#broken(found);
    }
    if (rewrite) return rewrite;
    const last = this.#expected - 1;
    if (this.#latestCheckpoint > last) {
      return this.#broken({
        kind: 'truncated',
        seq: last + 1,
        toSeq: this.#latestCheckpoint,
        evidence: 'checkpoint',
        description: `the chain ends at seq ${last} but a signed checkpoint covers seq ${this.#latestCheckpoint}: its newest events were deleted`,
      });
    }
    if (this.#headSeq !== undefined && this.#headSeq > last) {
      return this.#broken({
        kind: 'truncated',
        seq: last + 1,
        toSeq: this.#headSeq,
        evidence: 'head',
        description: `the chain ends at seq ${last} but its stored head is at seq ${this.#headSeq}: its newest events were deleted`,
      });
    }
    return { ok: true, ...this.#summary() };
  }

  #summary(): VerificationSummary {
    return {
      tenantId: this.#tenantId,
      events: this.#events,
      head: { seq: this.#expected - 1, hash: this.#prevHash },
      checkpointSeq: this.#latestCheckpoint,
    };
  }

  #broken(found: AuditChainBreak): AuditVerification {
    return { ok: false, ...this.#summary(), break: found };
  }

  #remember(hash: string, seq: number): void {
    this.#recent.set(hash, seq);
    this.#recentOrder.push(hash);
    if (this.#recentOrder.length > WINDOW) this.#recent.delete(this.#recentOrder.shift() as string);
  }

  /** Whether the event's own fields hash to its stored hash when it sits at `seq` of this tenant's chain. */
  #contentOk(event: AuditEvent, seq: number): boolean {
    if (event.tenantId !== this.#tenantId) return false;
    try {
      return auditEventHash({ ...event, seq }) === event.hash;
    } catch {
      return false; // a value canonical JSON cannot carry (1e400 in an edited export)
    }
  }

  /**
   * Names the break at `event`, which sits where `expected` should be and should link to
   * `prevHash`. Each test is the footprint of one kind of tampering, done by someone who can
   * edit rows and knows the hash (but not the checkpoint key).
   */
  #classify(event: AuditEvent, expected: number, prevHash: string): AuditChainBreak {
    const at = (kind: AuditBreakKind, seq: number, toSeq: number, description: string): AuditChainBreak => ({ kind, seq, toSeq, evidence: 'chain', description });
    if (event.seq > expected) {
      // Seq numbers jump. If a skipped one shows up later, events were moved; otherwise removed.
      if (this.#lookahead.some((later) => later.seq >= expected && later.seq < event.seq)) {
        return at('reordered', expected, expected, `event ${expected} appears after event ${event.seq}`);
      }
      return at('deleted', expected, event.seq - 1, `events ${expected}–${event.seq - 1} are missing`);
    }
    if (event.seq < expected) return at('inserted', event.seq, event.seq, `a second event claims seq ${event.seq}`);

    const laterHashes = new Set(this.#lookahead.map((later) => later.hash));
    const linksTo = this.#recent.get(event.prevHash);
    if (this.#contentOk(event, expected)) {
      // Intact itself, but it follows something other than the event before it.
      if (laterHashes.has(event.prevHash)) return at('reordered', expected, expected, `event ${expected} follows an event stored after it`);
      if (linksTo !== undefined) return at('inserted', linksTo + 1, expected - 1, `events ${linksTo + 1}–${expected - 1} are not in the history of event ${expected}`);
      // Its predecessor no longer has the hash it had: it was edited and its hash recomputed.
      const edited = expected - 1 > this.#anchorSeq ? expected - 1 : expected;
      return at('edited', edited, edited, `event ${edited} was changed after it was written (its hash was recomputed)`);
    }
    if (event.prevHash === prevHash) return at('edited', expected, expected, `event ${expected} was changed after it was written`);
    if (laterHashes.has(event.prevHash)) return at('reordered', expected, expected, `event ${expected} was moved: it follows an event stored after it`);
    if (linksTo !== undefined && this.#contentOk(event, linksTo + 1)) {
      // The event is intact one place earlier: events were inserted before it and it was renumbered.
      return at('inserted', linksTo + 1, expected - 1, `events ${linksTo + 1}–${expected - 1} were inserted into the chain`);
    }
    if (linksTo === undefined) {
      // Intact some places later: events were deleted and the rest renumbered to close the gap.
      for (let skipped = 1; skipped <= WINDOW; skipped += 1) {
        if (this.#contentOk(event, expected + skipped)) {
          return at('deleted', expected, expected + skipped - 1, `events ${expected}–${expected + skipped - 1} were deleted and the rest renumbered`);
        }
      }
    }
    return at('edited', expected, expected, `event ${expected} was changed after it was written`);
  }
}
