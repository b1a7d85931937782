/**
 * Reading a stored record state's parts the same way everywhere (store/, which never calls
 * WebCrypto, and sync/open-records.js, on the page and in the crypto workers).
 *
 * A state keeps the first wrap that came as `wrap` and every other one in `wraps`. States stored
 * before 2026-12-04 repeat `wrap` in `wraps` too; both forms read alike here.
 *
 * A live write is stored under its field as {dot, ctx, nonce, ct} and, only where they differ from
 * the defaults, `kc` (the key commitment of its change) and `e` (its key epoch, default 0). The
 * default commitment is the state's `kd`: that of the first change at epoch 0 stored into a
 * state that holds no write without a commitment (a legacy write, decrypted with the record's
 * first key); a legacy write stored after `kd` is set says so with `kc: null`. A write carries
 * its `kc` whenever it is not `kd` or its epoch is not 0, so code from before `kd` (a tab not yet
 * reloaded after an update) reads a write without `kc` as legacy, with the first key at epoch 0,
 * which is what `kd` stands for: it still reads every honest write right. States stored before
 * this change (2026-12-04) carry `field`, `kc` and `e: 0` in every write; both forms read alike here.
 */

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

/** The key commitment a stored write's change made: its own `kc`, else the state's `kd`; null for a legacy write. */
export function kcOf(state, w) {
  if (has(w, 'kc')) return w.kc;
  return has(state, 'kd') ? state.kd : null;
}

/** A stored write's key epoch (0 unless it says otherwise). */
export function epochOf(w) {
  return has(w, 'e') ? w.e : 0;
}

/**
 * The default commitment for a change's writes stored into `state`: its `kd`, else the change's
 * own `kc` if the change is at epoch 0 and the state holds no legacy write (which would then be
 * read as committed to it); else undefined (every write carries its own).
 */
export function defaultKc(state, kc, e) {
  if (has(state, 'kd')) return state.kd;
  if (kc === undefined || kc === null || e) return undefined;
  for (const live of Object.values(state.fields)) {
    for (const w of live) if (!has(w, 'kc')) return undefined;
  }
  return kc;
}

/** A change's write as a state with default commitment `kd` stores it (its field is the key it is stored under). */
export function storedWrite(w, kc, e, kd) {
  const out = { dot: w.dot, ctx: w.ctx, nonce: w.nonce, ct: w.ct };
  if (kc === undefined) {
    if (kd !== undefined) out.kc = null; // legacy, in a state whose bare writes mean `kd`
  } else if (kc !== kd || e) {
    out.kc = kc;
  }
  if (e) out.e = e;
  return out;
}

/** Every wrap a record state holds (its first, then the others pulled), each once (by signature). */
export function wrapsOf(state) {
  const seen = new Set();
  return [state.wrap, ...(state.wraps ?? [])].filter((w) => w && !seen.has(w.sig) && seen.add(w.sig));
}
