// The one key rule every tenant store applies before a key meets its backend: a key is NFC-
// normalized and then refused (never repaired) if any part of it could name something outside the
// tenant's own space: `..` or `.` segments, empty segments (`//`), a leading `/`, backslashes
// (some servers read them as separators) and control characters (log and header injection).
import { storesErrors } from './errors.js';

/** Longest key in UTF-8 bytes, after the tenant prefix is added (S3 allows 1024 in all). */
export const MAX_KEY_BYTES = 900;

// C0, DEL and C1 controls, plus the Unicode line/paragraph separators and BOM.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/u;

function refuse(reason: string): never {
  throw storesErrors.create('STORE_KEY_INVALID', { details: { reason } });
}

/**
 * The key in its one canonical form, or `STORE_KEY_INVALID`. Normalization is NFC only, so two
 * spellings of "é" are one key; everything else that could move a key out of its prefix is
 * refused rather than rewritten, so a caller never reads a different object than it named.
 *
 * @example normalizeStoreKey('invoices/2026/é.pdf') // 'invoices/2026/é.pdf' (NFC)
 */
export function normalizeStoreKey(raw: unknown): string {
  if (typeof raw !== 'string') refuse('not a string');
  const key = raw.normalize('NFC');
  if (key.length === 0) refuse('empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) refuse(`longer than ${MAX_KEY_BYTES} bytes`);
  if (CONTROL.test(key)) refuse('control character');
  if (key.includes('\\')) refuse('backslash');
  if (key.startsWith('/')) refuse('leading /');
  for (const segment of key.split('/')) {
    if (segment === '') refuse('empty segment (//) or trailing /');
    if (segment === '.' || segment === '..') refuse(`"${segment}" segment`);
  }
  return key;
}

/** A list prefix: the same rules as a key, except that it may be empty or end with `/`. */
export function normalizeStorePrefix(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '';
  const trailing = raw.endsWith('/');
  const key = normalizeStoreKey(trailing ? raw.slice(0, -1) : raw);
  return trailing ? `${key}/` : key;
}
