/**
 * The version tag of a record state: a short, stable hash of its live dots (pure, no crypto). A
 * sealed cache entry is fresh while its tag is the record's; the local store keeps each record's
 * tag beside it (`v`, store/local.js `stamped`), so the tags are read without the records.
 */
export function versionOf(state) {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const text = Object.keys(state.fields).sort()
    .map((f) => f + ':' + state.fields[f].map((w) => w.dot.join('.')).sort().join(',')).join('|');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(36) + h2.toString(36) + '.' + text.length;
}
