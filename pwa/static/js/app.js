/**
 * The composition root: it makes the store, the session, the shell and the screens, and wires
 * their events together. Nothing else knows about more than one of them.
 */

import { safetyNumber } from './core/binding.js';
import { ZapisError } from './core/errors.js';
import { applyLook, camouflaged, disguise, undisguise } from './door.js';
import { navTabs } from './forms.js';
import { Installer, persistStorage } from './install.js';
import { load, pickLanguage } from './i18n.js';
import { watchIdle } from './idle.js';
import { EntryScreens, linkParams } from './entry-screens.js';
import { Session } from './session.js';
import { LocalStore } from './store/local.js';
import { MOVED, openStorage } from './store/buckets.js';
import { configureReporting, diagnostics, forgetShown, report, withdraw } from './report.js';
import { registerServiceWorker } from './sw-client.js';
import { statusLine } from './sync/status.js';
import { Shell } from './ui/shell.js';
import { wipeEverything } from './wipe.js';

// An invite or setup link opened by navigation: its secret leaves the address bar and this
// history entry before anything else runs (the invite is then used at once: entry-screens.js).
const OPENED_LINK = linkParams();
if (OPENED_LINK) history.replaceState(null, '', '/');

const THEME_COLORS = { light: '#1f4e5f', dark: '#0f1a1f' };
const APP_NAME = 'Zapis';
// How long Exit waits for a half-typed form's draft to be sealed (the screen is already blank).
const EXIT_DRAFT_MS = 800;
const VERIFY_AFTER_MS = 1500;
// While a catch-up goes on, the list and the overview are redrawn after a stored page at most once
// this often (the first page at once): each redraw filters, sorts and lays out every record
// listed: at 50,000 records, redrawing after each of 100 pages took about 3.3 s of this page's
// thread in JavaScript alone, and layout besides (bench/catch_up.py --profile). The count on the
// sync line still moves with every page.
const PARTIAL_REDRAW_MS = 1000;
let partialAt = -Infinity;
let partialDue = null;
const PLACEHOLDER_LINE = { level: 'busy', text: '\u00a0' };

// Camouflaged, the title and icons are the calculator's from the first moment (the choice is in
// localStorage, readable before anything opens); the chosen language follows once it is known.
applyLook(document, pickLanguage(navigator.languages), APP_NAME);

const store = new LocalStore(openStorage());
const session = new Session(store, { wipe: wipeEverything });
// The server shows this device with other keys or another role: say so on every screen, until it is fixed.
let closeAlarm = null;
session.onAlarm = (alarm) => {
  closeAlarm?.(); // one banner at a time, drawn again after a lock emptied the notices
  closeAlarm = null;
  if (alarm.length && i18n) closeAlarm = shell.notice(i18n.t('alarm.text'), [], { kind: 'error' });
};
const installer = new Installer();
let i18n;
let view = { name: 'boot' };
let idle = null;
let storage = { supported: false, persisted: false };
let installOffered = false;

const shell = new Shell(document.getElementById('app'), {
  panic, lock: () => lock(), go: (name) => go({ name }),
});
// The one reporting path (report.js): a translated notice, and the content-free diagnostic log in
// the meta store once this browser holds a device.
configureReporting({ store, shell, translator: () => i18n?.t ?? null, joined: () => session.state !== 'empty' });
// Whatever slips through every handler still reaches the log (the browser reports it as well).
window.addEventListener('error', (e) => { report(e.error ?? e, { where: 'uncaught', show: false }); });
window.addEventListener('unhandledrejection', (e) => { report(e.reason, { where: 'unhandled', show: false }); });
const entry = new EntryScreens({ session, shell, t: (...a) => i18n.t(...a), lang: () => i18n.lang,
  go: (next, opts) => go(next, opts), language: (lang) => language(lang), erase: () => wipe(),
  joined: async () => {
    storage = await persistStorage();
    opened();
    return storage;
  },
  unlocked: () => opened(), opening: () => { loadScreens().catch(loadFailed); }, emptied: () => stranger(),
  keeps: () => go({ name: 'keeps' }, { replace: true }) });

// A module did not load (a new version half deployed, a cache gone): said when it is needed.
function loadFailed(error) {
  report(error, { where: 'app/load', show: false });
}

// The sync controller loads once it has something to do: right away on a device that has
// joined (its modules come from the service worker's cache), once the first screen is painted
// on a first visit, which needs none of it.
let sync = null;
let syncLoading = null;

function loadSync() {
  syncLoading ??= import('./sync-controller.js').then(({ SyncController }) => {
    sync = new SyncController({ store, session, onStatus: showStatus, onChanged: changed, onRevoked: revoked });
    return sync;
  }, (error) => {
    syncLoading = null;
    throw error;
  });
  return syncLoading;
}
const UNDER_SETTINGS = ['sync', 'devices', 'this-device', 'invites', 'keeps', 'passphrase'];

// The screens behind the lock load on first use, or just ahead of it (see boot and `opening`): a
// first visit and the lock screen need none of them, and on a slow network every module the first
// screen waits for costs a round trip. The service worker caches them all for offline.
let screens = null;

function loadScreens() {
  screens ??= Promise.all([import('./record-screens.js'), import('./sync-screens.js'), import('./ui/settings.js'),
    loadSync(), import('./held-names.js')])
    .then(([{ RecordScreens }, { SyncScreens }, { settingsScreen }, controller, { DeviceNames }]) => ({
      records: new RecordScreens({ session, shell, t: (...a) => i18n.t(...a), lang: () => i18n.lang,
        go: (next, opts) => go(next, opts), saved: () => { controller.saved(); offerInstall(); },
        held: () => controller.replica.quarantined(), syncNow: () => controller.syncNow() }),
      sync: new SyncScreens({ session, shell, sync: controller, t: (...a) => i18n.t(...a), lang: () => i18n.lang,
        go: (next, opts) => go(next, opts) }),
      settings: settingsScreen,
      // The name this device goes by for coordinators (an encrypted record of its own), or ''.
      ownName: () => DeviceNames.of(session).verified().get(session.device.device)?.name ?? '',
    }), (error) => {
      screens = null; // try again on the next screen
      throw error;
    });
  return screens;
}

/** Write a half-typed form's draft before its screen goes (nothing to do if none was loaded). */
async function leaveForm() {
  // A load that failed was reported then; there is no form to keep.
  if (screens) await (await screens.catch(() => null))?.records.leave();
}

function chrome() {
  const current = UNDER_SETTINGS.includes(view.name) ? 'settings'
    : view.name === 'conflict' ? 'list' : view.name.replace(/^form-/, 'new-');
  shell.render(i18n.t, { unlocked: session.state === 'open', view: current, online: navigator.onLine,
    brand: camouflaged() ? '' : APP_NAME, tabs: session.device ? navTabs(session.device.role) : null });
  if (sync) showStatus(sync.status);
  // Until the sync controller has loaded, the line holds its place, so nothing shifts under a thumb.
  else if (i18n && session.state !== 'empty') shell.syncStatus(PLACEHOLDER_LINE, { unlocked: false });
}

// The sync line on every screen, once this browser holds a device.
function showStatus(status) {
  if (!i18n) return;
  shell.syncStatus(session.state === 'empty' ? null : statusLine(i18n.t, i18n.lang, status),
    { unlocked: session.state === 'open', runs: status.runs });
  // The sync screen's facts and its button follow a run that began or ended while it is shown.
  if (view?.name === 'sync') screens?.then((s) => s.sync.status(status), () => {});
  syncReport(status);
}

// What a finished sync run failed on goes to the diagnostic log; a failure the person can act on
// (a refusal, not a lost connection, which the status line shows and the scheduler retries) is
// also said as an alert, withdrawn once a run succeeds. Item refusals are logged by their code.
let reportedRuns = null;
let syncAlert = null;
const refusalsLogged = new Set();
function syncReport(status) {
  if (reportedRuns === null) reportedRuns = status.runs; // what the store said before this page: logged then
  if (status.runs === reportedRuns) return;
  reportedRuns = status.runs;
  const error = status.error;
  if (!error) {
    if (syncAlert) withdraw(syncAlert);
    syncAlert = null;
  } else {
    const { retryable } = ZapisError.from(error); // no answer, busy or overloaded: tried again by itself
    report(error, { where: 'sync/run', show: !retryable && error.code !== 'update_required' })
      .then((text) => { if (!retryable) syncAlert = text; });
  }
  if (status.refused && sync) {
    sync.replica.refused().then((items) => {
      for (const item of items) {
        if (refusalsLogged.has(item.seq)) continue;
        refusalsLogged.add(item.seq);
        report({ code: item.code, status: 0 }, { where: 'sync/item', show: false });
      }
    }, (err) => report(err, { where: 'sync/item', show: false }));
  }
}

// A pull changed records: redraw what shows them, never a form someone is typing in. While a
// catch-up goes on (`partial`: one stored page), only the list and the overview grow with it.
function changed({ partial = false } = {}) {
  if (session.state !== 'open') return;
  if (partial) {
    if (partialDue !== null) return; // a redraw is due: it shows this page's records too
    const wait = partialAt + PARTIAL_REDRAW_MS - performance.now();
    if (wait > 0) {
      partialDue = setTimeout(() => {
        partialDue = null;
        changed({ partial: true });
      }, wait);
      return;
    }
    partialAt = performance.now();
  } else if (partialDue !== null) {
    clearTimeout(partialDue); // the full redraw shows everything
    partialDue = null;
  }
  const shown = partial ? ['list', 'overview'] : ['list', 'detail', 'conflict', 'sync', 'devices', 'overview'];
  if (shown.includes(view.name)) render(view, { quiet: true });
}

// A coordinator removed this device: say so plainly, and erase what it held, except what it has
// not sent yet: that stays, sealed by the passphrase, until the person erases it (a server that
// only claims the device was removed cannot make it lose unsent work).
async function revoked() {
  idle?.stop();
  blank();
  // A store that cannot be read holds nothing to keep: the device is erased as removed.
  const waiting = session.state === 'empty' ? 0 : await store.outboxCount().catch(() => 0);
  if (!waiting) {
    await session.wipe();
    await go({ name: 'welcome', error: i18n.t('sync.revoked') }, { replace: true });
    return;
  }
  sync?.locked();
  await session.lock();
  const kept = await store.keepUnsent();
  await go({ name: 'removed', kept }, { replace: true });
}

async function setLanguage(lang) {
  i18n = await load(lang || pickLanguage(navigator.languages));
  document.documentElement.lang = i18n.lang;
  applyLook(document, i18n.lang, APP_NAME);
}

function applyTheme() {
  const theme = session.settings.theme;
  document.documentElement.dataset.theme = theme;
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.querySelector('meta[name="theme-color"]').content = THEME_COLORS[dark ? 'dark' : 'light'];
}

// -- navigation: the URL stays '/', and history holds a bare number --------------------------
// The browser keeps history entries in its session files (to restore tabs), so an entry carries
// only a step number; which view and record it stands for lives in this page's memory, and is
// forgotten at lock. No record id, view name, invite code or setup token reaches those files.

const OUTSIDE = ['welcome', 'join', 'setup', 'lock', 'removed', 'keeps'];
const steps = new Map();
let step = 0;

async function go(next, { replace = false } = {}) {
  if (session.state !== 'open' && !OUTSIDE.includes(next.name)) {
    next = { name: session.state === 'empty' ? 'welcome' : 'lock' };
  }
  if (replace || view.name === 'boot') steps.delete(history.state?.step);
  step += 1;
  steps.set(step, { name: next.name, id: next.id ?? null });
  if (replace || view.name === 'boot') history.replaceState({ step }, '', '/');
  else history.pushState({ step }, '', '/');
  await render(next);
}

window.addEventListener('popstate', (e) => {
  const seen = steps.get(e.state?.step);
  if (session.state === 'open' && seen && !OUTSIDE.includes(seen.name)) render(seen);
});

async function render(next, { quiet = false } = {}) {
  await leaveForm();
  view = next;
  chrome();
  const t = i18n.t;
  switch (next.name) {
    case 'welcome':
    case 'removed':
    case 'join':
    case 'setup':
    case 'lock':
      return entry.render(next);
    case 'passphrase': {
      const { passphraseScreen } = await import('./ui/passphrase.js');
      return shell.show(passphraseScreen(t, i18n.lang, {
        change: (current, next) => session.changePassphrase(current, next), back: () => go({ name: 'settings' }) }));
    }
    case 'keeps': {
      const { keepsScreen } = await import('./ui/keeps.js');
      const back = session.state === 'open' ? 'settings' : session.state === 'empty' ? 'welcome' : 'lock';
      return shell.show(keepsScreen(t, { back: () => go({ name: back }, { replace: back !== 'settings' }) }));
    }
    case 'settings': {
      const { settings: settingsScreen, ownName } = await loadScreens();
      return shell.show(settingsScreen(t, { settings: session.settings, device: session.device, storage,
        name: ownName(),
        lang: i18n.lang, canInstall: installer.available, coordinators: session.identity.recipients.length,
        safety: await safetyNumber(session.device.workspace, session.device.device, session.device.sign_key,
          session.device.ecdh_key), alarm: session.alarm, camouflage: camouflaged(),
          away: await sync.replica.awayCount(),
        erasure: store.erasure, moved: Boolean(await store.getMeta(MOVED)), diagnostics: await diagnostics() }, {
        change: changeSettings, duress: (p) => session.setDuress(p), clearDuress: () => session.clearDuress(),
        persist: async () => { storage = await persistStorage(); render(view); },
        install: () => installer.prompt().then(() => render(view)), wipe: wipe, lock: () => lock(),
        go: (name) => go({ name }), travel: () => sync.travel(), back: () => sync.bringBack(),
        camouflage: async (code) => {
          const ok = code === null ? (undisguise(), true) : await disguise(code);
          if (ok) {
            applyLook(document, i18n.lang, APP_NAME);
            await render(view);
          }
          return ok;
        },
      }));
    }
    case 'sync':
    case 'conflict':
    case 'devices':
    case 'this-device':
    case 'invites':
      return (await loadScreens()).sync.render(next, { quiet });
    default:
      return (await loadScreens()).records.render(next, { quiet });
  }
}

async function language(lang) {
  await session.saveSettings({ lang });
  await setLanguage(lang);
  await render(view);
}

async function changeSettings(changes) {
  await session.saveSettings(changes);
  if ('lang' in changes) await setLanguage(changes.lang);
  applyTheme();
  if ('lang' in changes) await render(view);
}

function opened() {
  // The list was drawn from the sealed entries, each checked against its record's version tag;
  // once it is up, those that could not be (stored before tags) are checked, and the packs sealed
  // again if enough entries changed (Records.settle).
  const records = session.records;
  setTimeout(() => records.settle().then((changed) => {
    if (changed && session.records === records && view.name === 'list') render(view);
  }).catch((error) => report(error, { where: 'records/verify', show: false })), VERIFY_AFTER_MS);
  idle?.stop();
  idle = watchIdle(() => session.settings.idleMinutes, () => lock());
  loadSync().then((loaded) => {
    if (session.state === 'open') loaded.unlocked();
  }).catch(loadFailed);
  persistStorage(false).then((s) => { storage = s; });
}

async function lock() {
  if (session.state !== 'open') return;
  idle?.stop();
  idle = null;
  await leaveForm();
  blank();
  sync?.locked();
  await session.lock();
  const loaded = screens && (await screens.catch(() => null)); // a failed load holds nothing to forget
  loaded?.records.forget();
  if (loaded) loaded.sync.created = null; // an invite link just made
  steps.clear(); // the way back to the records is forgotten with them
  await go({ name: 'lock' }, { replace: true });
}

// The screen and every notice go at once (lock, panic, wipe); the alerts shown are forgotten too.
function blank() {
  shell.blank();
  forgetShown();
  syncAlert = null;
}

// -- panic and wipe -------------------------------------------------------------------------

async function panic() {
  // Leave first, think later: the screen is emptied before anything else happens.
  blank();
  document.title = '';
  const wipeFirst = session.settings.panicWipe;
  idle?.stop();
  sync?.locked();
  // A half-typed form is kept as a sealed draft or discarded, as the person chose; the wait is
  // bounded, since the screen is already blank and leaving matters more.
  if (!wipeFirst && screens && session.state === 'open') {
    const inForm = view.name.startsWith('new-') || view.name.startsWith('form-');
    const keep = session.settings.exitDraft !== 'discard';
    const records = (await screens.catch(() => null))?.records; // a failed load holds no form
    const done = records && (keep ? records.leave() : inForm ? records.discard() : null);
    // Leaving matters more than the draft: a draft that cannot be written is not waited for.
    if (done) await Promise.race([done.catch(() => {}), new Promise((r) => { setTimeout(r, EXIT_DRAFT_MS); })]);
  }
  session.lock();
  if (wipeFirst) await session.wipe();
  // With the service worker gone, the calculator can only come from the network.
  location.replace(wipeFirst && !navigator.onLine ? 'about:blank' : '/calc');
}

// After the duress passphrase the store holds what an install that never joined holds. The page
// starts again, so nothing of the old session stays in memory either (from the service worker's
// cache offline; without one, and offline, it shows the welcome screen in place).
async function stranger() {
  idle?.stop();
  idle = null;
  sync?.locked();
  blank();
  (screens && (await screens.catch(() => null)))?.records.forget(); // a failed load holds nothing
  steps.clear();
  if (navigator.serviceWorker?.controller || navigator.onLine) location.replace('/');
  else await go({ name: 'welcome' }, { replace: true });
}

async function wipe() {
  blank();
  idle?.stop();
  sync?.locked();
  await session.wipe();
  // Online, a fresh load registers the service worker again; offline, the app stays in memory.
  if (navigator.onLine) location.replace('/');
  else await go({ name: 'welcome' }, { replace: true });
}

// -- the rest: notices, install, connectivity -------------------------------------------------

function offerInstall() {
  if (installOffered || !installer.available) return;
  installOffered = true;
  // Camouflaged, not even this notice names the app.
  shell.notice(i18n.t(camouflaged() ? 'install.offer_plain' : 'install.offer'), [
    { label: i18n.t('install.button'), primary: true, run: () => installer.prompt() },
    { label: i18n.t('install.later') }]);
}

window.addEventListener('online', chrome);
window.addEventListener('offline', chrome);
// A page restored from the back-forward cache must not come back unlocked.
window.addEventListener('pagehide', () => {
  if (session.state !== 'open') return;
  sync?.locked();
  session.lock();
  steps.clear();
});
window.addEventListener('pageshow', (e) => {
  if (e.persisted) go({ name: session.state === 'empty' ? 'welcome' : 'lock' }, { replace: true });
});

async function boot() {
  // The browser's language is usually the one to show: fetch it while the store opens.
  const guess = load(pickLanguage(navigator.languages));
  await session.init();
  const chosen = session.settings.lang;
  const first = await guess.catch(() => null); // not there: the chosen (or default) language below
  if (first && (!chosen || chosen === first.lang)) {
    i18n = first;
    document.documentElement.lang = i18n.lang;
  } else {
    await setLanguage(chosen);
  }
  applyLook(document, i18n.lang, APP_NAME);
  applyTheme();
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', applyTheme);
  const params = OPENED_LINK && { ...OPENED_LINK, opened: true };
  if (params && session.state === 'empty') await go(params, { replace: true });
  else {
    await go({ name: session.state === 'empty' ? 'welcome' : 'lock' }, { replace: true });
    if (params) shell.notice(i18n.t('join.already'), [{ label: i18n.t('notice.ok') }], { kind: 'warning' });
  }
  // A device that has joined syncs at once and loads the screens while the passphrase is checked
  // (both come from the service worker's cache); a first visit fetches them once the first screen
  // is painted and the page is idle, so they never delay it.
  if (session.state !== 'empty') {
    loadSync().then((loaded) => loaded.boot()).catch(loadFailed);
  } else {
    const later = window.requestIdleCallback ?? ((run) => setTimeout(run, 500));
    later(() => loadScreens().catch(loadFailed), { timeout: 5000 });
  }
  registerServiceWorker({
    offlineReady: () => shell.toast(i18n.t('sw.offline_ready')),
    updateReady: (apply) => shell.notice(i18n.t('sw.update'), [
      { label: i18n.t('sw.reload'), primary: true, run: async () => { await leaveForm(); apply(); } },
      { label: i18n.t('sw.later') }]),
  }).catch((error) => report(error, { where: 'sw/register', show: false })); // the app works online without it
}

boot();
