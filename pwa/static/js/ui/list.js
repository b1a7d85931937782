/** The list of records: search, filters, and one large button per record. */

import { fieldsOf, kindSpec } from '../forms.js';
import { dueState, localDay, query } from '../query.js';
import { listed } from '../summary.js';
import { h, uid } from './dom.js';
import { filterPanel } from './filters.js';
import { recordLabel } from './format.js';

const FIRST = 40;
const SLICE = 250;
const EAGER = 540; // entries drawn without waiting for a scroll

/**
 * `on`: {open(id), filters(filters), create(kind), verify(device)}; `reporter`: the list of a person
 * reporting for themselves (its empty state points at the report); `devices`: [{id, label}] for the
 * author and assignee filters. Returns {el, update(summaries), waiting([[device, count, label]])}.
 */
export function listScreen(t, lang, summaries, filters, on, { reporter = false, devices = [] } = {}) {
  const sid = uid('search');
  const search = h('input', { id: sid, type: 'search', value: filters.query || '', autocomplete: 'off',
    oninput: (e) => apply({ query: e.target.value }) });
  const panel = filterPanel(t, filters, devices, (change, rebuild) => apply(change, rebuild));
  const waitingEl = h('div', { class: 'waiting-devices' });
  const deletedId = uid('deleted');
  const deleted = h('input', { type: 'checkbox', id: deletedId, checked: Boolean(filters.deleted),
    onchange: (e) => apply({ deleted: e.target.checked }) });
  const count = h('p', { class: 'count', role: 'status' });
  const list = h('ul', { class: 'records', 'aria-labelledby': 'list-title' });
  let all = summaries;

  // The words of the options a record's list entry keeps (category, urgency, status, country),
  // in the person's language, are searchable too (worked out once per summary: a keystroke in a
  // list of ten thousand must not translate them all again).
  const said = new WeakMap();
  const labels = (s) => {
    if (said.has(s)) return said.get(s);
    const spec = kindSpec(s.kind);
    const text = spec ? fieldsOf(s.kind).filter((f) => f.options && spec.summary.includes(f.name) && s[f.name])
      .map((f) => t(`opt.${f.options}.${s[f.name]}`)).join(' ').toLowerCase() : '';
    said.set(s, text);
    return text;
  };

  function item(s) {
    const meta = [];
    for (const name of kindSpec(s.kind)?.badges ?? []) {
      const f = s[name] && fieldsOf(s.kind).find((x) => x.name === name);
      if (f) meta.push(h('span', { class: `badge ${name}-${s[name]}` }, t(`opt.${f.options}.${s[name]}`)));
    }
    const due = dueState(s, today);
    if (due === 'overdue' || due === 'today') meta.push(h('span', { class: `badge due-${due}` },
      t(`list.badge_${due}`)));
    if (s.conflicts?.length) meta.push(h('span', { class: 'badge conflict' }, t('list.conflict')));
    if (s.deleted) meta.push(h('span', { class: 'badge' }, t('list.deleted')));
    return h('li', {}, h('button',
      { type: 'button', class: `record-item kind-${s.kind}`, onclick: () => on.open(s.id) },
      h('span', { class: 'kind' }, t(`kind.${s.kind}`)),
      h('span', { class: 'label' }, recordLabel(t, lang, s)),
      s.title ? h('span', { class: 'excerpt' }, s.title) : null,
      meta.length ? h('span', { class: 'meta' }, meta) : null));
  }

  let today = '';
  let drawing = 0;
  let watcher = null;
  function render() {
    const offset = new Date().getTimezoneOffset();
    today = localDay(Date.now(), offset);
    const shown = query(all, filters, { labels, today, offset });
    count.textContent = t('list.count', { count: shown.length });
    if (!shown.length) {
      const empty = reporter ? 'list.empty_report' : 'list.empty';
      list.replaceChildren(h('li', { class: 'empty' }, t(all.some(listed) ? 'list.no_match' : empty)));
      return;
    }
    // The first screenful at once, then slices between frames up to a few hundred entries; beyond
    // that, more only as the person scrolls to the end (or presses "Show more"): ten thousand
    // entries in the page would make every later keystroke pay for taking them down again.
    const run = ++drawing;
    list.replaceChildren(...shown.slice(0, FIRST).map(item));
    let next = FIRST;
    const moreButton = h('button', { type: 'button', class: 'secondary show-more', onclick: () => append(true) });
    const moreItem = h('li', { class: 'more' }, moreButton);
    const append = (asked = false) => {
      if (run !== drawing || next >= shown.length) return;
      moreItem.remove();
      const from = next;
      list.append(...shown.slice(next, next + SLICE).map(item));
      next += SLICE;
      if (next < shown.length) {
        moreButton.textContent = t('list.show_more', { count: Math.min(SLICE, shown.length - next),
          left: shown.length - next });
        list.append(moreItem);
        if (next < EAGER) setTimeout(append, 0);
      }
      // The first entry drawn by a press takes the focus, so a keyboard goes on where it was.
      if (asked) list.children[from]?.querySelector('button')?.focus();
    };
    setTimeout(append, 0);
    watcher?.disconnect();
    watcher = typeof IntersectionObserver === 'function' ? new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) append();
    }, { rootMargin: '600px' }) : null;
    watcher?.observe(moreItem);
  }

  function apply(change, rebuild = false) {
    Object.assign(filters, change);
    on.filters(filters);
    panel.refresh(rebuild);
    render();
  }

  // "N records from <device> are waiting": held back until a coordinator verifies that device.
  function waiting(list) {
    waitingEl.replaceChildren(...list.map(([device, n, label]) => h('div',
      { class: 'notice-inline waiting', role: 'note' },
      h('p', {}, t('list.waiting', { count: n, device: label })),
      on.verify ? h('button', { type: 'button', class: 'secondary', onclick: () => on.verify(device) },
        t('list.verify_device')) : null)));
  }

  render();
  const el = h('section', { class: 'screen list-screen', 'aria-labelledby': 'list-title' },
    h('h1', { id: 'list-title' }, t('list.title')),
    h('div', { class: 'field search' }, h('label', { for: sid }, t('list.search')), search),
    waitingEl, panel.el,
    h('div', { class: 'check' }, deleted, h('label', { for: deletedId }, t('list.show_deleted'))),
    count, list);
  return { el, update(next) { all = next; render(); }, waiting };
}

