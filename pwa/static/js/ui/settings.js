/** Settings: language, theme, locking, panic, the duress passphrase, storage, install, this device. */

import { logText } from '../diagnostics.js';
import { report } from '../report.js';
import { loadEstimator } from '../strength.js';
import { h, uid } from './dom.js';
import { languagePicker } from './language.js';
import { travelSection } from './travel.js';

const IDLE = [1, 2, 5, 10, 15, 30];
const LIMITS = [0, 5, 10, 20];

function choice(t, label, current, options, onchange) {
  const id = uid('set');
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, onchange: (e) => onchange(e.target.value) },
      options.map(([v, text]) => h('option', { value: String(v), selected: String(current) === String(v) }, text))));
}

/**
 * Camouflage (js/door.js): off, a form for the door code; on, a way back. `turn(code)` turns it on
 * (false if the code is not 4 to 12 digits), `turn(null)` off.
 */
function camouflageSection(t, on, turn) {
  if (on) {
    return h('div', { class: 'stack camouflage' },
      h('p', { class: 'ok', role: 'status' }, t('settings.camouflage_is_on')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => turn(null) }, t('settings.camouflage_off'))));
  }
  const id = uid('door');
  const status = h('p', { class: 'error', id: `${id}-error`, role: 'alert' });
  // Like a passphrase: not shown, not offered by autofill; digits only, so a phone shows its keypad.
  const input = h('input', { id, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '12',
    'aria-describedby': `${id}-help ${id}-error` });
  return h('form', { class: 'stack camouflage', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (await turn(input.value.trim())) return;
    status.textContent = t('settings.camouflage_bad_code');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } }, h('p', { class: 'help', id: `${id}-help` }, t('settings.camouflage_help')),
  h('div', { class: 'field' }, h('label', { for: id }, t('settings.camouflage_code')), input, status),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('settings.camouflage_on'))),
  h('p', { class: 'help' }, t('settings.camouflage_install')));
}

/**
 * Diagnostics: the content-free log of problems (report.js), newest first, and a button that
 * copies it as text for whoever helps with the app.
 */
function diagnosticsSection(t, log) {
  const text = logText(log);
  const status = h('p', { class: 'status', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = t('settings.diagnostics_copied');
    } catch (err) {
      // No clipboard here (an insecure origin, or permission refused): the lines can be selected by hand.
      status.textContent = t('settings.diagnostics_copy_failed');
      report(err, { where: 'settings/copy-diagnostics', show: false });
    }
  };
  return h('div', { class: 'stack diagnostics' },
    h('p', { class: 'help' }, t('settings.diagnostics_help')),
    log.length
      ? h('ol', { class: 'diagnostic-log', 'aria-label': t('settings.diagnostics') },
        text.split('\n').map((line) => h('li', {}, h('code', {}, line))))
      : h('p', {}, t('settings.diagnostics_empty')),
    log.length ? h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: copy }, t('settings.diagnostics_copy'))) : null,
    status);
}

/**
 * `data`: {settings, device, name (the name this device goes by, or ''), storage: {persisted, supported},
 * canInstall, coordinators, lang, safety (this
 * device's safety number, what its coordinator compares), alarm ([] or what is wrong with its entry), away,
 * erasure ('buckets' | 'overwrite'), moved (the data moved into buckets from older storage), diagnostics (the
 * diagnostic log, oldest first: report.js)}.
 * `on`: {change(settings), duress(passphrase) → Promise<bool>, clearDuress(), persist(), install(),
 * wipe(), lock(), go(view), travel() → Promise, back() → Promise, camouflage(code or null) → Promise<bool>};
 * `data.camouflage`: whether camouflage is on.
 */
export function settingsScreen(t, data, on) {
  const { settings, device } = data;
  const duressId = uid('duress');
  const duressInput = h('input', { id: duressId, type: 'password', autocomplete: 'off' });
  const duressStatus = h('p', { class: 'status', role: 'status' });
  const duressForm = h('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    const estimator = await loadEstimator().catch((err) => {
      report(err, { where: 'settings/estimator', show: false }); // said below, in place
      return null;
    });
    if (!estimator) {
      duressStatus.textContent = t('strength.unavailable');
      return;
    }
    if (!estimator.acceptable(duressInput.value)) {
      duressStatus.textContent = t('join.too_weak');
      return;
    }
    duressStatus.textContent = t('lock.opening');
    const ok = await on.duress(duressInput.value);
    duressInput.value = '';
    duressStatus.textContent = t(ok ? 'settings.duress_set' : 'settings.duress_same');
  } }, h('div', { class: 'field' }, h('label', { for: duressId }, t('settings.duress_label')), duressInput),
  h('p', { class: 'help' }, t('settings.duress_help')), duressStatus,
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'secondary' }, t('settings.duress_save')),
    h('button', { type: 'button', class: 'secondary', onclick: async () => {
      await on.clearDuress();
      duressStatus.textContent = t('settings.duress_removed');
    } }, t('settings.duress_remove'))));

  const panicId = uid('panic');
  const wipeRow = h('div', { class: 'actions', hidden: true },
    h('p', {}, t('settings.wipe_confirm')),
    h('button', { type: 'button', class: 'danger', onclick: () => on.wipe() }, t('settings.wipe_yes')));

  const storage = data.storage;
  const storageText = !storage.supported ? t('settings.storage_unknown')
    : storage.persisted ? t('settings.storage_kept') : t('settings.storage_not_kept');

  const coordinator = device.role === 'coordinator';
  return h('section', { class: 'screen settings-screen', 'aria-labelledby': 'settings-title' },
    h('h1', { id: 'settings-title' }, t('settings.title')),
    h('h2', {}, t('settings.workspace')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => on.go('sync') }, t('sync.title')),
      coordinator ? h('button', { type: 'button', class: 'secondary', onclick: () => on.go('devices') },
        t('devices.title')) : null,
      coordinator ? h('button', { type: 'button', class: 'secondary', onclick: () => on.go('invites') },
        t('invites.title')) : null),

    h('h2', {}, t('travel.title')),
    travelSection(t, { auto: settings.travelAuto, away: data.away },
      { now: on.travel, back: on.back, auto: (v) => on.change({ travelAuto: v }) }),

    h('h2', {}, t('settings.display')),
    languagePicker(t, data.lang, (lang) => on.change({ lang })),
    choice(t, t('settings.theme'), settings.theme, [['system', t('settings.theme_system')],
      ['light', t('settings.theme_light')], ['dark', t('settings.theme_dark')]], (theme) => on.change({ theme })),

    h('h2', {}, t('settings.security')),
    choice(t, t('settings.idle'), settings.idleMinutes, IDLE.map((m) => [m, t('settings.minutes', { count: m })]),
      (v) => on.change({ idleMinutes: Number(v) })),
    choice(t, t('settings.wipe_after'), settings.wipeAfter, LIMITS.map((n) => [n,
      n ? t('settings.attempts', { count: n }) : t('settings.never')]), (v) => on.change({ wipeAfter: Number(v) })),
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', id: panicId, checked: settings.panicWipe,
        onchange: (e) => on.change({ panicWipe: e.target.checked }) }),
      h('label', { for: panicId }, t('settings.panic_wipe'))),
    h('p', { class: 'help' }, t('settings.panic_help')),
    h('button', { type: 'button', class: 'secondary', onclick: () => on.go('passphrase') }, t('passphrase.title')),
    choice(t, t('settings.exit_draft'), settings.exitDraft ?? 'keep', [['keep', t('settings.exit_draft_keep')],
      ['discard', t('settings.exit_draft_discard')]], (exitDraft) => on.change({ exitDraft })),
    duressForm,

    h('h2', {}, t('settings.camouflage')),
    camouflageSection(t, data.camouflage, on.camouflage),

    h('h2', {}, t('settings.storage')),
    h('p', { class: storage.persisted ? 'ok' : 'warning', role: 'status' }, storageText),
    h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => on.go('keeps') }, t('keeps.link'))),
    storage.supported && !storage.persisted
      ? h('button', { type: 'button', class: 'secondary', onclick: () => on.persist() },
        t('settings.storage_ask')) : null,
    // How erasing works on this browser, said plainly (store/buckets.js).
    h('p', { class: data.erasure === 'buckets' ? 'help' : 'warning' },
      t(data.erasure === 'buckets' ? 'settings.erase_buckets' : 'settings.erase_overwrite')),
    data.moved ? h('p', { class: 'help' }, t('settings.erase_moved')) : null,
    data.canInstall ? h('button', { type: 'button', class: 'secondary', onclick: () => on.install() },
      t('install.button')) : null,

    h('h2', {}, t('settings.device')),
    data.alarm?.length ? h('p', { class: 'alarm', role: 'alert' }, t('alarm.text')) : null,
    h('dl', { class: 'fields' },
      h('div', { class: 'row' }, h('dt', {}, t('name.label')), h('dd', {}, data.name || t('name.none'))),
      h('div', { class: 'row' }, h('dt', {}, t('settings.role')), h('dd', {}, t(`role.${device.role}`))),
      h('div', { class: 'row' }, h('dt', {}, t('settings.device_id')), h('dd', {}, h('code', {}, device.device))),
      h('div', { class: 'row' }, h('dt', {}, t('settings.safety')),
        h('dd', {}, h('code', { class: 'fp safety' }, data.safety ?? ''),
          h('p', { class: 'help' }, t('settings.safety_help')))),
      h('div', { class: 'row' }, h('dt', {}, t('settings.fingerprint')),
        h('dd', {}, h('code', {}, device.fingerprint))),
      h('div', { class: 'row' }, h('dt', {}, t('settings.readers')),
        h('dd', {}, data.coordinators
          ? t('settings.readers_count', { count: data.coordinators }) : t('settings.readers_none')))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => on.go('this-device') }, t('safety.open'))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => on.lock() }, t('lock.button')),
      h('button', { type: 'button', class: 'danger', onclick: () => { wipeRow.hidden = false; } }, t('settings.wipe'))),
    wipeRow,

    h('h2', {}, t('settings.diagnostics')),
    diagnosticsSection(t, data.diagnostics ?? []));
}
