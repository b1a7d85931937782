/**
 * The list's filter panel: the kind and the order always at hand, the rest (category, urgency,
 * status, country, date range, author device, assignee, follow-up, conflicts) folded under "More
 * filters", which says how many are set. The logic is query.js; this only draws and reports.
 */

import { OPTIONS, kindSpec } from '../forms.js';
import { REGISTRY } from '../kinds.js';
import { DUE, SORTS, activeCount, blankFilters } from '../query.js';
import { h, uid } from './dom.js';

const LISTED = Object.keys(REGISTRY.kinds).filter((k) => kindSpec(k).listed);
// The option list behind each kind's `category` (incidents and needs have their own).
const CATEGORIES = LISTED.map((k) => [k, kindSpec(k).fields.find((f) => f.name === 'category')?.options])
  .filter(([, options]) => options);

/**
 * `filters`: the state (query.js), changed in place; `devices`: [{id, label}] for the author and
 * assignee choices; `apply(change, rebuild)`: called with what changed (`rebuild`: the panel must be
 * drawn again, `refresh(true)`). Returns {el, refresh(rebuild)}.
 */
export function filterPanel(t, filters, devices, apply) {
  const field = (labelKey, control) => {
    control.id ||= uid('filter');
    return h('div', { class: 'field' }, h('label', { for: control.id }, t(labelKey)), control);
  };
  const select = (name, options, first = t('list.all')) => h('select',
    { onchange: (e) => apply({ [name]: e.target.value }) },
    h('option', { value: '', selected: !filters[name] }, first),
    options.map(([v, text]) => h('option', { value: v, selected: filters[name] === v }, text)));
  const opts = (group) => OPTIONS[group].map((v) => [v, t(`opt.${group}.${v}`)]);
  const cleared = { category: '', urgency: '', status: '' };

  const kind = h('select', { onchange: (e) => apply({ kind: e.target.value, ...cleared }, true) },
    h('option', { value: '', selected: !filters.kind }, t('list.all')),
    LISTED.map((k) => h('option', { value: k, selected: filters.kind === k }, t(`kind.${k}s`))));
  const sort = h('select', { onchange: (e) => apply({ sort: e.target.value }) },
    SORTS.map((s) => h('option', { value: s, selected: (filters.sort || 'auto') === s }, t(`list.sort_${s}`))));
  // With no kind chosen, the categories of every kind, grouped by kind.
  const categories = () => {
    const shown = filters.kind ? CATEGORIES.filter(([k]) => k === filters.kind) : CATEGORIES;
    const c = h('select', { onchange: (e) => apply({ category: e.target.value }) },
      h('option', { value: '', selected: !filters.category }, t('list.all')),
      shown.map(([k, group]) => h('optgroup', { label: t(`kind.${k}s`) }, opts(group).map(([v, text]) =>
        h('option', { value: v, selected: filters.category === v }, text)))));
    return c;
  };
  const date = (name, labelKey) => field(labelKey, h('input', { type: 'date', value: filters[name] || '',
    onchange: (e) => apply({ [name]: e.target.value }) }));
  const conflictId = uid('conflict');
  const who = devices.map((d) => [d.id, d.label]);

  const moreLabel = h('span', {});
  const body = h('div', { class: 'filter-grid' });
  const more = h('details', { class: 'more-filters', open: activeCount(filters) > 0 },
    h('summary', {}, moreLabel), body);
  const clear = h('button', { type: 'button', class: 'secondary clear-filters', onclick: () => {
    apply({ ...blankFilters(), query: filters.query, kind: filters.kind, deleted: filters.deleted }, true);
  } }, t('list.clear_filters'));
  // The controls are drawn again only when the kind changes which of them apply (or all were
  // cleared): a control keeps the focus while its value changes.
  function build() {
    const needs = !filters.kind || filters.kind === 'need';
    body.replaceChildren(
      field('list.category', categories()),
      needs ? field('need.urgency', select('urgency', opts('urgency'))) : null,
      needs ? field('need.status', select('status', opts('status'))) : null,
      field('list.country', select('country', opts('country'))),
      date('from', 'list.from'), date('to', 'list.to'),
      field('list.author', select('author', who)),
      needs ? field('need.assignee', select('assignee', who)) : null,
      needs ? field('list.due', select('due', DUE.map((d) => [d, t(`list.due_${d}`)]))) : null,
      h('div', { class: 'check' }, h('input', { type: 'checkbox', id: conflictId, checked: Boolean(filters.conflict),
        onchange: (e) => apply({ conflict: e.target.checked }) }),
        h('label', { for: conflictId }, t('list.only_conflicts'))),
      clear);
  }
  function refresh(rebuild = false) {
    const n = activeCount(filters);
    moreLabel.textContent = n ? t('list.more_filters_set', { count: n }) : t('list.more_filters');
    clear.hidden = !n;
    if (rebuild) {
      build();
      sort.value = filters.sort || 'auto';
      kind.value = filters.kind || '';
    }
  }
  build();
  refresh();
  const el = h('div', { class: 'filters' },
    h('div', { class: 'filter-row' }, field('list.kind', kind), field('list.sort', sort)), more);
  return { el, refresh };
}
