// Keeps docs/errors.md in step with the error registries: one row per code, under its
// capability, with the registry's kind, message (meaning) and fix — and no row for a code that
// does not exist. Adding, removing or rewording a code without the doc fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// The public faces, so that every registry they reach is loaded …
import { ERROR_KINDS, errorRegistries } from 'tenantry';
import 'tenantry/postgres';
import 'tenantry/control';

// … and every capability's errors.ts, so a capability without a public face yet (or one the
// imports above forget) cannot slip past this check.
const src = new URL('../../packages/tenantry/src/', import.meta.url);
const capabilityDirs = readdirSync(src, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/errors.ts`, src)))
  .map((entry) => entry.name);
for (const dir of capabilityDirs) await import(new URL(`${dir}/errors.ts`, src).href);

interface Row {
  readonly section: string;
  readonly header: readonly string[];
  readonly cells: readonly string[];
  readonly line: number;
}

/** Splits a Markdown table row into cells, honouring `\|` inside a cell. */
function cellsOf(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** Every table row of the document, with the `##` section and the header it sits under. */
function tableRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let section = '';
  let header: string[] | undefined;
  markdown.split('\n').forEach((line, index) => {
    if (line.startsWith('## ')) {
      section = line.slice(3).trim();
      header = undefined;
    } else if (!line.trimStart().startsWith('|')) {
      header = undefined;
    } else if (header === undefined) {
      header = cellsOf(line);
    } else if (!/^\|?\s*:?-{3,}/.test(line.trim())) {
      rows.push({ section, header, cells: cellsOf(line), line: index + 1 });
    }
  });
  return rows;
}

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = tableRows(doc);
const codeRows = rows
  .filter((r) => r.header.join('|') === 'code|kind|meaning|how to fix')
  .map((r) => ({ section: r.section, line: r.line, code: (r.cells[0] ?? '').replace(/`/g, ''), kind: r.cells[1], meaning: r.cells[2], fix: r.cells[3], width: r.cells.length }));
const kindRows = rows.filter((r) => r.header.join('|') === 'kind|HTTP status');
const registries = errorRegistries();
const declared = registries.flatMap((registry) =>
  Object.entries(registry.specs).map(([code, spec]) => ({ capability: registry.capability, code, ...spec })),
);

describe('docs/errors.md', () => {
  it('is checked against the registries of core, postgres and control', () => {
    expect(registries.map((r) => r.capability)).toEqual(expect.arrayContaining(['core', 'postgres', 'control']));
    expect(codeRows.length).toBeGreaterThan(0);
  });

  it('is checked against one registry per capability folder, named after it', () => {
    expect(registries.map((r) => r.capability).sort()).toEqual([...capabilityDirs].sort());
  });

  it('has a row for every declared code', () => {
    const documented = new Set(codeRows.map((r) => r.code));
    expect(declared.map((d) => d.code).filter((code) => !documented.has(code))).toEqual([]);
  });

  it('has no row for a code that no registry declares', () => {
    const known = new Set(declared.map((d) => d.code));
    expect(codeRows.filter((r) => !known.has(r.code)).map((r) => `line ${r.line}: ${r.code}`)).toEqual([]);
  });

  it('documents each code exactly once', () => {
    const seen = new Map<string, number>();
    for (const r of codeRows) seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([code]) => code)).toEqual([]);
  });

  it("shows each code under its capability with the registry's kind, meaning and fix", () => {
    const byCode = new Map(codeRows.map((r) => [r.code, r]));
    for (const d of declared) {
      const row = byCode.get(d.code);
      if (!row) continue; // reported by the test above
      expect({ code: d.code, section: row.section, kind: row.kind, meaning: row.meaning, fix: row.fix, cells: row.width }).toEqual({
        code: d.code, section: d.capability, kind: d.kind, meaning: d.message, fix: d.fix, cells: 4,
      });
    }
  });

  it('gives the HTTP status of every error kind, once each', () => {
    expect(kindRows.map((r) => r.cells[0])).toEqual([...ERROR_KINDS]);
    const expected: Record<string, string> = {
      invalid: '400', unauthenticated: '401', forbidden: '403', not_found: '404',
      conflict: '409', too_large: '413', limited: '429', unavailable: '503', internal: '500',
    };
    for (const r of kindRows) expect(r.cells[1], r.cells[0]).toBe(expected[r.cells[0] ?? '']);
  });
});
