/** The sync screen: what waits, when the last sync worked, what the server refused and why, and
 * what came from the server but failed verification (never shown as genuine). */

import {
  errorText, formatCount, formatMoment, formatPercent, problemText, pullProgress, refusalText, uploadProgress,
} from '../sync/status.js';
import { h } from './dom.js';

/**
 * `data`: {status, refused: [entry], problems: [problem], label(recordId) → text | null}.
 * `on`: {syncNow(), dismissRefused(seq), dismissProblems(), open(recordId)}.
 */
export function syncScreen(t, lang, data, on) {
  const { status } = data;
  // The connection, what waits, the last sync, how far a pull has come and the error follow the
  // status while the screen is shown (update() below); the lists are drawn again after a run.
  const facts = (now) => {
    const list = [
      [t('sync.connection'), now.online ? t('net.online') : t('net.offline')],
      [t('sync.waiting_label'), String(now.waiting)],
      [t('sync.last_label'), now.lastOk ? formatMoment(lang, now.lastOk) : t('sync.never')],
    ];
    if (uploadProgress(t, lang, now)) {
      const { done, total } = now.sending;
      list.push([t('sync.sending_label'), [h('progress', { max: String(total), value: String(done),
        'aria-label': t('sync.sending_label') }), ' ', formatPercent(lang, done / total)]]);
    }
    if (pullProgress(t, lang, now)) list.push([t('sync.received_label'), formatCount(lang, now.pulling.received)]);
    if (now.error) list.push([t('sync.error_label'), errorText(t, now.error)]);
    if (now.rewrap) {
      list.push([t('sync.rewrap_label'), t('sync.rewrap', { done: now.rewrap.done, total: now.rewrap.total })]);
    }
    if (now.rotation) {
      list.push([t('sync.rotation_label'), t('sync.rotation', { done: now.rotation.done, total: now.rotation.total })]);
    }
    return list.map(([k, v]) => h('div', { class: 'row' }, h('dt', {}, k), h('dd', {}, v)));
  };
  // This device's own directory entry carries other keys or another role than its own.
  const alarm = status.alarm?.length ? h('div', { class: 'alarm', role: 'alert' },
    h('h2', {}, t('alarm.title')), h('p', {}, t('alarm.text')), h('p', { class: 'help' }, t('alarm.what'))) : null;
  const busy = h('p', { class: 'status', role: 'status' }, status.syncing ? t('sync.syncing') : '');
  let pressed = false;
  const button = h('button', { type: 'button', class: 'primary', disabled: !status.online || status.syncing,
    onclick: async () => {
      pressed = true;
      button.disabled = true;
      busy.textContent = t('sync.syncing');
      await on.syncNow();
    } }, t('sync.now'));

  const record = (id) => (id && data.label(id)
    ? h('button', { type: 'button', class: 'link', onclick: () => on.open(id) }, data.label(id))
    : h('span', {}, t('sync.some_record')));

  const refused = data.refused.length ? [
    h('h2', {}, t('sync.refused_title')),
    h('p', { class: 'help' }, t('sync.refused_help')),
    h('ul', { class: 'issues' }, data.refused.map((r) => h('li', { class: 'issue' },
      record(r.record),
      h('p', {}, refusalText(t, r)),
      h('button', { type: 'button', class: 'secondary', onclick: () => on.dismissRefused(r.seq) },
        t('sync.dismiss'))))),
  ] : [];

  const problems = data.problems.length ? [
    h('h2', {}, t('sync.problems_title')),
    h('p', { class: 'help' }, t('sync.problems_help')),
    h('ul', { class: 'issues' }, data.problems.map((p) => h('li', { class: 'issue' },
      h('p', {}, problemText(t, p)),
      h('p', { class: 'help' }, t('sync.from_device', { device: p.device.slice(0, 8) || '?' }))))),
    h('button', { type: 'button', class: 'secondary', onclick: () => on.dismissProblems() }, t('sync.dismiss_all')),
  ] : [];

  const list = h('dl', { class: 'fields' }, facts(status));
  const screen = h('section', { class: 'screen sync-screen', 'aria-labelledby': 'sync-title' },
    h('h1', { id: 'sync-title' }, t('sync.title')),
    alarm,
    list,
    h('div', { class: 'actions' }, button), busy,
    status.online ? null : h('p', { class: 'help' }, t('sync.offline_help')),
    status.canPushLocked ? null : h('p', { class: 'warning' }, t('sync.no_push_token')),
    status.held ? h('p', { class: 'warning' }, t('sync.held_help', { count: status.held })) : null,
    status.unreadable ? h('p', { class: 'help' }, t('sync.unreadable', { count: status.unreadable })) : null,
    refused, problems);
  /**
   * The status changed while the screen is shown (a run began or ended, the connection came or
   * went): the facts and the button follow, without drawing the screen again (focus stays where
   * it is). A run started here redraws the screen when it ends.
   */
  screen.update = (now) => {
    list.replaceChildren(...facts(now));
    if (pressed) return;
    button.disabled = !now.online || now.syncing;
    const words = now.syncing ? t('sync.syncing') : '';
    if (busy.textContent !== words) busy.textContent = words;
  };
  return screen;
}
