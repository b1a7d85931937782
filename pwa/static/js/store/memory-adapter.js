/** The store's adapter in memory: the same contract as the IndexedDB one, for tests in node. */

import { STORES } from './schema.js';

const byKey = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** A fresh in-memory database; `dump()` shows every stored value, as a raw IndexedDB read would. */
export function memoryAdapter() {
  let data = Object.fromEntries(Object.keys(STORES).map((s) => [s, new Map()]));
  let counters = Object.fromEntries(Object.keys(STORES).map((s) => [s, 0]));
  let writing = Promise.resolve(); // read-write transactions run one after another, as in IndexedDB

  async function run(stores, mode, fn) {
    // Work on copies and swap them in at the end: all of it happens, or none of it.
    const work = { ...data };
    const next = { ...counters };
    for (const s of stores) work[s] = new Map(data[s]);
    const keyOf = (s, value, key) => {
      const { keyPath, autoIncrement } = STORES[s];
      if (keyPath) {
        if (value[keyPath] === undefined && autoIncrement) value[keyPath] = ++next[s];
        // As in IndexedDB, an explicit number above the key generator moves the generator on.
        else if (autoIncrement && typeof value[keyPath] === 'number') next[s] = Math.max(next[s],
          Math.floor(value[keyPath]));
        return value[keyPath];
      }
      if (key === undefined) throw new Error(`store ${s} needs an explicit key`);
      return key;
    };
    // Like IndexedDB, a transaction ends once a task passes with nothing asked of it: awaiting
    // WebCrypto or fetch inside one (style §12) makes the next operation fail here as it would there.
    let active = true;
    const timer = setTimeout(() => { active = false; }, 0);
    const live = (s) => {
      if (!active) throw new Error('TransactionInactiveError: the transaction ended while awaiting something else');
      if (!stores.includes(s)) throw new Error(`store ${s} is not in this transaction`);
    };
    const writable = (s) => {
      live(s);
      if (mode !== 'readwrite') throw new Error('read-only transaction');
    };
    const ops = {
      get: async (s, key) => { live(s); return structuredClone(work[s].get(key)); },
      getAll: async (s, count) => {
        live(s);
        return [...work[s].entries()].sort(([a], [b]) => byKey(a, b)).slice(0, count ?? Infinity)
          .map(([, v]) => structuredClone(v));
      },
      getAllKeys: async (s) => { live(s); return [...work[s].keys()].sort(byKey); },
      count: async (s) => { live(s); return work[s].size; },
      put: async (s, value, key) => {
        writable(s);
        const copy = structuredClone(value);
        const k = keyOf(s, copy, key);
        work[s].set(k, copy);
        return k;
      },
      add: async (s, value, key) => {
        writable(s);
        const copy = structuredClone(value);
        const k = keyOf(s, copy, key);
        if (work[s].has(k)) throw new Error('ConstraintError');
        work[s].set(k, copy);
        return k;
      },
      delete: async (s, key) => { writable(s); work[s].delete(key); },
      clear: async (s) => { writable(s); work[s].clear(); },
      // As IndexedDB's index: rows whose value lacks the key path are not in it; ordered by index key.
      indexKeys: async (s, index, unique = false) => {
        live(s);
        const path = STORES[s].indexes[index];
        const rows = [...work[s].entries()].filter(([, v]) => v[path] !== undefined && v[path] !== null)
          .map(([k, v]) => [v[path], k]).sort((a, b) => byKey(a[0], b[0]) || byKey(a[1], b[1]));
        return unique ? rows.filter((r, i) => i === 0 || byKey(rows[i - 1][0], r[0]) !== 0) : rows;
      },
      indexUnique: async (s, index) => (await ops.indexKeys(s, index, true)).length,
      indexCount: async (s, index) => {
        live(s);
        const path = STORES[s].indexes[index];
        return [...work[s].values()].filter((v) => v[path] !== undefined && v[path] !== null).length;
      },
    };
    let result;
    try {
      result = await fn(ops);
    } finally {
      clearTimeout(timer);
    }
    data = work;
    counters = next;
    return result;
  }

  return {
    transaction(stores, mode, fn) {
      if (mode !== 'readwrite') return run(stores, mode, fn);
      const done = writing.then(() => run(stores, mode, fn));
      writing = done.catch(() => {});
      return done;
    },
    async close() {},
    async destroy() {
      data = Object.fromEntries(Object.keys(STORES).map((s) => [s, new Map()]));
    },
    /** Every stored value, by store (tests read it raw, as someone who seized the phone would). */
    dump() {
      return Object.fromEntries(Object.entries(data).map(([s, m]) => [s, [...m.entries()]]));
    },
  };
}
