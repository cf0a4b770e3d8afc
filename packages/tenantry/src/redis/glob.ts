// Redis's glob matching (stringmatchlen in util.c) for the memory driver's SCAN MATCH, so the
// in-process store answers a pattern exactly as Redis does: `*`, `?`, `[abc]`, `[^a]`, `[a-z]`
// and `\` escapes. The conformance tests compare it with a real Redis.

/**
 * @example globMatch('t:{a}:*', 't:{a}:x') // true
 */
export function globMatch(pattern: string, text: string): boolean {
  return match(pattern, 0, text, 0, 0);
}

function match(p: string, pi: number, s: string, si: number, depth: number): boolean {
  // Redis caps the recursion too (a pattern of many `*` must not blow the stack).
  if (depth > 1000) return false;
  while (pi < p.length && si <= s.length) {
    const c = p[pi] as string;
    if (c === '*') {
      while (p[pi + 1] === '*') pi += 1;
      if (pi + 1 === p.length) return true;
      // Like Redis, the rest of the pattern is tried against non-empty rests of the text only.
      for (let k = si; k < s.length; k += 1) if (match(p, pi + 1, s, k, depth + 1)) return true;
      return false;
    }
    if (si === s.length) return false;
    if (c === '?') {
      si += 1;
      pi += 1;
      continue;
    }
    if (c === '[') {
      pi += 1;
      const not = p[pi] === '^';
      if (not) pi += 1;
      let matched = false;
      for (;;) {
        if (pi >= p.length) {
          pi -= 1; // Redis: an unterminated class ends at the pattern's last character
          break;
        }
        const pc = p[pi] as string;
        if (pc === '\\' && pi + 1 < p.length) {
          pi += 1;
          if (p[pi] === s[si]) matched = true;
        } else if (pc === ']') {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === '-') {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          const ch = s.charCodeAt(si);
          if (start > end) [start, end] = [end, start];
          pi += 2;
          if (ch >= start && ch <= end) matched = true;
        } else if (pc === s[si]) {
          matched = true;
        }
        pi += 1;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si += 1;
      pi += 1;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi += 1;
    if (p[pi] !== s[si]) return false;
    si += 1;
    pi += 1;
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length && si === s.length;
}
