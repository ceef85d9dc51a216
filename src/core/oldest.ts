/**
 * The oldest key of a Map used as a least-recently-used cache (entries refreshed by delete + set),
 * in O(1) amortised. `map.keys().next()` looks cheap but starts a fresh iterator at the front of
 * V8's hash table every time and steps over every entry deleted since the table was last rebuilt:
 * with tens of thousands of entries evicted and refreshed, each call walked thousands of holes
 * (the DNS answer cache spent ~2 s of a 3,000-domain scan there). One iterator kept across calls
 * starts where the last eviction stopped; a Map iterator visits entries added after it was made and
 * skips deleted ones, so its next entry is the oldest one still present — as long as the caller
 * deletes each key it is given.
 */
export function oldestKeys<K>(map: Map<K, unknown>): () => K | undefined {
  let it = map.keys();
  return () => {
    let n = it.next();
    if (n.done) {
      it = map.keys();
      n = it.next();
    }
    return n.done ? undefined : n.value;
  };
}
