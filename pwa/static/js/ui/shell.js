/**
 * The frame around every screen: the bar with the panic and lock controls, a place for notices,
 * the screen itself and the bottom navigation. The panic control is there on every screen.
 */

import { h, replace } from './dom.js';
import { icon } from './icons.js';

// How much the bar gives up when the words do not fit on one line, in order: the name, then the
// network badge's words (its icon stays), then the Lock button's word (its icon stays, and its
// name for screen readers). The Exit button always keeps its word.
const BAR_LEVELS = 4;
// The navigation: four columns with the icon above the word, then two columns with the icon beside
// it, then a Menu button that opens the four as a list. A level fits when no word is wider than
// its place and the navigation takes at most this share of the screen's height.
const NAV_LEVELS = ['row', 'grid', 'menu'];
const NAV_MAX_SHARE = 0.2;
// The navigation when the app names no other (before unlocking, it is hidden anyway).
const TABS = [['list', 'nav.list', 'list'], ['settings', 'nav.settings', 'settings']];

const label = (text = '') => h('span', { class: 'label' }, text);

export class Shell {
  /** `on`: {panic(), lock(), go(view)}. */
  constructor(root, on) {
    this.on = on;
    this.onlineIcon = h('span', { class: 'net-icon' });
    this.onlineLabel = label();
    this.online = h('span', { class: 'net', role: 'status' }, this.onlineIcon, this.onlineLabel);
    this.lockLabel = label();
    this.lockButton = h('button', { type: 'button', class: 'icon-button lock', onclick: () => on.lock() },
      icon('lock'), this.lockLabel);
    this.panicButton = h('button', { type: 'button', class: 'panic', onclick: () => on.panic() });
    this.title = h('span', { class: 'brand', hidden: true });
    this.bar = h('header', { class: 'bar', dataset: { fit: '0' } }, this.title, this.online,
      h('span', { class: 'spacer' }), this.lockButton, this.panicButton);
    // The sync status, under the bar on every screen; unlocked, it opens the sync screen.
    this.syncButton = h('button', { type: 'button', class: 'sync-open', onclick: () => on.go('sync') });
    this.syncLine = h('div', { class: 'sync-line', hidden: true }, this.syncButton);
    this.notices = h('div', { class: 'notices', 'aria-live': 'polite' });
    this.main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
    this.tabList = h('div', { class: 'tab-list', id: 'tab-list' });
    this.setTabs(TABS);
    this.menuLabel = label();
    this.menuButton = h('button', { type: 'button', class: 'menu-toggle', 'aria-expanded': 'false',
      'aria-controls': 'tab-list', onclick: () => this.menu(!this.nav.classList.contains('open')) },
    icon('menu'), this.menuLabel);
    this.nav = h('nav', { class: 'tabs', dataset: { fit: NAV_LEVELS[0] } }, this.tabList, this.menuButton);
    // Short confirmations float above the navigation instead of pushing the screen down.
    this.toastEl = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', hidden: true });
    replace(root, this.bar, this.syncLine, this.notices, this.main, this.toastEl, this.nav);
    root.removeAttribute('aria-busy');
    // Fit again whenever the room or the text size changes (the bar's and the navigation's
    // heights follow the root font size; a window resize changes the width).
    let queued = false;
    const refit = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; this.fit(); });
    };
    if (typeof ResizeObserver === 'function') {
      const observer = new ResizeObserver(refit);
      observer.observe(this.bar);
      observer.observe(this.nav);
    }
    window.addEventListener('resize', refit);
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.nav.classList.contains('open')) {
        this.menu(false);
        this.menuButton.focus();
      }
    });
    document.addEventListener('click', (e) => {
      if (this.nav.classList.contains('open') && !this.nav.contains(e.target)) this.menu(false);
    });
  }

  /**
   * The navigation's destinations: [[view, label key, icon]] (the app draws them from the
   * registry of kinds and the device's role). Rebuilt only when they change.
   */
  setTabs(tabs) {
    const key = JSON.stringify(tabs);
    if (key === this.tabsKey) return;
    this.tabsKey = key;
    this.tabSpecs = tabs;
    this.tabs = tabs.map(([name, , glyph]) => h('button', { type: 'button', class: 'tab', dataset: { view: name },
      onclick: () => { this.menu(false); this.on.go(name); } }, icon(glyph), label()));
    this.tabList.replaceChildren(...this.tabs);
    // As many columns as destinations (CSSOM: the CSP allows no style attribute).
    this.tabList.style.setProperty('--tabs', String(tabs.length));
  }

  /** Render the fixed labels in the current language; `unlocked` shows lock and navigation. */
  render(t, { unlocked, view, online, brand = '', tabs = null }) {
    if (tabs) this.setTabs(tabs);
    this.title.textContent = brand;
    this.title.hidden = !brand; // camouflaged, the app names itself nowhere
    this.panicButton.textContent = t('panic.button');
    this.panicButton.title = t('panic.label');
    this.lockLabel.textContent = t('lock.button');
    this.lockButton.title = t('lock.button');
    this.lockButton.hidden = !unlocked;
    replace(this.onlineIcon, icon(online ? 'online' : 'offline'));
    this.onlineLabel.textContent = online ? t('net.online') : t('net.offline');
    this.online.className = online ? 'net on' : 'net off';
    this.nav.hidden = !unlocked;
    if (!unlocked) this.menu(false);
    this.nav.setAttribute('aria-label', t('nav.label'));
    this.tabSpecs.forEach(([name, key], i) => {
      const tab = this.tabs[i];
      // '+ Need' stays one unit: its sign never sits alone on a line.
      tab.lastChild.textContent = t(key).replace(/^\+ /, '+\u00a0');
      if (view === name) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    });
    this.menuLabel.textContent = t('nav.menu');
    this.syncButton.title = t('sync.open');
    this.fit();
  }

  /** Open or close the navigation's menu (only shown when the four do not fit in the bar). */
  menu(open) {
    this.nav.classList.toggle('open', open);
    this.menuButton.setAttribute('aria-expanded', String(open));
  }

  /**
   * Choose the richest layout of the bar and the navigation that fits the screen in this language
   * at this text size, so no word is ever broken inside and nothing is wider than the screen.
   */
  fit() {
    const bar = this.bar;
    for (let level = 0; level < BAR_LEVELS; level += 1) {
      bar.dataset.fit = String(level);
      if (bar.scrollWidth <= bar.clientWidth + 1) break;
    }
    const root = document.documentElement.style;
    if (this.nav.hidden) {
      root.setProperty('--nav-height', '0px');
      return;
    }
    const open = this.nav.classList.contains('open');
    this.menu(false);
    for (const level of NAV_LEVELS) {
      this.nav.dataset.fit = level;
      if (level === 'menu' || this.#navFits()) break;
    }
    // The screen keeps room for the navigation (CSSOM, which the CSP allows: no style attribute).
    root.setProperty('--nav-height', `${this.nav.offsetHeight}px`);
    if (open && this.nav.dataset.fit === 'menu') this.menu(true);
  }

  #navFits() {
    if (this.nav.offsetHeight > window.innerHeight * NAV_MAX_SHARE) return false;
    const range = document.createRange();
    return this.tabs.every((tab) => {
      // Each word's rendered boxes must stay inside its place (a too-long word overflows it).
      const words = tab.lastChild;
      const room = words.getBoundingClientRect();
      range.selectNodeContents(words);
      return [...range.getClientRects()].every((r) => r.left >= room.left - 0.5 && r.right <= room.right + 0.5);
    });
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
