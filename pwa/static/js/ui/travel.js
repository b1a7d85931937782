/**
 * Travel mode, in settings: before a border or a police check, sync, make sure the server holds
 * everything, and erase the local copies of records (keys and enrollment stay, so the records
 * can come back later). An option does it for each record as soon as the server has it.
 */

import { h, uid } from './dom.js';

const REASONS = { sync_failed: 'travel.failed', outbox: 'travel.outbox', refused: 'travel.refused',
  locked: 'travel.failed' };

/**
 * `data`: {auto, away (records kept off this device)}.
 * `on`: {now() → Promise<{ok, reason, erased}>, auto(on), back() → Promise}.
 */
export function travelSection(t, data, on) {
  const autoId = uid('travel');
  const result = h('p', { class: 'status', role: 'status' });
  const now = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    now.disabled = true;
    result.className = 'status';
    result.textContent = t('sync.syncing');
    const outcome = await on.now();
    now.disabled = false;
    result.className = outcome.ok ? 'ok' : 'error';
    result.textContent = outcome.ok
      ? t('travel.done', { count: outcome.erased.length }) : t(REASONS[outcome.reason] ?? 'travel.failed');
  } }, t('travel.now'));
  const back = data.away ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
    back.disabled = true;
    result.textContent = t('sync.syncing');
    await on.back();
    result.textContent = t('travel.back_done');
  } }, t('travel.back', { count: data.away })) : null;
  return h('div', { class: 'stack travel' },
    h('p', { class: 'help' }, t('travel.help')),
    h('div', { class: 'actions' }, now, back), result,
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', id: autoId, checked: Boolean(data.auto),
        onchange: (e) => on.auto(e.target.checked) }),
      h('label', { for: autoId }, t('travel.auto'))),
    h('p', { class: 'help' }, t('travel.auto_help')));
}
