/**
 * The screens around sync: the sync status in detail, a record's conflicts, and for coordinators
 * the device directory (certify, remove) and invites (QR code, copy, withdraw).
 */

import { call } from './api.js';
import { DeviceScreens } from './device-screens.js';
import { DeviceNames } from './held-names.js';
import { report } from './report.js';
import { registered } from './sync/status.js';
import { conflictScreen } from './ui/conflict.js';
import { recordLabel } from './ui/format.js';
import { invitesScreen } from './ui/invites.js';
import { syncScreen } from './ui/sync-screen.js';

export class SyncScreens {
  /** `deps`: {session, shell, sync (SyncController), t, lang(), go(view, opts)}. */
  constructor(deps) {
    Object.assign(this, deps);
    this.created = null; // the invite just made: its link lives in memory, on that screen only
    this.devices = new DeviceScreens({ ...deps, fail: (err) => this.#fail(err) });
  }

  /**
   * Draw {name: 'sync'} | {name: 'conflict', id} | {name: 'devices', device?} | {name: 'this-device'} |
   * {name: 'invites'}; `quiet` after a sync.
   */
  render(view, { quiet = false } = {}) {
    if (view.name !== 'invites') this.created = null;
    switch (view.name) {
      case 'conflict': return this.#conflict(view.id);
      case 'devices': return this.devices.devices({ fresh: quiet, quiet, open: quiet ? null : view.device ?? null });
      case 'this-device': return this.devices.thisDevice();
      case 'invites': return this.#invites();
      default: return this.#sync();
    }
  }

  #fail(err) {
    // The one reporting path (report.js): the code in the person's language as an alert, and the log.
    report(err, { where: 'devices', fallback: 'error.action_failed' });
  }

  #label = (id) => {
    const s = this.session.records?.summaries.get(id);
    return s ? recordLabel(this.t, this.lang(), s) : null;
  };

  async #sync() {
    const { sync } = this;
    const [refused, problems] = await Promise.all([sync.replica.refused(), sync.replica.problems()]);
    const screen = syncScreen(this.t, this.lang(), { status: sync.status, refused, problems, label: this.#label }, {
      syncNow: async () => {
        try {
          await sync.syncNow();
        } catch (err) {
          // The sync's own failures are in its status; this is the work after it (the list
          // reloaded, re-wraps, new keys) failing: said once, logged, and the button answers again.
          report(err, { where: 'sync/now', fallback: 'error.action_failed' });
        }
        // Redraw only if this screen is still the one shown: the person may have gone elsewhere
        // meanwhile, and a revoked device is being erased by now (its storage buckets deleted).
        if (screen.isConnected && this.session.state === 'open') await this.#sync();
      },
      dismissRefused: async (seq) => {
        await sync.replica.dismissRefused(seq);
        await sync.refresh();
        await this.#sync();
      },
      dismissProblems: async () => {
        await sync.replica.dismissProblems();
        await sync.refresh();
        await this.#sync();
      },
      open: (id) => this.go({ name: 'detail', id }),
    });
    this.shown = screen;
    this.shell.show(screen);
  }

  /** The sync status changed: the sync screen, if it is the one shown, follows it. */
  status(status) {
    if (this.shown?.isConnected) this.shown.update(status);
    else this.shown = null;
  }

  async #conflict(id) {
    const { session } = this;
    const record = await session.records.read(id);
    if (!record) return this.go({ name: 'list' }, { replace: true });
    const resolve = async (field, value) => {
      await session.records.resolve(id, field, value, record.contexts);
      this.sync.saved();
      this.shell.toast(this.t('conflict.resolved'));
      const after = await session.records.read(id);
      if (after?.conflicts.length) await this.#conflict(id);
      else await this.go({ name: 'detail', id }, { replace: true });
    };
    const directory = new Map((session.directory ?? []).map((d) => [d.id, d]));
    this.shell.show(conflictScreen(this.t, this.lang(), record,
      { me: session.device.device, directory, trusted: session.trusted, names: DeviceNames.of(session).verified() },
      { keep: resolve, merge: resolve, back: () => this.go({ name: 'detail', id }, { replace: true }) }));
  }

  async #invites(error = null) {
    const { session } = this;
    let invites = [];
    try {
      invites = (await call('GET', '/api/invites', { token: session.token })).invites;
    } catch (err) {
      report(err, { where: 'invites/list', show: false }); // said on the screen
      error = error ?? (err.code === 'network' ? this.t('invites.offline')
        : registered(this.t, err.code) ?? this.t('error.action_failed'));
    }
    const redraw = (e = null) => this.#invites(e);
    this.shell.show(invitesScreen(this.t, this.lang(), { invites, created: this.created, error }, {
      create: async (body) => {
        try {
          const invite = await call('POST', '/api/invites', { body, token: session.token });
          const { workspace, fingerprint: f } = session.device;
          this.created = { role: invite.role,
            link: `${location.origin}/join#c=${invite.code}&w=${workspace}&f=${f}&r=${invite.role}` };
          await redraw();
        } catch (err) {
          report(err, { where: 'invites/create', show: false }); // said on the screen
          await redraw(err.code === 'network' ? this.t('invites.offline')
            : registered(this.t, err.code) ?? this.t('error.action_failed'));
        }
      },
      withdraw: async (id) => {
        await call('DELETE', `/api/invites/${encodeURIComponent(id)}`,
          { token: session.token }).catch((err) => this.#fail(err));
        await redraw();
      },
      copy: (link) => navigator.clipboard?.writeText(link).then(() => true, () => false) ?? Promise.resolve(false),
    }));
  }
}
