/**
 * Export records as CSV or JSON: which records (those the list shows, or all), which fields (those
 * that can identify a person unticked until chosen), a plain warning that the file is plaintext.
 * The file goes straight to the browser's download; the app keeps no copy.
 */

import { META, defaultChoice, exportFields } from '../export.js';
import { h, uid } from './dom.js';
import { report } from '../report.js';

/**
 * `counts`: {shown, all}; `on`: {download({which, format, chosen}) → resolves when done, back()}.
 * Returns {el, progress(done, total)}.
 */
export function exportScreen(t, counts, on) {
  const chosen = new Set(defaultChoice());
  // A field several kinds share is named as each kind names it ("What happened / Details of the need").
  const named = (f) => [...new Set(f.kinds.map((k) => t(`${k}.${f.name}`)))].join(' / ');
  const fields = [...exportFields().map((f) => ({ ...f, label: named(f) })),
    ...META.map((m) => ({ ...m, label: t(`export.meta_${m.name}`) }))];
  const box = (f) => {
    const id = uid('field');
    return h('div', { class: 'option' }, h('input', { type: 'checkbox', id, value: f.name, checked: chosen.has(f.name),
      onchange: (e) => (e.target.checked ? chosen.add(f.name) : chosen.delete(f.name)) }),
    h('label', { for: id }, f.label));
  };
  const radios = (name, options, current) => options.map(([value, text]) => {
    const id = uid(name);
    return h('div', { class: 'option' }, h('input', { type: 'radio', id, name, value, checked: value === current }),
      h('label', { for: id }, text));
  });
  const form = h('form', { class: 'stack', onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    button.disabled = true;
    status.textContent = t('export.reading', { done: 0, total: 0 });
    try {
      await on.download({ which: data.get('which'), format: data.get('format'), chosen: [...chosen] });
      status.textContent = t('export.done');
    } catch (err) {
      status.textContent = t('export.failed'); // said here, in the form's own status line
      report(err, { where: 'export/download', show: false });
    } finally {
      button.disabled = false;
    }
  } },
  h('fieldset', { class: 'field choices' }, h('legend', {}, t('export.which')),
    h('div', { class: 'options' }, radios('which', [['shown', t('export.which_shown', { count: counts.shown })],
      ['all', t('export.which_all', { count: counts.all })]], 'shown'))),
  h('fieldset', { class: 'field choices' }, h('legend', {}, t('export.format')),
    h('div', { class: 'options' }, radios('format', [['csv', t('export.csv')], ['json', t('export.json')]], 'csv'))),
  h('fieldset', { class: 'field choices checks' }, h('legend', {}, t('export.fields')),
    h('div', { class: 'options' }, fields.filter((f) => !f.sensitive).map(box))),
  h('fieldset', { class: 'field choices checks sensitive' }, h('legend', {}, t('export.sensitive')),
    h('p', { class: 'help' }, t('export.sensitive_help')),
    h('div', { class: 'options' }, fields.filter((f) => f.sensitive).map(box))));
  const button = h('button', { type: 'submit', class: 'primary' }, t('export.download'));
  form.append(h('div', { class: 'actions' }, button));
  const status = h('p', { class: 'status', role: 'status' });
  const el = h('section', { class: 'screen export-screen', 'aria-labelledby': 'export-title' },
    h('button', { type: 'button', class: 'back', onclick: () => on.back() }, t('detail.back')),
    h('h1', { id: 'export-title' }, t('export.title')),
    h('p', { class: 'notice-inline warning', role: 'note' }, t('export.warning')),
    form, status);
  return { el, progress: (done, total) => { status.textContent = t('export.reading', { done, total }); } };
}
