/**
 * Unsaved form state, kept sealed by the local key so a half-typed record survives a closed tab
 * or a lock, and a seized phone shows none of it. Contexts: 'new:<kind>', 'new:report' (a
 * reporter's report), 'edit:<id>'.
 */

import { openLocal, sealLocal } from './crypto/local-box.js';
import { report } from './report.js';

const LABEL = 'drafts';

export class Drafts {
  constructor(store, localKey) {
    this.store = store;
    this.key = localKey;
    this.all = {};
    this.writing = Promise.resolve();
  }

  /** Open the sealed drafts box. */
  async load() {
    const box = await this.store.getDrafts();
    // A box sealed by another local key (a store copied or restored) opens nothing: no drafts, logged.
    this.all = box ? await openLocal(this.key, LABEL, box).catch((err) => {
      report(err, { where: 'draft/open', show: false });
      return {};
    }) : {};
  }

  /** The draft of a context: {values, t}, or undefined. */
  get(context) {
    return this.all[context];
  }

  /** Keep a draft (sealed and stored; writes are queued so the last one wins). */
  set(context, values, t = Date.now()) {
    this.all[context] = { values, t };
    return this.#persist();
  }

  /** Forget a draft. */
  drop(context) {
    delete this.all[context];
    return this.#persist();
  }

  /** The sealed box without `context`, to store with the save that makes the draft obsolete. */
  async sealWithout(context) {
    const rest = { ...this.all };
    delete rest[context];
    return sealLocal(this.key, LABEL, rest);
  }

  /** After a save stored `sealWithout(context)`. */
  forget(context) {
    delete this.all[context];
  }

  /** Wait for queued writes (before locking). */
  flush() {
    return this.writing;
  }

  #persist() {
    const snapshot = JSON.parse(JSON.stringify(this.all));
    this.writing = this.writing.then(async () => {
      await this.store.putDrafts(await sealLocal(this.key, LABEL, snapshot));
    }).catch((err) => {
      // Not written (the store is full, or gone with a wipe): logged; the form still holds the text.
      report(err, { where: 'draft/write', show: false });
    });
    return this.writing;
  }

  /** Forget everything held in memory (on lock). */
  clear() {
    this.all = {};
    this.key = null;
  }
}
