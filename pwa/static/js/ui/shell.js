/**
 * The frame around every screen: the bar with the panic and lock controls, a place for notices,
 * the screen itself and the bottom navigation. The panic control is there on every screen.
 */

import { h, replace } from './dom.js';

export class Shell {
  /** `on`: {panic(), lock(), go(view)}. */
  constructor(root, on) {
    this.on = on;
    this.online = h('span', { class: 'net', role: 'status' });
    this.lockButton = h('button', { type: 'button', class: 'icon-button lock', onclick: () => on.lock() });
    this.panicButton = h('button', { type: 'button', class: 'panic', onclick: () => on.panic() });
    this.title = h('span', { class: 'brand' }, 'Zapis');
    this.bar = h('header', { class: 'bar' }, this.title, this.online, h('span', { class: 'spacer' }),
      this.lockButton, this.panicButton);
    // The sync status, under the bar on every screen; unlocked, it opens the sync screen.
    this.syncButton = h('button', { type: 'button', class: 'sync-open', onclick: () => on.go('sync') });
    this.syncLine = h('div', { class: 'sync-line', hidden: true }, this.syncButton);
    this.notices = h('div', { class: 'notices', 'aria-live': 'polite' });
    this.main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
    this.nav = h('nav', { class: 'tabs' });
    // Short confirmations float above the navigation instead of pushing the screen down.
    this.toastEl = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', hidden: true });
    replace(root, this.bar, this.syncLine, this.notices, this.main, this.toastEl, this.nav);
    root.removeAttribute('aria-busy');
  }

  /** Render the fixed labels in the current language; `unlocked` shows lock and navigation. */
  render(t, { unlocked, view, online }) {
    this.panicButton.textContent = t('panic.button');
    this.panicButton.title = t('panic.label');
    this.lockButton.textContent = t('lock.button');
    this.lockButton.hidden = !unlocked;
    this.online.textContent = online ? t('net.online') : t('net.offline');
    this.online.className = online ? 'net on' : 'net off';
    this.nav.hidden = !unlocked;
    this.nav.setAttribute('aria-label', t('nav.label'));
    const tab = (name, label) => h('button', { type: 'button', class: 'tab', 'aria-current': view === name ? 'page' : false,
      onclick: () => this.on.go(name) }, label);
    replace(this.nav, tab('list', t('nav.list')), tab('new-incident', t('nav.new_incident')),
      tab('new-need', t('nav.new_need')), tab('settings', t('nav.settings')));
    this.syncButton.title = t('sync.open');
  }

  /**
   * Show the sync status line ({level, text} from sync/status.js); null hides it (no device yet).
   * Only an unlocked app can open the sync screen from it.
   */
  syncStatus(line, { unlocked, runs = 0 }) {
    this.syncLine.hidden = !line;
    if (!line) return;
    this.syncLine.dataset.runs = String(runs);
    this.syncButton.textContent = line.text;
    this.syncLine.className = `sync-line ${line.level}`;
    this.syncButton.disabled = !unlocked;
  }

  /** Show a screen's element in the main area and move focus to it (for screen readers). */
  show(el, { focus = true, keep = false } = {}) {
    replace(this.main, el);
    if (!keep) {
      this.main.scrollTop = 0;
      window.scrollTo(0, 0);
    }
    if (focus) this.main.focus({ preventScroll: true });
  }

  /** Remove every screen's content at once (lock, panic). */
  blank() {
    this.main.replaceChildren();
    this.notices.replaceChildren();
    this.toastEl.hidden = true;
  }

  /** A notice with optional action buttons: [{label, primary, run}]; returns a function that removes it. */
  notice(text, actions = [], { kind = 'info' } = {}) {
    const el = h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('p', {}, text));
    const close = () => el.remove();
    if (actions.length) {
      el.append(h('div', { class: 'actions' }, actions.map((a) => h('button', {
        type: 'button', class: a.primary ? 'primary' : 'secondary', onclick: () => { close(); a.run?.(); },
      }, a.label))));
    }
    this.notices.append(el);
    return close;
  }

  /** A short notice that goes away by itself; a newer one replaces it. */
  toast(text, ms = 4000) {
    clearTimeout(this.toastTimer);
    this.toastEl.textContent = text;
    this.toastEl.hidden = false;
    this.toastTimer = setTimeout(() => { this.toastEl.hidden = true; }, ms);
  }
}
