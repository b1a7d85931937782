/**
 * The coordinator's overview: what needs doing (follow-ups due and overdue, conflicts, devices
 * waiting for verification, each a way to the records concerned), then the figures by kind,
 * category, status, country and month, and open needs by urgency, as bars with their tables. A
 * date range applies to all of it. Printed, it is the report for advocacy: counts only, no name,
 * contact, device or free text (the print stylesheet leaves the controls out).
 */

import { OPTIONS, kindSpec } from '../forms.js';
import { REGISTRY } from '../kinds.js';
import { barChart } from './charts.js';
import { h, uid } from './dom.js';
import { formatWhen } from './format.js';

const optionsOf = (kind, field) => kindSpec(kind)?.fields.find((f) => f.name === field)?.options ?? null;

/**
 * `range`: {from, to}; `on`: {range({from, to}), show(filters) (the list, so filtered), devices(),
 * print(), export()}. Returns {el, update({figures, waiting})} (`waiting`: records held back, by device).
 */
export function overviewScreen(t, lang, range, on) {
  const fromId = uid('from');
  const toId = uid('to');
  const from = h('input', { id: fromId, type: 'date', value: range.from || '',
    onchange: () => on.range({ from: from.value, to: to.value }) });
  const to = h('input', { id: toId, type: 'date', value: range.to || '',
    onchange: () => on.range({ from: from.value, to: to.value }) });
  const all = h('button', { type: 'button', class: 'secondary', onclick: () => {
    from.value = '';
    to.value = '';
    on.range({ from: '', to: '' });
  } }, t('overview.all_time'));
  const period = h('p', { class: 'period' });
  const body = h('div', { class: 'overview-body' });
  const el = h('section', { class: 'screen overview-screen', 'aria-labelledby': 'overview-title' },
    h('h1', { id: 'overview-title' }, t('overview.title')),
    period,
    h('div', { class: 'filter-row range no-print' },
      h('div', { class: 'field' }, h('label', { for: fromId }, t('list.from')), from),
      h('div', { class: 'field' }, h('label', { for: toId }, t('list.to')), to),
      h('div', { class: 'field' }, all)),
    body,
    h('div', { class: 'actions no-print' },
      h('button', { type: 'button', class: 'secondary', onclick: () => on.print() }, t('overview.print')),
      h('button', { type: 'button', class: 'secondary', onclick: () => on.export() }, t('export.title'))),
    h('p', { class: 'help no-print' }, t('overview.print_help')));

  const label = (group, v) => (v === '' ? t('overview.not_given') : t(`opt.${group}.${v}`));
  const chart = (title, rows, what) => barChart(title, rows, [what, t('overview.count')],
    { none: t('overview.none'), id: uid('chart') });

  function update({ figures: f, waiting }) {
    const r = { from: from.value, to: to.value };
    period.textContent = r.from || r.to
      ? t('overview.period', { from: r.from ? formatWhen(lang, r.from) : '…', to: r.to ? formatWhen(lang, r.to) : '…' })
      : t('overview.period_all');
    const openNeeds = f.openByUrgency.reduce((sum, [, n]) => sum + n, 0);
    const held = waiting.reduce((sum, [, n]) => sum + n, 0);
    const tile = (text, n, action = null) => h('li', { class: n && action ? 'tile attention' : 'tile' },
      h('span', { class: 'n' }, String(n)), h('span', { class: 'what' }, text),
      n && action ? h('button', { type: 'button', class: 'link no-print', onclick: action },
        t('overview.show')) : null);
    const tiles = h('ul', { class: 'tiles', 'aria-label': t('overview.at_a_glance') },
      tile(t('overview.records'), f.total),
      tile(t('overview.open_needs'), openNeeds, () => on.show({ kind: 'need', sort: 'urgency' })),
      tile(t('list.due_today'), f.due.today, () => on.show({ kind: 'need', due: 'today' })),
      tile(t('list.due_overdue'), f.due.overdue, () => on.show({ kind: 'need', due: 'overdue', sort: 'follow_up' })),
      tile(t('overview.conflicts'), f.conflicts, () => on.show({ conflict: true })),
      tile(t('overview.devices_waiting', { count: waiting.length }), held, () => on.devices()));
    const charts = [
      chart(t('overview.by_kind'), f.kinds.map(([k, n]) => [t(`kind.${k}s`), n]), t('list.kind')),
      ...Object.keys(REGISTRY.kinds).filter((k) => f.categories[k]).map((k) => chart(
        t('overview.by_category', { kind: t(`kind.${k}s`) }),
        f.categories[k].map(([v, n]) => [label(optionsOf(k, 'category'), v), n]), t('list.category'))),
      chart(t('overview.by_status'), f.statuses.map(([v, n]) => [label('status', v), n]), t('need.status')),
      chart(t('overview.open_by_urgency'), f.openByUrgency.map(([v, n]) => [label('urgency', v), n]),
        t('need.urgency')),
      chart(t('overview.by_country'), f.countries.map(([v, n]) => [OPTIONS.country.includes(v) ? label('country', v)
        : t('overview.not_given'), n]), t('list.country')),
      chart(t('overview.by_month'), f.months.map(([m, n]) => [formatWhen(lang, m), n]), t('overview.month')),
    ];
    body.replaceChildren(tiles, h('div', { class: 'charts' }, charts));
  }
  return { el, update };
}
