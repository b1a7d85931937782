/**
 * Choosing the passphrase when joining (invite link) or setting up a workspace (setup link):
 * a strength meter, a confirmation, and the plain warning that nobody can recover it.
 */

import { MIN_SCORE, acceptable, strength } from '../strength.js';
import { h, uid } from './dom.js';
import { languagePicker } from './language.js';

/** `mode` is 'join' or 'setup'; `on`: {submit(passphrase), language(lang)}; returns {el, busy(step), fail(msg)}. */
export function joinScreen(t, lang, mode, { fingerprint } = {}, on) {
  const pid = uid('pass');
  const cid = uid('confirm');
  const pass = h('input', { id: pid, type: 'password', autocomplete: 'new-password', required: true,
    'aria-describedby': `${pid}-meter ${pid}-warn` });
  const confirm = h('input', { id: cid, type: 'password', autocomplete: 'new-password', required: true });
  const meter = h('meter', { min: '0', max: '4', low: String(MIN_SCORE), high: '3', optimum: '4', value: '0',
    'aria-label': t('strength.label') });
  const verdict = h('span', { class: 'verdict' });
  const hints = h('ul', { class: 'hints' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t(mode === 'setup' ? 'join.setup_button' : 'join.button'));
  const show = h('input', { type: 'checkbox', id: uid('show'), onchange: (e) => {
    pass.type = confirm.type = e.target.checked ? 'text' : 'password';
  } });

  const update = () => {
    const s = strength(pass.value);
    meter.value = s.score;
    verdict.textContent = pass.value ? t(`strength.${s.score}`) : '';
    hints.replaceChildren(...(pass.value ? s.hints : []).map((k) => h('li', {}, t(k))));
  };
  pass.addEventListener('input', update);

  const form = h('form', { class: 'stack', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!acceptable(pass.value)) {
      error.textContent = t('join.too_weak');
      pass.focus();
    } else if (pass.value !== confirm.value) {
      error.textContent = t('join.mismatch');
      confirm.focus();
    } else {
      on.submit(pass.value);
    }
  } },
  h('div', { class: 'field' }, h('label', { for: pid }, t('join.passphrase')), pass,
    h('div', { class: 'meter', id: `${pid}-meter` }, meter, verdict), hints),
  h('div', { class: 'field' }, h('label', { for: cid }, t('join.confirm')), confirm),
  h('div', { class: 'check' }, show, h('label', { for: show.id }, t('join.show'))),
  h('p', { class: 'warning', id: `${pid}-warn` }, t('join.warning')),
  error, status, button);

  const el = h('section', { class: 'screen join', 'aria-labelledby': 'join-title' },
    h('h1', { id: 'join-title' }, t(mode === 'setup' ? 'join.setup_title' : 'join.title')),
    h('p', {}, t(mode === 'setup' ? 'join.setup_intro' : 'join.intro')),
    fingerprint ? h('p', { class: 'fingerprint' }, t('join.fingerprint'), ' ', h('code', {}, fingerprint.slice(0, 16))) : null,
    form, languagePicker(t, lang, on.language));

  return {
    el,
    busy(step) {
      button.disabled = Boolean(step);
      pass.disabled = confirm.disabled = Boolean(step);
      status.textContent = step ? t(`join.step_${step}`) : '';
    },
    fail(message) {
      this.busy(null);
      error.textContent = message;
    },
  };
}
