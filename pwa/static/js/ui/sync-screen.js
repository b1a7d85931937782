/** The sync screen: what waits, when the last sync worked, what the server refused and why, and
 * what came from the server but failed verification (never shown as genuine). */

import { errorText, formatCount, formatMoment, problemText, pullProgress, refusalText } from '../sync/status.js';
import { h } from './dom.js';

/**
 * `data`: {status, refused: [entry], problems: [problem], label(recordId) → text | null}.
 * `on`: {syncNow(), dismissRefused(seq), dismissProblems(), open(recordId)}.
 */
export function syncScreen(t, lang, data, on) {
  const { status } = data;
  const facts = [
    [t('sync.connection'), status.online ? t('net.online') : t('net.offline')],
    [t('sync.waiting_label'), String(status.waiting)],
    [t('sync.last_label'), status.lastOk ? formatMoment(lang, status.lastOk) : t('sync.never')],
  ];
  const progress = pullProgress(t, lang, status);
  if (progress) facts.push([t('sync.received_label'), formatCount(lang, status.pulling.received)]);
  if (status.error) facts.push([t('sync.error_label'), errorText(t, status.error)]);
  if (status.rewrap) {
    facts.push([t('sync.rewrap_label'), t('sync.rewrap', { done: status.rewrap.done, total: status.rewrap.total })]);
  }
  if (status.rotation) {
    facts.push([t('sync.rotation_label'),
      t('sync.rotation', { done: status.rotation.done, total: status.rotation.total })]);
  }
  // This device's own directory entry carries other keys or another role than its own.
  const alarm = status.alarm?.length ? h('div', { class: 'alarm', role: 'alert' },
    h('h2', {}, t('alarm.title')), h('p', {}, t('alarm.text')), h('p', { class: 'help' }, t('alarm.what'))) : null;
  const busy = h('p', { class: 'status', role: 'status' });
  const button = h('button', { type: 'button', class: 'primary', disabled: !status.online || status.syncing,
    onclick: async () => {
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

  return h('section', { class: 'screen sync-screen', 'aria-labelledby': 'sync-title' },
    h('h1', { id: 'sync-title' }, t('sync.title')),
    alarm,
    h('dl', { class: 'fields' }, facts.map(([k, v]) => h('div', { class: 'row' }, h('dt', {}, k), h('dd', {}, v)))),
    h('div', { class: 'actions' }, button), busy,
    status.online ? null : h('p', { class: 'help' }, t('sync.offline_help')),
    status.canPushLocked ? null : h('p', { class: 'warning' }, t('sync.no_push_token')),
    status.held ? h('p', { class: 'warning' }, t('sync.held_help', { count: status.held })) : null,
    status.unreadable ? h('p', { class: 'help' }, t('sync.unreadable', { count: status.unreadable })) : null,
    refused, problems);
}
