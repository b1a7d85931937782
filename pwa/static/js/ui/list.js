/** The list of records: search, filters, and one large button per record. */

import { KINDS, OPTIONS, fieldsOf, kindSpec } from '../forms.js';
import { listed, select } from '../summary.js';
import { h, uid } from './dom.js';
import { recordLabel } from './format.js';

const FIRST = 40;
const SLICE = 250;

/**
 * `on`: {open(id), filters(filters), create(kind)}; `reporter`: the list of a person reporting for
 * themselves (its empty state points at the report). Returns {el, update(summaries)}.
 */
export function listScreen(t, lang, summaries, filters, on, { reporter = false } = {}) {
  const sid = uid('search');
  const search = h('input', { id: sid, type: 'search', value: filters.query || '', autocomplete: 'off',
    oninput: (e) => apply({ query: e.target.value }) });
  const shownKinds = KINDS.filter((k) => kindSpec(k).listed);
  const cleared = Object.fromEntries(shownKinds.flatMap((k) => kindSpec(k).filters.map((f) => [f.field, ''])));
  const kind = selectFilter(t, 'list.kind', filters.kind, [['', t('list.all')],
    ...shownKinds.map((k) => [k, t(`kind.${k}s`)])], (v) => apply({ kind: v, ...cleared }));
  const extra = h('div', { class: 'filter-row' });
  const deletedId = uid('deleted');
  const deleted = h('input', { type: 'checkbox', id: deletedId, checked: Boolean(filters.deleted),
    onchange: (e) => apply({ deleted: e.target.checked }) });
  const count = h('p', { class: 'count', role: 'status' });
  const list = h('ul', { class: 'records', 'aria-labelledby': 'list-title' });
  let all = summaries;

  // The words of the options a record's list entry keeps (category, urgency, status, country),
  // in the person's language, are searchable too.
  const labels = (s) => {
    const spec = kindSpec(s.kind);
    if (!spec) return '';
    return fieldsOf(s.kind).filter((f) => f.options && spec.summary.includes(f.name) && s[f.name])
      .map((f) => t(`opt.${f.options}.${s[f.name]}`)).join(' ');
  };

  function renderExtra() {
    const spec = filters.kind ? kindSpec(filters.kind) : null;
    const rows = (spec?.filters ?? []).map(({ field, label }) => {
      const { options } = fieldsOf(filters.kind).find((f) => f.name === field);
      return selectFilter(t, label, filters[field], [['', t('list.all')],
        ...OPTIONS[options].map((v) => [v, t(`opt.${options}.${v}`)])], (v) => apply({ [field]: v }));
    });
    extra.replaceChildren(...rows);
  }

  function item(s) {
    const meta = [];
    for (const name of kindSpec(s.kind)?.badges ?? []) {
      const f = s[name] && fieldsOf(s.kind).find((x) => x.name === name);
      if (f) meta.push(h('span', { class: `badge ${name}-${s[name]}` }, t(`opt.${f.options}.${s[name]}`)));
    }
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
      const empty = reporter ? 'list.empty_report' : 'list.empty';
      list.replaceChildren(h('li', { class: 'empty' }, t(all.some(listed) ? 'list.no_match' : empty)));
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

