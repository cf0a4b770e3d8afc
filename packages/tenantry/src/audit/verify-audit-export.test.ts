// Offline verification of an export, with no database: any change to any field of any event,
// any removal and any reordering is detected, and each kind of tampering is named as such —
// also when the tamperer knows the hash function and recomputes hashes (but has no key).
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantryError, newTenantId, type TenantId } from '../core/index.js';
import { auditVerificationKey, signAuditCheckpoint, type AuditCheckpoint, type AuditSigningKey } from './audit-checkpoint.js';
import { auditEventHash, auditTime, GENESIS_HASH, type AuditEvent } from './audit-event.js';
import type { AuditBreakKind, AuditVerification } from './chain-verifier.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { auditCheckpointLine, auditEventLine } from './export-format.js';
import { verifyAuditExport } from './verify-audit-export.js';

const tenantId = newTenantId();
const key: AuditSigningKey = { keyId: 'audit-1', algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey };
const keys = [auditVerificationKey(key)];
const START = Date.parse('2025-03-01T10:00:00.000Z');

type Input = Pick<AuditEvent, 'actor' | 'action' | 'target' | 'requestId' | 'details'>;

/** Recomputes seq, prevHash and hash from `from` on: what a tamperer who knows SHA-256 can do. */
function rechain(events: readonly AuditEvent[], from = 0, tenant: TenantId = tenantId): AuditEvent[] {
  const out = events.slice(0, from);
  let prevHash = from === 0 ? GENESIS_HASH : (out[from - 1] as AuditEvent).hash;
  for (const event of events.slice(from)) {
    const content = { ...event, tenantId: tenant, seq: out.length + 1, prevHash };
    const hash = auditEventHash(content);
    out.push({ ...content, hash });
    prevHash = hash;
  }
  return out;
}

function chainOf(inputs: readonly Input[], tenant: TenantId = tenantId): AuditEvent[] {
  const events = inputs.map((input, i) => ({ ...input, tenantId: tenant, seq: 0, prevHash: '', hash: '', time: auditTime(new Date(START + i * 1000)) }));
  return rechain(events, 0, tenant);
}

function checkpointOf(events: readonly AuditEvent[], signer: AuditSigningKey = key, tenant: TenantId = tenantId): AuditCheckpoint {
  const last = events.at(-1);
  return signAuditCheckpoint({ tenantId: tenant, seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH, time: auditTime(new Date(START + 1e7)) }, signer);
}

const exportOf = (events: readonly AuditEvent[], checkpoints: readonly AuditCheckpoint[]) =>
  [...checkpoints.map(auditCheckpointLine), ...events.map(auditEventLine)].join('');

const verify = (events: readonly AuditEvent[], checkpoints: readonly AuditCheckpoint[] = [checkpointOf(events)]): AuditVerification =>
  verifyAuditExport(exportOf(events, checkpoints), { tenantId, keys });

const breakOf = (result: AuditVerification) => (result.ok ? undefined : { kind: result.break.kind, seq: result.break.seq, toSeq: result.break.toSeq });

const inputArb: fc.Arbitrary<Input> = fc.record({
  actor: fc.string({ minLength: 1, maxLength: 12 }),
  action: fc.stringMatching(/^[a-z][a-z0-9_.]{0,10}$/),
  target: fc.option(fc.string({ maxLength: 12 }), { nil: null }),
  requestId: fc.option(fc.string({ maxLength: 12 }), { nil: null }),
  details: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) as fc.Arbitrary<JsonObject>,
});
const chainArb = (minLength = 1) => fc.array(inputArb, { minLength, maxLength: 12 }).map((inputs) => chainOf(inputs));

// Where a change to a field shows up: content fields make their own event fail its hash.
const CONTENT_FIELDS = ['actor', 'action', 'target', 'requestId', 'details', 'time', 'hash'] as const;
const valueFor = (field: keyof AuditEvent): fc.Arbitrary<unknown> => {
  switch (field) {
    case 'target':
    case 'requestId':
      return fc.option(fc.string({ maxLength: 12 }), { nil: null });
    case 'details':
      return fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    case 'seq':
      return fc.integer({ min: 1, max: 30 });
    case 'tenantId':
      return fc.uuid();
    default:
      return fc.string({ maxLength: 64 });
  }
};
const mutationArb = (fields: readonly (keyof AuditEvent)[]) =>
  fc.constantFrom(...fields).chain((field) => fc.tuple(fc.constant(field), valueFor(field)));

describe('verifyAuditExport', () => {
  it('accepts an untouched chain with its checkpoint, and reports its head', () => {
    fc.assert(
      fc.property(chainArb(0), (events) => {
        const result = verify(events);
        expect(result).toMatchObject({ ok: true, tenantId, events: events.length, checkpointSeq: events.length });
        expect(result.head).toEqual({ seq: events.length, hash: events.at(-1)?.hash ?? GENESIS_HASH });
      }),
    );
  });

  it('detects a change to any field of any event; a content change as "edited" at that seq', () => {
    const all: (keyof AuditEvent)[] = [...CONTENT_FIELDS, 'prevHash', 'seq', 'tenantId'];
    fc.assert(
      fc.property(chainArb(), fc.nat(), mutationArb(all), (events, pick, [field, value]) => {
        const i = pick % events.length;
        const original = events[i] as AuditEvent;
        fc.pre(canonicalJson(value) !== canonicalJson(original[field]));
        const tampered = events.map((e, j) => (j === i ? { ...e, [field]: value } : e));
        const result = verify(tampered, [checkpointOf(events)]);
        expect(result.ok).toBe(false);
        if ((CONTENT_FIELDS as readonly string[]).includes(field)) expect(breakOf(result)).toMatchObject({ kind: 'edited', seq: i + 1 });
      }),
    );
  });

  it('detects the removal of any event: "deleted" inside the chain, "truncated" at its end', () => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), (events, pick) => {
        const i = pick % events.length;
        const result = verify(events.filter((_, j) => j !== i), [checkpointOf(events)]);
        const expected: AuditBreakKind = i === events.length - 1 ? 'truncated' : 'deleted';
        expect(breakOf(result)).toEqual({ kind: expected, seq: i + 1, toSeq: i + 1 });
      }),
    );
  });

  it('detects any reordering of the lines as "reordered"', () => {
    fc.assert(
      fc.property(
        chainArb(2).chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
        ([events, shuffled]) => {
          fc.pre(shuffled.some((e, j) => e.seq !== j + 1));
          expect(breakOf(verify(shuffled, [checkpointOf(events)]))?.kind).toBe('reordered');
        },
      ),
    );
  });

  it('detects a reordering whose seq numbers were rewritten to the new order as "reordered"', () => {
    fc.assert(
      fc.property(
        chainArb(2).chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
        ([events, shuffled]) => {
          const renumbered = shuffled.map((e, j) => ({ ...e, seq: j + 1 }));
          const first = shuffled.findIndex((e, j) => e.seq !== j + 1);
          fc.pre(first >= 0);
          expect(breakOf(verify(renumbered, [checkpointOf(events)]))).toEqual({ kind: 'reordered', seq: first + 1, toSeq: first + 1 });
        },
      ),
    );
  });

  it('names a forged event slipped in (with a valid hash, later events renumbered) "inserted"', () => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), inputArb, (events, pick, forgedInput) => {
        const k = (pick % events.length) + 1; // the forged event takes seq k, before the original event k
        const prev = events[k - 2]?.hash ?? GENESIS_HASH;
        const content = { ...forgedInput, tenantId, seq: k, prevHash: prev, time: auditTime(new Date(START)) };
        const forged = { ...content, hash: auditEventHash(content) };
        const tampered = [...events.slice(0, k - 1), forged, ...events.slice(k - 1).map((e) => ({ ...e, seq: e.seq + 1 }))];
        expect(breakOf(verify(tampered, [checkpointOf(events)]))).toEqual({ kind: 'inserted', seq: k, toSeq: k });
      }),
    );
  });

  it('names events deleted with the rest renumbered to close the gap "deleted"', () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), fc.integer({ min: 1, max: 3 }), (events, pick, count) => {
        const k = (pick % (events.length - 1)) + 1;
        const removed = Math.min(count, events.length - k); // keep at least one event after the gap
        const tampered = [...events.slice(0, k - 1), ...events.slice(k - 1 + removed).map((e) => ({ ...e, seq: e.seq - removed }))];
        expect(breakOf(verify(tampered, [checkpointOf(events)]))).toEqual({ kind: 'deleted', seq: k, toSeq: k + removed - 1 });
      }),
    );
  });

  it('names an event edited and re-hashed "edited" at that event (its successor still points to the old hash)', () => {
    fc.assert(
      fc.property(chainArb(2), fc.nat(), fc.string({ minLength: 1, maxLength: 8 }), (events, pick, actor) => {
        const i = pick % (events.length - 1); // not the last: its successor is the evidence
        fc.pre(actor !== events[i]?.actor);
        const edited = { ...(events[i] as AuditEvent), actor };
        const tampered = events.map((e, j) => (j === i ? { ...edited, hash: auditEventHash(edited) } : e));
        expect(breakOf(verify(tampered, [checkpointOf(events)]))).toEqual({ kind: 'edited', seq: i + 1, toSeq: i + 1 });
      }),
    );
  });

  it('needs the signed checkpoint to see a rewrite of the whole tail: "rewritten" with it, unseen without (rule 19)', () => {
    fc.assert(
      fc.property(chainArb(), fc.nat(), fc.string({ minLength: 1, maxLength: 8 }), (events, pick, actor) => {
        const i = pick % events.length;
        fc.pre(actor !== events[i]?.actor);
        const rewritten = rechain(events.map((e, j) => (j === i ? { ...e, actor } : e)), i);
        expect(breakOf(verify(rewritten, [checkpointOf(events)]))).toEqual({ kind: 'rewritten', seq: 1, toSeq: events.length });
        expect(verify(rewritten, []).ok).toBe(true);
      }),
    );
  });

  it('catches a truncation with a checkpoint kept from an earlier export, even when the new export has none', () => {
    const events = chainOf(Array.from({ length: 6 }, (_, i) => ({ actor: 'a', action: `step.${i}`, target: null, requestId: null, details: {} })));
    const kept = auditCheckpointLine(checkpointOf(events));
    const truncatedExport = exportOf(events.slice(0, 4), [checkpointOf(events.slice(0, 2))]);
    const result = verifyAuditExport([truncatedExport, kept], { tenantId, keys });
    expect(breakOf(result)).toEqual({ kind: 'truncated', seq: 5, toSeq: 6 });
    expect(result).toMatchObject({ events: 4, checkpointSeq: 6, head: { seq: 4 } });
  });

  it('refuses another tenant\'s export, however valid it is for that tenant', () => {
    const other = newTenantId();
    const theirs = chainOf([{ actor: 'a', action: 'x', target: null, requestId: null, details: {} }], other);
    const result = verifyAuditExport(exportOf(theirs, [checkpointOf(theirs, key, other)]), { tenantId, keys });
    expect(breakOf(result)?.kind).toBe('checkpoint-invalid');
    expect(breakOf(verifyAuditExport(exportOf(theirs, []), { tenantId, keys }))).toEqual({ kind: 'edited', seq: 1, toSeq: 1 });
  });

  it('reports a checkpoint forged with another key under the same key id as "checkpoint-invalid"', () => {
    const events = chainOf([{ actor: 'a', action: 'x', target: null, requestId: null, details: {} }]);
    const forger: AuditSigningKey = { keyId: key.keyId, algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey };
    expect(breakOf(verify(events, [checkpointOf(events, forger)]))).toEqual({ kind: 'checkpoint-invalid', seq: 1, toSeq: 1 });
  });

  it('throws AUDIT_CHECKPOINT_KEY_UNKNOWN for a checkpoint whose key was not given', () => {
    const events = chainOf([{ actor: 'a', action: 'x', target: null, requestId: null, details: {} }]);
    const other: AuditSigningKey = { keyId: 'audit-2', algorithm: 'ed25519', privateKey: generateKeyPairSync('ed25519').privateKey };
    let err: unknown;
    try {
      verify(events, [checkpointOf(events, other)]);
    } catch (e) {
      err = e;
    }
    expect(isTenantryError(err, 'AUDIT_CHECKPOINT_KEY_UNKNOWN')).toBe(true);
    expect((err as { details: object }).details).toEqual({ keyId: 'audit-2', algorithm: 'ed25519' });
  });

  it('reads the export in chunks that split lines anywhere, and skips blank lines', () => {
    const events = chainOf(Array.from({ length: 3 }, (_, i) => ({ actor: 'a', action: `s.${i}`, target: null, requestId: null, details: { i } })));
    const text = `\n${exportOf(events, [checkpointOf(events)])}\n\n`;
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    expect(verifyAuditExport(chunks, { tenantId, keys })).toMatchObject({ ok: true, events: 3 });
  });

  it.each<[string, string, number, RegExp]>([
    ['a line that is not JSON', '{"record":"event"', 1, /not JSON/],
    ['an unknown record type', '{"record":"note"}', 1, /record must be/],
    ['an event with a field missing', '{"record":"event","seq":1}', 1, /missing tenantId/],
    ['an event with an unknown field', `${auditEventLine(chainOf([{ actor: 'a', action: 'x', target: null, requestId: null, details: {} }])[0] as AuditEvent).trim().slice(0, -1)},"extra":1}`, 1, /unknown extra/],
    ['a seq that is not a positive integer', `${auditEventLine({ ...(chainOf([{ actor: 'a', action: 'x', target: null, requestId: null, details: {} }])[0] as AuditEvent), seq: 1.5 })}`, 1, /seq must be/],
  ])('refuses %s with AUDIT_EXPORT_INVALID and its line number', (_, line, number, reason) => {
    let err: unknown;
    try {
      verifyAuditExport(line, { tenantId, keys });
    } catch (e) {
      err = e;
    }
    expect(isTenantryError(err, 'AUDIT_EXPORT_INVALID')).toBe(true);
    expect((err as { details: { line: number; reason: string } }).details.line).toBe(number);
    expect((err as { details: { reason: string } }).details.reason).toMatch(reason);
  });
});
