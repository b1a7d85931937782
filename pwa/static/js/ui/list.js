/** The list of records: search, filters, and one large button per record. */

import { OPTIONS } from '../forms.js';
import { select } from '../summary.js';
import { h, uid } from './dom.js';
import { recordLabel } from './format.js';

const FIRST = 40;
const SLICE = 250;

/** `on`: {open(id), filters(filters), create(kind)}. Returns {el, update(summaries)}. */
export function listScreen(t, lang, summaries, filters, on) {
  const sid = uid('search');
  const search = h('input', { id: sid, type: 'search', value: filters.query || '', autocomplete: 'off',
    oninput: (e) => apply({ query: e.target.value }) });
  const kind = selectFilter(t, 'list.kind', filters.kind, [['', t('list.all')], ['incident', t('kind.incidents')],
    ['need', t('kind.needs')]], (v) => apply({ kind: v, category: '', status: '', urgency: '' }));
  const extra = h('div', { class: 'filter-row' });
  const deletedId = uid('deleted');
  const deleted = h('input', { type: 'checkbox', id: deletedId, checked: Boolean(filters.deleted),
    onchange: (e) => apply({ deleted: e.target.checked }) });
  const count = h('p', { class: 'count', role: 'status' });
  const list = h('ul', { class: 'records', 'aria-labelledby': 'list-title' });
  let all = summaries;

  // Category, urgency and status words in the person's language are searchable too.
  const labels = (s) => [s.category && t(`opt.${s.kind}_category.${s.category}`), s.urgency && t(`opt.urgency.${s.urgency}`),
    s.status && t(`opt.status.${s.status}`), s.country && t(`opt.country.${s.country}`)].filter(Boolean).join(' ');

  function renderExtra() {
    const rows = [];
    if (filters.kind) {
      const options = filters.kind === 'incident' ? 'incident_category' : 'need_category';
      rows.push(selectFilter(t, 'list.category', filters.category, [['', t('list.all')],
        ...OPTIONS[options].map((v) => [v, t(`opt.${options}.${v}`)])], (v) => apply({ category: v })));
    }
    if (filters.kind === 'need') {
      rows.push(selectFilter(t, 'need.urgency', filters.urgency, [['', t('list.all')],
        ...OPTIONS.urgency.map((v) => [v, t(`opt.urgency.${v}`)])], (v) => apply({ urgency: v })));
      rows.push(selectFilter(t, 'need.status', filters.status, [['', t('list.all')],
        ...OPTIONS.status.map((v) => [v, t(`opt.status.${v}`)])], (v) => apply({ status: v })));
    }
    extra.replaceChildren(...rows);
  }

  function item(s) {
    const meta = [];
    if (s.kind === 'need' && s.urgency) {
      meta.push(h('span', { class: `badge urgency-${s.urgency}` }, t(`opt.urgency.${s.urgency}`)));
    }
    if (s.kind === 'need' && s.status) meta.push(h('span', { class: 'badge' }, t(`opt.status.${s.status}`)));
    if (s.conflicts?.length) meta.push(h('span', { class: 'badge conflict' }, t('list.conflict')));
    if (s.deleted) meta.push(h('span', { class: 'badge' }, t('list.deleted')));
    return h('li', {}, h('button', { type: 'button', class: `record-item kind-${s.kind}`, onclick: () => on.open(s.id) },
      h('span', { class: 'kind' }, t(`kind.${s.kind}`)),
      h('span', { class: 'label' }, recordLabel(t, lang, s)),
      s.title ? h('span', { class: 'excerpt' }, s.title) : null,
      meta.length ? h('span', { class: 'meta' }, meta) : null));
  }

  let drawing = 0;
  function render() {
    const shown = select(all, filters, labels);
    count.textContent = t('list.count', { count: shown.length });
    if (!shown.length) {
      list.replaceChildren(h('li', { class: 'empty' }, t(all.length ? 'list.no_match' : 'list.empty')));
      return;
    }
    // The first screenful at once, the rest in slices between frames: a cheap phone answers a tap
    // or a keystroke in the search field while a long list is still being drawn.
    const run = ++drawing;
    list.replaceChildren(...shown.slice(0, FIRST).map(item));
    let next = FIRST;
    const more = () => {
      if (run !== drawing || next >= shown.length) return;
      list.append(...shown.slice(next, next + SLICE).map(item));
      next += SLICE;
      setTimeout(more, 0);
    };
    setTimeout(more, 0);
  }

  function apply(change) {
    Object.assign(filters, change);
    on.filters(filters);
    if ('kind' in change) renderExtra();
    render();
  }

  renderExtra();
  render();
  const el = h('section', { class: 'screen list-screen', 'aria-labelledby': 'list-title' },
    h('h1', { id: 'list-title' }, t('list.title')),
    h('div', { class: 'field search' }, h('label', { for: sid }, t('list.search')), search),
    h('div', { class: 'filter-row' }, kind), extra,
    h('div', { class: 'check' }, deleted, h('label', { for: deletedId }, t('list.show_deleted'))),
    count, list);
  return { el, update(next) { all = next; render(); } };
}

function selectFilter(t, labelKey, current, options, onchange) {
  const id = uid('filter');
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)),
    h('select', { id, onchange: (e) => onchange(e.target.value) },
      options.map(([v, text]) => h('option', { value: v, selected: (current || '') === v }, text))));
}

