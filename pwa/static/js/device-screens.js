/**
 * The screens about devices: the directory for coordinators (names, safety numbers compared by
 * QR code or by eye, certify, remove, record keys shared with a new coordinator) and this device's
 * own page (its name, its safety number and QR code).
 */

import { call } from './api.js';
import { bindingMatches, makeRevocation, safetyNumber } from './core/binding.js';
import { makeCertificate } from './core/envelopes.js';
import { shareProgress } from './device-names.js';
import { DeviceNames, saveName } from './held-names.js';
import { compareSafety } from './safety.js';
import { devicesScreen } from './ui/devices.js';
import { thisDeviceScreen } from './ui/this-device.js';

const SHARE_POLL_MS = 1000;

export class DeviceScreens {
  /** `deps`: {session, shell, sync (SyncController), t, go(view, opts), fail(err)}. */
  constructor(deps) {
    Object.assign(this, deps);
  }

  #names() {
    return DeviceNames.of(this.session, () => this.sync.replica.quarantined());
  }

  // What this device has shared with each verified coordinator (sync/rewrap.js keeps it in the
  // store, so the numbers are right after a reload, before the next run).
  async #share() {
    const { session } = this;
    if (!session.records || !session.identity) return [];
    const progress = (await this.sync.store.getMeta('rewrap').catch(() => null)) ?? {};
    const readable = session.device.role === 'coordinator' ? [...session.records.summaries.keys()]
      : (await this.sync.store.allRecords()).filter((r) => r.wrap?.sender === session.device.device
        && session.records.summaries.has(r.id)).map((r) => r.id);
    return shareProgress(readable, session.identity.recipients, progress, session.device.device);
  }

  /** The Devices screen; `open`: a device to verify (from "Verify the device"): its Certify button takes the focus. */
  async devices({ fresh = false, quiet = false, open = null } = {}) {
    const { session } = this;
    // A sync in the background does not redraw a comparison (or a removal) the person is in, and a
    // redraw keeps the focus on the Certify button it was on.
    const shown = this.shown?.deref();
    if (quiet && shown?.el.isConnected && shown.busy()) return;
    const focused = globalThis.document?.activeElement;
    if (quiet && shown?.el.contains(focused) && focused.matches('button[aria-expanded]')) {
      open = focused.closest('.device')?.dataset.device ?? open;
    }
    // Draw what is known now; a sync fetches the directory's news, and redraws it if any.
    if (!fresh) this.sync.syncNow()?.catch(() => {});
    const workspace = session.device.workspace;
    // Drawn with the names read so far; the held-back names are read after (the first time in a
    // session each held-back record is opened once), and the screen drawn again if they changed.
    const names = this.#names();
    const known = JSON.stringify([...names.unverified]);
    const verified = names.verified();
    const devices = await Promise.all((session.directory ?? []).map(async (d) => ({
      ...d, safety: await safetyNumber(workspace, d.id, d.sign_key, d.ecdh_key).catch(() => '?'),
      bound: await bindingMatches(d.binding, d, workspace), ...names.nameOf(d.id, verified) })));
    const me = session.device.device;
    let screen = null;
    const act = async (run) => {
      try {
        await run();
        await this.sync.syncNow(); // the pull brings the directory entry back, now changed
      } catch (err) {
        this.fail(err);
      }
      // Redrawn only if this screen is still the one shown: the sync that follows a certificate
      // can take a while, and the person may have gone elsewhere meanwhile (no screen changes by
      // itself after an action finishes in the background).
      if (screen?.el.isConnected && session.state === 'open') await this.devices({ fresh: true });
    };
    screen = devicesScreen(this.t, { devices, trusted: session.trusted, removed: session.removed, me,
      canCertify: session.trusted[me] === 'coordinator' && !session.alarm.length, rotation: this.sync.status.rotation,
      share: await this.#share(), open }, {
      compare: (id, text) => compareSafety(text, id, devices.find((x) => x.id === id)?.safety),
      certify: (id) => act(async () => {
        const d = devices.find((x) => x.id === id);
        // Only what the device itself signed: its keys as shown, in the role it signed.
        if (!(await bindingMatches(d.binding, d, workspace))) {
          throw Object.assign(new Error('unbound'), { code: 'bad_binding' });
        }
        const cert = await makeCertificate(session.identity.signKey, { workspace, device: d.id, role: d.binding.role,
          sign_key: d.sign_key, ecdh_key: d.ecdh_key, issuer: me });
        await call('PUT', `/api/devices/${encodeURIComponent(id)}/certificate`,
          { body: { cert }, token: session.token });
        // A new coordinator reads every record: the next syncs share with it, batch by batch, the
        // keys of those this device holds (sync/rewrap.js), once its certificate is back.
        if (d.role === 'coordinator') this.sync.saved();
      }),
      revoke: (id) => act(async () => {
        const order = await makeRevocation(session.identity.signKey, { workspace, device: id, issuer: me });
        await call('POST', `/api/devices/${encodeURIComponent(id)}/revoke`, { body: order, token: session.token });
        // Kept here at once; the records it could read get new keys (sync/rotate.js).
        await this.sync.removed(order);
      }),
    });
    this.shell.show(screen.el);
    names.refresh().then(() => {
      if (JSON.stringify([...names.unverified]) !== known && screen.el.isConnected && !screen.busy()) {
        this.devices({ fresh: true, quiet: true, open });
      }
    }).catch(() => {});
    // Held weakly: the names on it are plaintext, which must not outlive the lock in memory.
    this.shown = new WeakRef(screen);
    this.#follow(screen);
  }

  // While keys are still being shared with a new coordinator, the bars follow the store (each
  // sync run wraps a batch), in place: nothing is redrawn and the focus stays where it is.
  #follow(screen) {
    clearTimeout(this.following);
    const tick = async () => {
      if (!screen.el.isConnected || this.session.state !== 'open') return;
      const share = await this.#share().catch(() => []);
      screen.share(share);
      if (share.some((s) => s.done < s.total)) this.following = setTimeout(tick, SHARE_POLL_MS);
    };
    this.following = setTimeout(tick, SHARE_POLL_MS);
  }

  /** This device's page: its name (editable) and its safety number with a QR code. */
  async thisDevice() {
    const { session } = this;
    const { device, workspace, sign_key: signKey, ecdh_key: ecdhKey, role } = session.device;
    const own = this.#names().verified().get(device);
    const safety = await safetyNumber(workspace, device, signKey, ecdhKey);
    this.shell.show(thisDeviceScreen(this.t, { device, role, name: own?.name ?? '', safety }, {
      save: async (name) => {
        const id = await saveName(session.records, device, name);
        if (id) this.sync.saved();
        return Boolean(id);
      },
      back: () => this.go({ name: 'settings' }),
    }));
  }
}
