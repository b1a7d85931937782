/**
 * Who wrote what: each value the record holds now, with the device that wrote it and when (the
 * time travels inside the value's ciphertext, so the server never sees it). A field in conflict
 * shows each of its values.
 */

import { fieldsOf } from '../forms.js';
import { h, uid } from './dom.js';
import { formatValue } from './format.js';

/**
 * `record`: {values, siblings: {field: [{value, t, device}]}}; `deviceLabel(id)`; `lookup(id)` for
 * linked records. Returns a folded section, or null when nothing is known of the writers.
 */
export function historySection(t, lang, kind, record, deviceLabel, lookup) {
  const when = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const writes = fieldsOf(kind).flatMap((f) => (record.siblings?.[f.name] ?? []).map((w) => [f, w]));
  if (!writes.some(([f, w]) => formatValue(t, lang, kind, f.name, w.value))) return null;
  const id = uid('history');
  // Drawn when opened: folded, the page holds no second copy of the record's text.
  const table = () => h('div', { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-labelledby': id },
    h('table', { class: 'numbers', 'aria-labelledby': id },
      h('thead', {}, h('tr', {}, ['history.field', 'history.value', 'history.device', 'history.when']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, writes.map(([f, w]) => {
        const text = formatValue(t, lang, kind, f.name, w.value, (rid) => lookup(rid)?.label, deviceLabel);
        return text ? h('tr', {}, h('th', { scope: 'row' }, t(`${kind}.${f.name}`)), h('td', { class: 'long' }, text),
          h('td', {}, deviceLabel(w.device)), h('td', {}, w.t ? when.format(new Date(w.t)) : '')) : null;
      }))));
  const details = h('details', { class: 'history', ontoggle: () => {
    if (details.open) details.append(table());
    else if (details.lastChild !== details.firstChild) details.lastChild.remove();
  } }, h('summary', { id }, t('history.title')));
  return details;
}
