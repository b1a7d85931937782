/**
 * The report of a person reporting for themselves: a short page in the first person (what
 * happened, when, where, what they need, whether and how they may be contacted, consent in plain
 * words), everything else folded away. The questions are the registry's fields (self-report.js
 * says what they become); a failed send puts an error summary at the top, as the forms do.
 */

import { CONTACT_FIELDS, FLOW, checkReport, fieldOf } from '../self-report.js';
import { h, uid } from './dom.js';
import { fieldView, summaryItem } from './form.js';

// The person's own calendar day, not UTC's: near midnight the two differ.
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);

/** `data`: {values (self-report.js state), restored}; `on`: {change(state), submit(state), cancel()}. */
export function reportScreen(t, data, on) {
  const state = structuredClone(data.values);
  const touched = new Set();
  let tried = false;
  const errorsEl = {};
  const controls = {};
  const labels = {};

  const summaryList = h('ul', { class: 'error-list' });
  const summary = h('div', { class: 'error-summary', tabindex: '-1', 'aria-labelledby': 'report-errors-title',
    hidden: true }, h('h2', { id: 'report-errors-title' }, t('form.errors_title')), summaryList);

  const refresh = () => {
    const errors = checkReport(state, today(), t);
    const listed = [];
    for (const [key, el] of Object.entries(errorsEl)) {
      const shown = (tried || touched.has(key)) && errors[key];
      el.textContent = shown ? t(errors[key]) : '';
      for (const c of controls[key]) c.setAttribute('aria-invalid', shown ? 'true' : 'false');
      if (tried && errors[key] && !controls[key][0].closest('[hidden]')) {
        listed.push(summaryItem(labels[key], t(errors[key]), controls[key][0]));
      }
    }
    summaryList.replaceChildren(...listed);
    summary.hidden = !listed.length;
    return errors;
  };
  const changed = (key) => {
    touched.add(key);
    refresh();
    on.change(structuredClone(state));
  };

  // A registry field, labelled in the first person (self.<kind>.<name>).
  const question = (kind, name, extra = {}) => {
    const f = { ...fieldOf(kind, name), ...extra };
    const local = {};
    const localControls = {};
    const el = fieldView(t, kind, f, state[kind], {}, () => changed(`${kind}.${name}`), local, localControls,
      `self.${kind}`);
    errorsEl[`${kind}.${name}`] = local[name];
    controls[`${kind}.${name}`] = localControls[name];
    labels[`${kind}.${name}`] = t(`self.${kind}.${name}`);
    return el;
  };
  // A yes/no question of the report itself ('help', 'reach').
  const choice = (key, onchange) => {
    const id = uid(key);
    const error = h('p', { class: 'error', id: `${id}-error` });
    const inputs = ['yes', 'no'].map((value) => h('input', { type: 'radio', id: uid(key), name: id, value,
      checked: state[key] === value, 'aria-describedby': `${id}-error`, onchange: () => {
        state[key] = value;
        onchange();
        changed(key);
      } }));
    errorsEl[key] = error;
    controls[key] = inputs;
    labels[key] = t(`self.${key}`);
    return h('fieldset', { class: 'field choices radio' }, h('legend', {}, `${t(`self.${key}`)} *`),
      h('div', { class: 'options' }, inputs.map((input) => h('div', { class: 'option' }, input,
        h('label', { for: input.id }, t(`self.${key}_${input.value}`))))), error);
  };
  const tick = (key, { required = false } = {}) => {
    const id = uid(key);
    const error = h('p', { class: 'error', id: `${id}-error` });
    const input = h('input', { type: 'checkbox', id, checked: state[key], 'aria-describedby': `${id}-error`,
      'aria-required': required ? 'true' : false, onchange: (e) => { state[key] = e.target.checked; changed(key); } });
    errorsEl[key] = error;
    controls[key] = [input];
    labels[key] = t(`self.${key}`);
    return h('div', { class: 'field' }, h('div', { class: 'check' }, input,
      h('label', { for: id }, t(`self.${key}`) + (required ? ' *' : ''))), error);
  };
  const section = (key, ...children) => {
    const id = uid('part');
    return h('section', { class: 'stack report-part', 'aria-labelledby': id }, h('h2', { id }, t(`self.${key}_title`)),
      children);
  };
  const more = (key, kind) => h('details', { class: 'more' }, h('summary', {}, t(`self.more_${key}`)),
    h('div', { class: 'stack' }, FLOW[kind].folded.map((name) => question(kind, name))));

  const needPart = h('div', { class: 'stack', hidden: state.help !== 'yes' },
    FLOW.need.shown.map((name) => question('need', name)), more('need', 'need'));
  const reachPart = h('div', { class: 'stack', hidden: state.reach !== 'yes' },
    CONTACT_FIELDS.map((name) => question('need', name, name === 'contact' ? { required: true } : {})));

  const [what, whatKind, ...whenWhere] = FLOW.incident.shown;
  const submit = h('button', { type: 'submit', class: 'primary' }, t('self.send'));
  const form = h('form', { class: 'stack record-form report-form', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    tried = true;
    const errors = refresh();
    // A problem in a folded part opens it, so the summary's link can reach the field.
    for (const key of Object.keys(errors)) {
      const details = controls[key]?.[0]?.closest('details');
      if (details) details.open = true;
    }
    if (Object.keys(errors).length) {
      refresh();
      summary.focus();
      return;
    }
    on.submit(structuredClone(state));
  } },
  section('what', question('incident', what), question('incident', whatKind)),
  section('when_where', whenWhere.map((name) => question('incident', name))),
  more('incident', 'incident'),
  section('help', choice('help', () => { needPart.hidden = state.help !== 'yes'; }), needPart),
  section('reach', h('p', { class: 'help' }, t('self.reach_help')),
    choice('reach', () => { reachPart.hidden = state.reach !== 'yes'; }), reachPart),
  section('consent', h('p', { class: 'help' }, t('self.consent_help')), tick('keep', { required: true }),
    tick('stats')),
  h('div', { class: 'actions sticky' },
    h('button', { type: 'button', class: 'secondary', onclick: () => on.cancel() }, t('form.cancel')), submit));

  const el = h('section', { class: 'screen form-screen report-screen', 'aria-labelledby': 'report-title' },
    h('h1', { id: 'report-title' }, t('self.title')),
    data.restored ? h('p', { class: 'notice-inline', role: 'status' }, t('form.draft_restored')) : null,
    summary,
    h('p', { class: 'help' }, t('self.intro')),
    form);
  refresh();
  return { el, busy(on) { submit.disabled = on; } };
}
