/**
 * The same string as one flat run of characters. V8 makes a concatenation (a template literal, `+`)
 * whose result has 13 characters or more a tree of "cons" strings — one heap object per joint —
 * that lives as long as the string does. For strings a scan keeps for seconds (cache keys, finding
 * texts) those trees were objects that every young-generation collection copied and then promoted:
 * a heap snapshot mid-scan held 210,000 of them. `Array.prototype.join` of two or more parts writes
 * one sequential string; the slices it is given die young. The characters are unchanged (unlike
 * `normalize()`, which also flattens but rewrites non-NFC text).
 */
export function flat(s: string): string {
  return s.length < 13 ? s : [s.slice(0, 1), s.slice(1)].join('');
}
