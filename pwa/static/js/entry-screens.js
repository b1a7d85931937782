/**
 * The screens outside the app: welcome (no device yet), joining with an invite or setup link,
 * and the lock screen. They hand over to the record screens once the session is open.
 */

import { joinScreen } from './ui/join.js';
import { lockScreen } from './ui/lock.js';
import { removedScreen } from './ui/removed.js';
import { report } from './report.js';
import { stopScanning, welcomeScreen } from './ui/welcome.js';

/**
 * The parameters in an invite or setup link's fragment, or null. A link opened the old way (a
 * navigation) is marked `opened: true`: its secret is already in the browser's History, so the
 * invite is used at once (see #join).
 */
export function linkParams(where = location) {
  const params = new URLSearchParams(where.hash.slice(1));
  if (where.pathname === '/join' && params.get('c') && params.get('w') && params.get('f')) {
    // The invite's role (`r`), which the joining device signs in its key-binding statement.
    const role = ['coordinator', 'volunteer', 'reporter'].includes(params.get('r')) ? params.get('r') : null;
    return { name: 'join', code: params.get('c'), workspace: params.get('w'), fingerprint: params.get('f'), role };
  }
  if (where.pathname === '/setup' && params.get('t') && params.get('w')) {
    return { name: 'setup', token: params.get('t'), workspace: params.get('w') };
  }
  return null;
}

export class EntryScreens {
  /**
   * `deps`: {session, shell, t, lang(), go(view, opts), language(lang), joined() → storage, unlocked(),
   * opening() (an unlock began: load what comes next), emptied() (the duress passphrase erased
   * everything: start again as an install that never joined)}.
   */
  constructor(deps) {
    Object.assign(this, deps);
  }

  /**
   * Draw {name: 'welcome', error?}, {name: 'join', code, workspace, fingerprint}, {name: 'setup', ...}
   * or {name: 'lock'}.
   */
  render(view) {
    stopScanning();
    if (view.name === 'welcome') {
      const on = { link: (text) => this.#openLink(text), language: this.language, keeps: this.keeps };
      this.shell.show(welcomeScreen(this.t, this.lang(), on, view));
    } else if (view.name === 'lock') {
      this.#lock();
    } else if (view.name === 'removed') {
      this.shell.show(removedScreen(this.t, this.lang(), { kept: view.kept ?? 0 },
        { erase: () => this.erase?.(), language: this.language }));
    } else {
      this.#join(view);
    }
  }

  #openLink(text) {
    let url;
    try {
      // The whole link, or only what follows its '#' (c=...&w=...&f=...).
      url = /^#?[a-z]=/.test(text) ? new URL(`/join#${text.replace(/^#/, '')}`, location.origin)
        : new URL(text, location.origin);
      if (url.hash && !linkParams(url) && url.origin === location.origin) {
        url = new URL(`/setup${url.hash}`, location.origin);
      }
    } catch {
      url = null; // not a link at all: said below as a bad link
    }
    const params = url && url.origin === location.origin ? linkParams(url) : null;
    if (!params) {
      const key = url && url.origin !== location.origin ? 'welcome.other_origin' : 'welcome.bad_link';
      return this.render({ name: 'welcome', error: this.t(key) });
    }
    return this.go(params, { replace: true });
  }

  // Why a join or setup failed, said on its screen; logged (report.js) without the secrets it carried.
  #errorMessage(err) {
    report(err, { where: 'join', show: false });
    const key = `error.${err.code}`;
    return err.code && this.t(key) !== key ? this.t(key) : this.t('error.join_failed');
  }

  #join(params) {
    const { session, shell, t } = this;
    // A link opened by navigation is in History now: use the invite (or setup token) at once, so
    // what History keeps opens nothing, and say so. The passphrase is chosen meanwhile; the keys
    // wait in memory. A pasted or scanned link never was a navigation: it is used at the end.
    let used = null;
    if (params.opened) {
      used = (params.name === 'join' ? session.enroll(params) : session.startSetup(params));
      used.catch((err) => screen.refused(this.#errorMessage(err)));
    }
    const notice = params.opened ? t(params.name === 'join' ? 'join.link_used' : 'join.setup_link_used') : null;
    const screen = joinScreen(t, this.lang(), params.name, { ...params, notice }, {
      language: this.language,
      submit: async (passphrase, name = '') => {
        const progress = (step) => screen.busy(step);
        try {
          const enrolled = used ? await used : null;
          if (params.name === 'join') await session.join({ ...params, passphrase, progress, enrolled });
          else await session.setup({ ...params, passphrase, progress, enrolled });
        } catch (err) {
          screen.fail(this.#errorMessage(err));
          return;
        }
        // The device's name, as an encrypted record of its own (held-names.js); the first sync sends it.
        if (name) {
          const { saveName } = await import('./held-names.js');
          await saveName(session.records, session.device.device, name).catch(() => null);
        }
        // The link's secrets are spent: they lived in memory only, and go with this screen.
        const storage = await this.joined();
        shell.toast(t(storage.persisted ? 'join.done_kept' : 'join.done'));
        if (!storage.persisted) {
          shell.notice(t('settings.storage_not_kept'), [{ label: t('notice.ok') }], { kind: 'warning' });
        }
        await this.go({ name: 'list' }, { replace: true });
      },
    });
    shell.show(screen.el);
  }

  #lock() {
    const { session, t } = this;
    const screen = lockScreen(t, this.lang(), {
      language: this.language,
      keeps: this.keeps,
      unlock: async (passphrase) => {
        screen.busy(true);
        this.opening?.(); // what comes after the lock loads while the passphrase is checked
        const result = await session.unlock(passphrase);
        if (result.status === 'open') {
          this.unlocked();
          await this.go({ name: 'list' }, { replace: true });
        } else if (result.status === 'empty') {
          await this.emptied(); // the duress passphrase: the app is now one that never joined
        } else if (result.status === 'wiped') {
          await this.go({ name: 'welcome', error: t('lock.wiped') }, { replace: true });
        } else {
          screen.fail(t(result.status === 'wait' ? 'lock.too_soon' : 'lock.wrong'), result.wait);
        }
      },
    });
    this.shell.show(screen.el);
    screen.focus();
  }
}
