// The Generic Cell Rate Algorithm, in process. The Lua script in drivers/gcra-script.ts is the
// same arithmetic line by line; both work on whole microseconds, which doubles hold exactly
// (now ≈ 1.8e15 µs < 2^53), so both backends reach identical decisions.
import type { GcraOutcome } from './key-value-store.js';

/**
 * One GCRA step for a rule whose theoretical arrival time is `storedTat` (0 when absent).
 * Returns the new TAT when allowed, or -1 when denied; fills `out` for the rule.
 *
 * @example const tat = gcraStep(previous, nowUs, 600_000, 6_000_000, 1, out);
 */
export function gcraStep(storedTat: number, nowUs: number, intervalUs: number, capacityUs: number, cost: number, out: GcraOutcome): number {
  const tat = storedTat > nowUs ? storedTat : nowUs;
  const newTat = tat + cost * intervalUs;
  const allowAt = newTat - capacityUs;
  if (nowUs < allowAt) {
    out.allowed = false;
    out.remaining = Math.floor((capacityUs - (tat - nowUs)) / intervalUs);
    out.resetAfterMs = Math.ceil((tat - nowUs) / 1000);
    out.retryAfterMs = Math.ceil((allowAt - nowUs) / 1000);
    return -1;
  }
  out.allowed = true;
  out.remaining = Math.floor((capacityUs - (newTat - nowUs)) / intervalUs);
  out.resetAfterMs = Math.ceil((newTat - nowUs) / 1000);
  out.retryAfterMs = 0;
  return newTat;
}

/**
 * Folds one rule's outcome into the overall one: a denial beats an allowance, a longer wait
 * beats a shorter one, fewer remaining beats more.
 */
export function bindingRule(overall: GcraOutcome, index: number, step: GcraOutcome): void {
  const replace =
    index === 0 ||
    (overall.allowed && !step.allowed) ||
    (!overall.allowed && !step.allowed && step.retryAfterMs > overall.retryAfterMs) ||
    (overall.allowed && step.allowed && (step.remaining < overall.remaining || (step.remaining === overall.remaining && step.resetAfterMs > overall.resetAfterMs)));
  if (!replace) return;
  overall.allowed = step.allowed;
  overall.rule = index;
  overall.remaining = step.remaining;
  overall.resetAfterMs = step.resetAfterMs;
  overall.retryAfterMs = step.retryAfterMs;
}
