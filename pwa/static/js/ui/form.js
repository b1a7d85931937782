/**
 * A record's form, drawn from the registry of kinds through forms.js. Fields validate as the person types (once a
 * field was left, or after a first try to save); every change is reported so it can be kept as
 * a sealed draft. A failed save puts an error summary at the top (as GOV.UK's does): it takes the
 * focus, names every problem, and each entry moves the focus to its field.
 */

import { OPTIONS, fieldsOf, validate } from '../forms.js';
import { h, uid } from './dom.js';

// The person's own calendar day, not UTC's: near midnight the two differ.
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);

/**
 * `data`: {kind, values (form state), editing, restored, choices: {field: [{id, label}]} (the records
 * a field of type "record" may name), firstPerson (the questions as a reporter reads them)}.
 * `on`: {change(values), submit(values), cancel()}. Returns {el, busy(on)}.
 */
export function formScreen(t, data, on) {
  const { kind } = data;
  const values = structuredClone(data.values);
  const touched = new Set();
  let tried = false;
  const errorsEl = {};
  const controls = {};

  const summaryList = h('ul', { class: 'error-list' });
  const summary = h('div', { class: 'error-summary', tabindex: '-1', 'aria-labelledby': 'error-summary-title',
    hidden: true }, h('h2', { id: 'error-summary-title' }, t('form.errors_title')), summaryList);

  const refresh = () => {
    const errors = validate(kind, values, today());
    const listed = [];
    for (const f of fieldsOf(kind)) {
      const shown = (tried || touched.has(f.name)) && errors[f.name];
      errorsEl[f.name].textContent = shown ? t(errors[f.name]) : '';
      for (const c of controls[f.name]) c.setAttribute('aria-invalid', shown ? 'true' : 'false');
      if (tried && errors[f.name]) {
        listed.push(summaryItem(t(`${prefix(f)}.${f.name}`), t(errors[f.name]), controls[f.name][0]));
      }
    }
    // Once shown, the summary follows the fixes (it goes when nothing is left); it never takes the
    // focus again until the next try to save.
    summaryList.replaceChildren(...listed);
    summary.hidden = !listed.length;
    return errors;
  };
  const changed = (name) => {
    touched.add(name);
    refresh();
    on.change(structuredClone(values));
  };

  // A person reporting for themselves reads the first-person question where there is one.
  const firstPerson = (f) => data.firstPerson && t(`self.${kind}.${f.name}`) !== `self.${kind}.${f.name}`;
  const prefix = (f) => (firstPerson(f) ? `self.${kind}` : kind);
  const fields = fieldsOf(kind).map((f) => fieldView(t, kind, f, values, data, changed, errorsEl, controls, prefix(f)));
  const submit = h('button', { type: 'submit', class: 'primary' }, t('form.save'));
  const form = h('form', { class: 'stack record-form', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    tried = true;
    const errors = refresh();
    if (fieldsOf(kind).some((f) => errors[f.name])) {
      summary.focus();
      return;
    }
    on.submit(structuredClone(values));
  } }, fields, h('div', { class: 'actions sticky' },
    h('button', { type: 'button', class: 'secondary', onclick: () => on.cancel() }, t('form.cancel')), submit));

  const el = h('section', { class: 'screen form-screen', 'aria-labelledby': 'form-title' },
    h('h1', { id: 'form-title' }, t(`${kind}.${data.editing ? 'edit_title' : 'new_title'}`)),
    data.restored ? h('p', { class: 'notice-inline', role: 'status' }, t('form.draft_restored')) : null,
    summary,
    h('p', { class: 'help' }, t('form.required_note')),
    form);
  refresh();
  return { el, busy(on) { submit.disabled = on; } };
}

/** One entry of the error summary: the field's name and its problem; following it focuses the field. */
export function summaryItem(label, message, control) {
  // A real link (keyboard, screen readers' link lists), but the address never changes: nothing of
  // a form belongs in the URL or the history.
  return h('li', {}, h('a', { href: `#${control.id}`, onclick: (e) => {
    e.preventDefault();
    control.focus();
    control.scrollIntoView({ block: 'center' });
  } }, `${label}: ${message}`));
}

function optionLabel(t, options, value) {
  return t(`opt.${options}.${value}`);
}

/**
 * One field of a kind's form: its label (`<prefix>.<name>`, the kind by default), help if the
 * translations have one, control and error line. `changed(name)` follows every edit of
 * `values`; `errorsEl` and `controls` receive the field's error line and controls by name.
 */
export function fieldView(t, kind, f, values, data, changed, errorsEl, controls, prefix = kind) {
  const id = uid(f.name);
  const label = t(`${prefix}.${f.name}`) + (f.required ? ' *' : '');
  const error = h('p', { class: 'error', id: `${id}-error` });
  errorsEl[f.name] = error;
  const help = t(`${prefix}.${f.name}_help`);
  const helpEl = help !== `${prefix}.${f.name}_help` ? h('p', { class: 'help', id: `${id}-help` }, help) : null;
  const described = [helpEl ? `${id}-help` : null, `${id}-error`].filter(Boolean).join(' ');
  const common = { id, 'aria-describedby': described, 'aria-required': f.required ? 'true' : false };
  const set = (v) => { values[f.name] = v; changed(f.name); };

  if (f.type === 'radio' || f.type === 'checks') {
    const multi = f.type === 'checks';
    const inputs = OPTIONS[f.options].map((value) => {
      const oid = uid(f.name);
      const input = h('input', { type: multi ? 'checkbox' : 'radio', id: oid, name: id, value,
        checked: multi ? values[f.name].includes(value) : values[f.name] === value,
        onchange: () => set(multi ? inputs.filter((i) => i.checked).map((i) => i.value) : value) });
      return input;
    });
    controls[f.name] = inputs;
    return h('fieldset', { class: `field choices ${f.type}`, 'aria-describedby': described },
      h('legend', {}, label), helpEl,
      h('div', { class: 'options' }, inputs.map((input) => h('div', { class: 'option' }, input,
        h('label', { for: input.id }, optionLabel(t, f.options, input.value))))), error);
  }

  let control;
  if (f.type === 'select' || f.type === 'record' || f.type === 'device') {
    const options = f.type === 'record' || f.type === 'device'
      ? (data.choices?.[f.name] || []).map((r) => [r.id, r.label])
      : OPTIONS[f.options].map((v) => [v, optionLabel(t, f.options, v)]);
    control = h('select', { ...common, onchange: (e) => set(e.target.value) },
      h('option', { value: '' }, t(f.type === 'record' ? 'form.no_link' : f.type === 'device'
        ? 'form.nobody' : 'form.choose')),
      options.map(([v, text]) => h('option', { value: v, selected: values[f.name] === v }, text)));
  } else if (f.type === 'textarea' || f.type === 'links') {
    const v = values[f.name];
    const text = Array.isArray(v) ? v.join('\n') : v;
    control = h('textarea', { ...common, rows: f.type === 'links' ? '2' : '4', value: text,
      oninput: (e) => set(f.type === 'links' ? e.target.value.split(/\s+/).filter(Boolean) : e.target.value) });
  } else if (f.type === 'when') {
    const monthOnly = /^\d{4}-\d{2}$/.test(values[f.name]);
    control = h('input', { ...common, type: monthOnly ? 'month' : 'date', value: values[f.name], max: today(),
      oninput: (e) => set(e.target.value) });
    const cid = uid('month');
    const toggle = h('input', { type: 'checkbox', id: cid, checked: monthOnly, onchange: (e) => {
      control.type = e.target.checked ? 'month' : 'date';
      control.max = e.target.checked ? today().slice(0, 7) : today();
      const v = values[f.name];
      set(e.target.checked ? (v || today()).slice(0, 7) : (v.length === 7 ? `${v}-01` : v));
      control.value = values[f.name];
    } });
    controls[f.name] = [control];
    return h('div', { class: 'field' }, h('label', { for: id }, label), control,
      h('div', { class: 'check' }, toggle, h('label', { for: cid }, t('form.month_only'))), helpEl, error);
  } else {
    const type = f.type === 'date' ? 'date' : 'text';
    const numeric = f.type === 'number';
    const v = values[f.name];
    const text = Array.isArray(v) ? v.join(', ') : v;
    control = h('input', { ...common, type, value: text, inputmode: numeric ? 'numeric' : false,
      autocomplete: 'off', maxlength: type === 'text' && !numeric ? '400' : false,
      oninput: (e) => set(e.target.value) });
  }
  control.addEventListener('blur', () => changed(f.name));
  controls[f.name] = [control];
  return h('div', { class: 'field' }, h('label', { for: id }, label), helpEl, control, error);
}
