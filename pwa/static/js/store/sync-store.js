/**
 * What the sync engine stores, over the same adapter as store/local.js: pulled pages, held-back
 * items, problems, refusals, the cursor, and travel mode's erasures. Like the local store it never
 * calls WebCrypto: pages arrive verified (sync/verify.js), and each is applied with its cursor in
 * one transaction, so the cursor never moves past something that was not stored (style §9).
 */

import { ACCEPTED, EQUIVOCATION, applyWrites, namesUnissued } from '../core/merge.js';
import { storedWrite, wrapsOf } from '../core/record-state.js';
import { noteKc, stamped, withDefaultKc } from './local.js';

const PAGE_STORES = ['meta', 'records', 'cache', 'packs', 'outbox', 'directory', 'quarantine', 'problems', 'refused',
  'chunks'];

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

// How many records have something in the outbox: from the index on `record`, without reading the
// items (thousands saved offline are tens of megabytes); by reading them only if one lacks it.
async function waitingIn(tx) {
  const [all, indexed] = await Promise.all([tx.count('outbox'), tx.indexCount('outbox', 'record')]);
  if (all !== indexed) {
    return new Set((await tx.getAll('outbox')).map((i) => i.record ?? (i.change ?? i.wrap)?.record)).size;
  }
  return tx.indexUnique('outbox', 'record');
}

export class SyncStore {
  constructor(adapter) {
    this.adapter = adapter;
  }

  #read(stores, fn) {
    return this.adapter.transaction(stores, 'readonly', fn);
  }

  #write(stores, fn) {
    return this.adapter.transaction(stores, 'readwrite', fn);
  }

  /** The cursor the next pull starts from. */
  async cursor() {
    return (await this.#read(['meta'], (tx) => tx.get('meta', 'cursor'))) ?? 0;
  }

  /** The directory as stored: a Map of device id → entry. */
  async directory() {
    const entries = await this.#read(['directory'], (tx) => tx.getAll('directory'));
    return new Map(entries.map((e) => [e.id, e]));
  }

  /** Every valid revocation order this device has seen (kept whatever the server shows later). */
  async revocations() {
    return (await this.#read(['meta'], (tx) => tx.get('meta', 'revocations'))) ?? [];
  }

  /** What was wrong with this device's own directory entry at the last check ([] when nothing). */
  async alarm() {
    return (await this.#read(['meta'], (tx) => tx.get('meta', 'alarm'))) ?? [];
  }

  /** Items held back because their signer is not (yet) trusted. */
  quarantined() {
    return this.#read(['quarantine'], (tx) => tx.getAll('quarantine'));
  }

  /**
   * Store one verified page (sync/verify.js) and move the cursor past it, all in one transaction.
   * Writes merge into the live sets; a changed record's cache entry is deleted (the list makes it
   * again); a purge erases the record, its cache entry and anything of it still waiting to be sent.
   * Records travel mode erased here stay away. Resolves to {changed, purged, counts, states (the
   * changed records' states as stored: the list opens them without reading them again)}.
   */
  applyPage(v, cursor) {
    return this.#write(PAGE_STORES, async (tx) => {
      const away = new Set((await tx.get('meta', 'away')) ?? []);
      const states = new Map();
      const changed = new Set();
      const learned = new Set();   // records whose own issued counters grew, nothing else
      const problems = [...v.problems];
      const counts = { devices: v.devices.length, wraps: 0, writes: 0, tombstones: 0 };
      // Every record the page names is read at once: IndexedDB answers the requests of one
      // transaction in order, so asking for them one after another only adds a round trip each.
      const ids = [...new Set([...v.wraps.map((x) => x.record), ...v.changes.map((c) => c.record)])]
        .filter((id) => !away.has(id));
      const read = await Promise.all(ids.map((id) => tx.get('records', id)));
      ids.forEach((id, i) => states.set(id, read[i] ?? { id, wrap: null, fields: {} }));
      // A record new to this device has no cache entry to drop (the store writes and erases a
      // record's entry with it): a catch-up's thousands of deletes of nothing are skipped.
      const known = new Set(ids.filter((id, i) => read[i]));
      const state = (id) => states.get(id);
      const writes = [];
      for (const entry of v.devices) writes.push(tx.put('directory', entry));
      // Every valid revocation order seen is kept, whatever the server shows later; the alarm is
      // what is wrong with this device's own entry (sync/verify.js assess).
      if (v.kept) writes.push(tx.put('meta', v.kept, 'revocations'));
      if (v.alarm) writes.push(tx.put('meta', v.alarm, 'alarm'));
      for (const { record, wrap } of v.wraps) {
        if (away.has(record)) continue;
        const s = state(record);
        counts.wraps += 1;
        // Every wrap is kept until records.js judges it against the record's key commitments
        // (docs/protocol.md): a wrong key from one sender never hides a right one from another.
        if (wrapsOf(s).some((x) => x.sig === wrap.sig)) continue;
        // The first wrap is `wrap`, the others join `wraps`: each is stored once
        // (core/record-state.js).
        states.set(record, s.wrap ? { ...s, wraps: [...(s.wraps ?? []), wrap] } : { ...s, wrap });
        changed.add(record);
      }
      for (const change of v.changes) {
        if (away.has(change.record)) continue;
        const s = state(change.record);
        // The writes are stored against the state's default key commitment, which this change may
        // set (core/record-state.js); the state keeps it only with writes stored against it.
        const { state: withKd, kd } = withDefaultKc(s, change.kc, change.e);
        const issued = { ...s.issued };
        const accepted = [];
        const into = [];
        for (const w of change.writes) {
          if (change.device === v.device) {
            // Signed by this device's key: it issued that dot (a store restored from an older
            // copy learns its own later dots back here).
            if (!has(issued, w.field) || w.dot[1] > issued[w.field]) {
              issued[w.field] = w.dot[1];
              learned.add(change.record);
            }
          }
          if (!('ct' in w)) continue; // a write no longer live, delivered for the signature only
          if (v.device && namesUnissued(w.ctx, v.device, change.device, has(issued, w.field) ? issued[w.field] : 0,
            has(s.fields, w.field) ? s.fields[w.field] : [])) {
            // Its context names a version of this device's that it never wrote: merged, it would
            // silently cover this device's edits still on their way. Held back, not merged.
            problems.push({ id: `unseen_context:${change.record}:${w.field}:${w.dot.join('.')}`, kind: 'change',
              record: change.record, device: change.device, code: 'unseen_context', at: Date.now() });
            continue;
          }
          accepted.push(storedWrite(w, change.kc, change.e, kd));
          into.push(w.field);
        }
        const applied = applyWrites(s.fields, accepted, (_, i) => into[i]);
        let touched = false;
        applied.tags.forEach((tag, i) => {
          if (tag === EQUIVOCATION) {
            problems.push({ id: `equivocation:${change.record}:${accepted[i].dot.join('.')}`, kind: 'change',
              record: change.record, device: change.device, code: 'equivocation', at: Date.now() });
            return;
          }
          counts.writes += 1;
          if (tag === ACCEPTED) touched = true;
        });
        const noted = noteKc(touched ? withKd : s, change.kc, change.device);
        const differs = touched || noted !== s;
        if (differs || learned.has(change.record)) {
          states.set(change.record, { ...noted, fields: touched ? applied.fields : s.fields, issued });
        }
        if (differs) changed.add(change.record);
      }
      const stored = new Set([...learned, ...changed]);
      for (const id of stored) states.set(id, stamped(states.get(id)));
      for (const id of learned) if (!changed.has(id)) writes.push(tx.put('records', states.get(id)));
      for (const id of changed) {
        writes.push(tx.put('records', states.get(id)));
        if (known.has(id)) writes.push(tx.delete('cache', id));
      }
      await Promise.all(writes);
      const purged = await this.#erase(tx, v.purges, away);
      counts.tombstones = purged.length;
      for (const id of purged) changed.delete(id);
      await Promise.all([...v.quarantine.map((q) => tx.put('quarantine', q)),
        ...v.released.map((id) => tx.delete('quarantine', id)), ...problems.map((p) => tx.put('problems', p)),
        tx.put('meta', [...away], 'away'), tx.put('meta', cursor, 'cursor')]);
      // How many records the store holds more (null after a purge: count them): the list keeps
      // its count without counting the store, which reads every record.
      const added = purged.length ? null : [...stored].filter((id) => !known.has(id)).length;
      return { changed: [...changed], purged, added, counts: { ...counts, problems: problems.length,
        held: v.quarantine.length }, states: [...changed].map((id) => states.get(id)) };
    });
  }

  // A coordinator's purge order: the record and everything of it on this device goes.
  async #erase(tx, records, away) {
    if (!records.length) return [];
    const doomed = new Set(records);
    for (const item of await tx.getAll('outbox')) if (doomed.has(item.record)) await tx.delete('outbox', item.seq);
    for (const r of await tx.getAll('refused')) if (doomed.has(r.record)) await tx.delete('refused', r.seq);
    // Its attachments' chunks waiting here go too (ids begin with the record's).
    for (const key of await tx.getAllKeys('chunks')) if (doomed.has(key.split('/')[0])) await tx.delete('chunks', key);
    for (const id of doomed) {
      await tx.delete('records', id);
      await tx.delete('cache', id);
      away.delete(id);
    }
    // The packs may hold an erased record's entry: they go too (the list makes them again).
    await tx.clear('packs');
    return [...doomed];
  }

  /**
   * After a pull from 0 (the server said 410): the local records the fresh pull did not mention.
   * They are kept: only a signed purge order erases a record, and a server that leaves one out
   * has signed nothing (it may be hostile, or restored from a backup). Resolves to their ids.
   */
  unconfirmed(seen) {
    return this.#read(['records'], async (tx) => (await tx.getAllKeys('records')).filter((id) => !seen.has(id)));
  }

  /**
   * Travel mode: erase the local copy of every record the server holds all of (nothing of it
   * waits in the outbox or was refused). They are remembered as away, so pulls leave them on the
   * server until `bringBack()`. Resolves to their ids.
   */
  async eraseSynced() {
    const gone = await this.#write(['meta', 'records', 'cache', 'packs', 'outbox', 'refused', 'chunks'], async (tx) => {
      const pending = new Set([...(await tx.getAll('outbox')), ...(await tx.getAll('refused'))].map((i) => i.record));
      // A record whose attachment has chunks not yet on the server is not all there: it stays.
      for (const key of await tx.getAllKeys('chunks')) pending.add(key.split('/')[0]);
      const away = new Set((await tx.get('meta', 'away')) ?? []);
      const gone = (await tx.getAllKeys('records')).filter((id) => !pending.has(id));
      for (const id of gone) {
        await tx.delete('records', id);
        await tx.delete('cache', id);
        away.add(id);
      }
      if (gone.length) await tx.clear('packs');
      await tx.put('meta', [...away], 'away');
      return gone;
    });
    // In storage buckets the data bucket is then remade, so the erased records leave the disk
    // and not only the database (store/buckets.js rotate).
    if (gone.length && this.adapter.rotate) await this.adapter.rotate();
    return gone;
  }

  /** How many records travel mode keeps off this device. */
  async awayCount() {
    return ((await this.#read(['meta'], (tx) => tx.get('meta', 'away'))) ?? []).length;
  }

  /** Forget travel mode's erasures and start pulling from 0, so every record comes back. */
  bringBack() {
    return this.#write(['meta'], async (tx) => {
      await tx.put('meta', [], 'away');
      await tx.put('meta', 0, 'cursor');
    });
  }

  /**
   * {waiting (records with something in the outbox), refused, problems, held, uploads (attachments
   * with chunks not yet on the server)}: what the status shows.
   */
  counts() {
    return this.#read(['outbox', 'refused', 'problems', 'quarantine', 'chunks'], async (tx) => ({
      waiting: await waitingIn(tx), refused: await tx.count('refused'),
      problems: await tx.count('problems'), held: await tx.count('quarantine'),
      uploads: new Set((await tx.getAllKeys('chunks')).filter((k) => !k.endsWith('/del'))
        .map((k) => k.split('/').slice(0, 2).join('/'))).size,
    }));
  }

  /** What the server refused, oldest first. */
  refused() {
    return this.#read(['refused'], (tx) => tx.getAll('refused'));
  }

  /** Pulled items that failed verification. */
  problems() {
    return this.#read(['problems'], (tx) => tx.getAll('problems'));
  }

  /** The person has read a refusal: forget it. */
  dismissRefused(seq) {
    return this.#write(['refused'], (tx) => tx.delete('refused', seq));
  }

  /** The person has read the problems: forget them (an item delivered again is reported again). */
  dismissProblems() {
    return this.#write(['problems'], (tx) => tx.clear('problems'));
  }

  /** The last run's outcome: {lastOk, lastTry, error: {status, code, message} | null, revoked}. */
  async status() {
    return (await this.#read(['meta'], (tx) => tx.get('meta', 'sync'))) ?? { lastOk: null, lastTry: null, error: null };
  }

  /** Record a run's outcome (what the status line shows after a reload). */
  putStatus(status) {
    return this.#write(['meta'], (tx) => tx.put('meta', status, 'sync'));
  }
}
