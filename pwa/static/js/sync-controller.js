/**
 * The page's side of sync: it wires the engine (sync/engine.js), the schedule, the leadership
 * among tabs, Background Sync and the status every screen shows. app.js makes one and tells it
 * when the session opens, locks and saves; it reports status, changed records and a revoked
 * device through callbacks.
 *
 * Unlocked, the leading tab syncs (push and pull). Locked, nothing can be pulled or read, but the
 * outbox can still go out with the push-only token: from this page when it comes online (with the
 * attachments' waiting chunks), and from the service worker through Background Sync where the
 * browser has it (sw/sw.js; chunks wait there for the page).
 */

import { SyncEngine } from './sync/engine.js';
import { Leadership } from './sync/leader.js';
import { PullThread } from './sync/pull-thread.js';
import { pushOutbox } from './sync/outbox.js';
import { uploadChunks } from './sync/uploads.js';
import { rewrapOnce } from './sync/rewrap.js';
import { rotateOnce, rotationProgress, serverHint, startRotation } from './sync/rotate.js';
import { call, request } from './api.js';
import { Scheduler } from './sync/schedule.js';
import { initialStatus } from './sync/status.js';
import { ChunkStore } from './store/chunks.js';
import { SyncStore } from './store/sync-store.js';

const RUN_LOCK = 'zapis-sync-run';
export const BACKGROUND_TAG = 'zapis-push';

function runExclusive(fn) {
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(RUN_LOCK, fn) : fn();
}

export class SyncController {
  /** `deps`: {store (LocalStore), session, onStatus(status), onChanged({changed, purged}), onRevoked()}. */
  constructor(deps) {
    Object.assign(this, deps);
    this.replica = new SyncStore(this.store.adapter);
    this.status = initialStatus();
    this.absorbing = Promise.resolve(); // pulled pages being opened for the list, one after another
    this.absorbed = new Set();          // records of this run already opened page by page
    this.engine = null;
    this.spare = null;  // crypto workers waiting for the next unlock (#standby)
    this.started = 0; // runs started by this page (the last one says when syncing ends)
    this.scheduler = null;
    this.leadership = null;
    window.addEventListener('online', () => this.#connectivity());
    window.addEventListener('offline', () => this.#connectivity());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.scheduler?.poke(0);
    });
  }

  /** At start, locked or not: show what the store says, and push what waits if there is a way. */
  async boot() {
    const stored = await this.replica.status();
    if (stored.revoked) return this.#revoked();
    this.status.locked = this.session.state !== 'open';
    this.status.canPushLocked = Boolean(await this.store.getWorker());
    await this.refresh({ lastOk: stored.lastOk, error: stored.error });
    if (this.status.locked) this.#standby();
    return this.#pushLocked();
  }

  // The pull worker and its crypto workers (sync/pull-thread.js) started while the app is locked,
  // so that their code is loaded and warm (sync/warm-up.js) by the time the passphrase is typed:
  // started at unlock, crypto workers took 0.4-0.6 s to load, and the first page of a catch-up
  // waited for them. They hold no key and no record until the unlocked session hands them a run;
  // the lock ends them and starts fresh ones.
  #standby() {
    if (this.session.state === 'empty' || this.spare) return;
    this.spare = new PullThread();
    this.spare.warm();
  }

  /** The session opened: lead sync if no other tab does, and follow otherwise. */
  unlocked() {
    const { session } = this;
    if (this.leadership) this.locked(); // never two engines in one page
    this.status.locked = false;
    if (!session.token) { // a device with nothing to sync (opened by the duress passphrase)
      this.refresh();
      return;
    }
    const me = { workspace: session.device.workspace, device: session.device.device, role: session.device.role,
      fingerprint: session.device.fingerprint, signPublic: session.device.sign_key, ecdhKey: session.identity.ecdhKey,
      ecdhPublic: session.device.ecdh_key, signKey: session.identity.signKey };
    // The pull in a worker, off this page's thread (sync/pull-thread.js): it verifies, stores and
    // opens the pulled records; this page lists them.
    this.pool = this.spare ?? new PullThread();
    this.spare = null;
    const pool = this.pool;
    pool.warm();
    this.engine = new SyncEngine({ adapter: this.store.adapter, replica: this.replica, me, token: session.token,
      travelAuto: () => Boolean(session.settings.travelAuto),
      onDirectory: (directory, trusted, extra) => session.useDirectory(directory, trusted, extra),
      open: (items, ctx) => pool.open(items, ctx), onPage: (page) => this.#page(page),
      uploadProgress: (done, total) => this.#sending(done, total),
      pull: (ctx, result, options) => pool.pull(ctx, result, options,
        { kind: this.store.adapter.kind, list: this.session.records?.pullList() }) });
    this.scheduler = new Scheduler(() => this.#run(), { isOnline: () => navigator.onLine });
    this.leadership = new Leadership({
      lead: () => this.scheduler?.start(),
      message: (data) => this.#message(data),
    });
    this.store.getWorker().then((box) => this.refresh({ canPushLocked: Boolean(box) })).catch(() => {});
  }

  /** The session locked: stop syncing and let another tab lead. */
  locked() {
    this.engine?.stop(); // a catch-up stops after the page it is storing; the next unlock resumes it
    this.pool?.close();
    this.pool = null;
    this.absorbing = Promise.resolve();
    this.absorbed = new Set();
    this.status.pulling = null;
    this.status.sending = null;
    this.scheduler?.stop();
    this.leadership?.release();
    this.scheduler = this.leadership = this.engine = null;
    this.status.locked = true;
    this.status.syncing = false;
    // No store read here: a wipe may follow at once, and reading would make the database again.
    this.onStatus(this.status);
    this.#standby();
  }

  /**
   * A record was saved or shared: sync soon (the leader does), ask for Background Sync, and tell
   * the other tabs, whose lists do not know the record yet.
   */
  saved() {
    this.#registerBackground();
    if (this.leadership?.leading) this.scheduler.poke();
    this.leadership?.post({ type: 'saved' });
    this.refresh();
  }

  /** Sync now, whichever tab this is. Resolves to the result object (null while locked). */
  syncNow() {
    return this.engine ? this.#run() : null;
  }

  /** Travel mode by hand: {ok, reason?, erased}. */
  async travel() {
    if (!this.engine) return { ok: false, reason: 'locked', erased: [] };
    const outcome = await runExclusive(() => this.engine.travel());
    await this.absorbing;
    await this.#after(outcome.result);
    return { ok: outcome.ok, reason: outcome.reason, erased: outcome.result.erased };
  }

  // The server speaks a newer protocol (400 update_required): have the service worker fetch the
  // new version now rather than at its next daily check, so the reload prompt (sw-client.js)
  // appears; nothing is reloaded by itself. Asked once a page.
  #update() {
    if (this.updateAsked || !globalThis.navigator?.serviceWorker) return;
    this.updateAsked = true;
    navigator.serviceWorker.getRegistration().then((r) => r?.update()).catch(() => {});
  }

  /** Bring back every record travel mode erased here: pull from 0 again. */
  async bringBack() {
    await this.replica.bringBack();
    return this.syncNow();
  }

  /** Read the numbers again and report the status. `changes` are merged in first. */
  async refresh(changes = {}) {
    Object.assign(this.status, changes, { online: navigator.onLine });
    if (this.status.error?.code === 'update_required') this.#update();
    try {
      Object.assign(this.status, await this.replica.counts());
    } catch {
      return; // the store is gone (a wipe): nothing left to count
    }
    this.status.unreadable = this.session.records?.unreadable ?? 0;
    this.onStatus(this.status);
  }

  // A pulled page is stored: open its records for the list at once (while the next page travels),
  // say how many have come, and let the list grow. Pages are opened one after another, in order.
  // Resolves once the page's records are opened (never rejects).
  #page(page) {
    const records = this.session.records;
    this.status.pulling = { received: page.received, more: page.more };
    this.onStatus(this.status);
    if (!records || (!page.changed.length && !page.purged.length)) return this.absorbing;
    this.absorbing = this.absorbing.then(async () => {
      if (this.session.records !== records || records.closed) return;
      const opened = await records.absorb(page, { pool: this.pool });
      opened.forEach((id) => this.absorbed.add(id));
      if (this.session.records !== records) return;
      this.onChanged({ changed: page.changed, purged: page.purged, partial: true });
    }).catch(() => {});
    return this.absorbing;
  }

  // An attachment upload of this run has sent `done` of its `total` chunks: say so on every screen.
  #sending(done, total) {
    if (!this.engine) return; // locked meanwhile: locked() has said so
    this.status.sending = { done, total };
    this.onStatus(this.status);
  }

  async #run() {
    if (!this.engine) return null;
    this.status.syncing = true;
    this.status.pulling = null;
    this.status.sending = null;
    this.absorbed = new Set();
    this.onStatus(this.status);
    const run = ++this.started;
    let result;
    let shown = false;
    try {
      result = await runExclusive(() => this.engine?.sync());
      await this.absorbing;
      // Locked meanwhile (no engine, or a stopped run): locked() has said so, nothing more is read or shown.
      if (result && !result.stopped) {
        this.#ended();
        await this.#after(result); // ends by reporting the status
        shown = true;
      }
    } finally {
      // Whatever failed on the way (the sync, or the work after it), the line never keeps saying
      // "Syncing…" after the last run this page started.
      if (!shown && run === this.started && !this.status.locked) {
        this.#ended();
        this.onStatus(this.status);
      }
    }
    return result;
  }

  #ended() {
    this.status.syncing = false;
    this.status.pulling = null;
    this.status.sending = null;
  }

  async #after(result) {
    if (result.revoked) return this.#revoked();
    this.status.alarm = result.alarm ?? [];
    await this.#rewrap(result);
    await this.#rotate(result);
    // A purge order erased records here: remake the data bucket so that they leave the disk too
    // (store/buckets.js; travel mode's erasures do this in the store already).
    if (result.purged.size) await this.store.adapter.rotate?.().catch(() => {});
    const purged = [...result.purged, ...result.erased];
    const { records, drafts } = this.session;
    // Records opened page by page during the pull are not opened again.
    const left = [...result.changed].filter((id) => !this.absorbed.has(id));
    this.absorbed = new Set();
    await records?.reload({ changed: left, purged, keys: result.keys });
    // A run that brought many records (a catch-up) packs their entries now, in the background,
    // rather than leave the next unlock to open each one (records.js, packs).
    records?.repack(0.1).catch(() => {});
    for (const id of purged) if (drafts?.get(`edit:${id}`)) await drafts.drop(`edit:${id}`);
    const stored = await this.replica.status();
    await this.refresh({ lastOk: stored.lastOk, error: stored.error, runs: this.status.runs + 1 });
    if (!result.ok && result.retry) this.#registerBackground();
    // Attachments sent or refused change what a record's screen shows (waiting, or why not).
    const uploads = result.uploads ?? {};
    if (result.changed.size || purged.length || result.pulled.devices || uploads.uploaded || uploads.refused?.length) {
      this.onChanged({ changed: [...result.changed], purged });
      this.leadership?.post({ type: 'synced' });
    }
  }

  async #message(data) {
    if (data?.type === 'revoked') return this.onRevoked();
    if (data?.type === 'saved' && this.leadership?.leading) this.scheduler?.poke();
    if ((data?.type === 'saved' || data?.type === 'synced') && this.session.records) {
      // Another tab saved, or stored a pull: catch up from the store.
      const changed = await this.session.records.verify();
      const stored = await this.replica.status();
      const runs = this.status.runs + (data.type === 'synced' ? 1 : 0);
      await this.refresh({ lastOk: stored.lastOk, error: stored.error, runs });
      if (changed) this.onChanged({ changed: [], purged: [] });
    }
  }

  // A coordinator certified after records exist gets their keys, one batch per successful run;
  // the batch goes out with the next run, which the scheduler starts at once.
  async #rewrap(result) {
    const { session } = this;
    if (!result.ok || !session.identity) return;
    try {
      const step = await rewrapOnce({ store: this.store, records: session.records,
        recipients: session.identity.recipients, role: session.device.role, device: session.device.device,
        alarm: session.alarm });
      // A finished re-wrap stays on the sync screen ("250 of 250") until the page reloads.
      const last = this.status.rewrap;
      this.status.rewrap = step ?? (last && last.done === last.total ? last : null);
      if (step) this.saved();
    } catch {
      this.status.rewrap = null; // tried again after the next run
    }
  }

  /**
   * This coordinator removed a device (`order`, accepted by the server): keep the order at once
   * (no key goes to the device again, whatever the server shows later), then give every record it
   * could read a new key epoch (sync/rotate.js), batch by batch with the next runs.
   */
  async removed(order) {
    const { session } = this;
    const kept = (await this.store.getMeta('revocations')) ?? [];
    if (!kept.some((o) => o.sig === order.sig)) await this.store.putMeta('revocations', [...kept, order]);
    this.engine?.forget();
    session.useDirectory(session.directory, session.trusted,
      { removed: [...new Set([...session.removed, order.device])] });
    if (session.device.role !== 'coordinator' || !session.records) return;
    await this.syncNow()?.catch(() => null); // every record the device could read is known here first
    const entry = session.directory.find((d) => d.id === order.device);
    const coordinator = session.trusted[order.device] === 'coordinator' || entry?.role === 'coordinator';
    const hint = coordinator ? [] : await serverHint(this.#api(), order.device).catch(() => []);
    this.status.rotation = await startRotation({ store: this.store, records: session.records, device: order.device,
      coordinator, hint });
    this.saved();
  }

  #api() {
    const token = this.session.token;
    return (method, path, body) => call(method, path, { body, token });
  }

  // Records a removed device could read get new keys, one batch per successful run (the revoking
  // device resumes after a reload: the progress is in the store).
  async #rotate(result) {
    const { session } = this;
    if (!result.ok || !session.identity || session.device.role !== 'coordinator' || session.alarm.length) return;
    try {
      const directory = new Map(session.directory.map((d) => [d.id, d]));
      const step = await rotateOnce({ store: this.store, records: session.records, api: this.#api(),
        ctx: { device: session.device.device, ownEcdh: session.device.ecdh_key, signPublic: session.device.sign_key,
          workspace: session.device.workspace, directory, trusted: session.trusted,
          recipients: session.identity.recipients, canWrapTo: (id) => session.canWrapTo(id) } });
      const last = this.status.rotation;
      this.status.rotation = step ?? (last && last.done === last.total ? last : await rotationProgress(this.store));
      if (step) this.saved();
    } catch {
      this.status.rotation = await rotationProgress(this.store).catch(() => null); // tried again after the next run
    }
  }

  #connectivity() {
    this.status.online = navigator.onLine;
    if (navigator.onLine) {
      this.scheduler?.reconnected();
      this.#pushLocked();
    }
    this.onStatus(this.status);
  }

  // Locked (or never unlocked since the page loaded): send what waits with the push-only token.
  async #pushLocked() {
    if (this.session.state !== 'locked' || !navigator.onLine || this.pushing) return;
    this.pushing = true;
    try {
      const chunks = new ChunkStore(this.store.adapter);
      const outbox = await this.store.outboxCount();
      if (!outbox && !(await chunks.keys()).length) return;
      const token = await this.session.pushToken();
      if (!token) return;
      if (outbox) await pushOutbox(this.store.adapter, { token, fetch: request });
      // Attachments' chunks too: the push-only token may upload them (not read anything back).
      await uploadChunks(chunks, { token, fetch: request });
      await this.refresh({ error: null });
    } catch (err) {
      if (err?.code === 'device_revoked') return this.#revoked();
      await this.refresh({ error: { status: err?.status ?? 0, code: err?.status ? err.code : 'network' } });
    } finally {
      this.pushing = false;
    }
  }

  #registerBackground() {
    navigator.serviceWorker?.ready.then((reg) => reg.sync?.register(BACKGROUND_TAG)).catch(() => {});
  }

  #revoked() {
    this.leadership?.post({ type: 'revoked' });
    this.locked();
    this.onRevoked();
  }
}
