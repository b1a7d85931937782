/** The lock screen: one passphrase field. Wrong attempts slow down; the failure limit wipes. */

import { h, uid } from './dom.js';
import { languagePicker } from './language.js';

/** `on`: {unlock(passphrase), language(lang), keeps()}; returns {el, busy(on), fail(message), focus()}. */
export function lockScreen(t, lang, on) {
  const id = uid('unlock');
  // No capital letter or correction a phone keyboard would add: a generated passphrase is lower case.
  const input = h('input', { id, type: 'password', autocomplete: 'current-password', autocapitalize: 'none',
    autocorrect: 'off', spellcheck: 'false', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('lock.unlock'));
  const form = h('form', { class: 'stack', onsubmit: (e) => {
    e.preventDefault();
    if (input.value) on.unlock(input.value);
  } }, h('div', { class: 'field' }, h('label', { for: id }, t('lock.passphrase')), input), error, status, button);
  const el = h('section', { class: 'screen lock-screen', 'aria-labelledby': 'lock-title' },
    h('h1', { id: 'lock-title' }, t('lock.title')), form,
    on.keeps ? h('p', {}, h('button', { type: 'button', class: 'link', onclick: () => on.keeps() },
      t('keeps.link'))) : null,
    languagePicker(t, lang, on.language));
  let timer = null;
  return {
    el,
    busy(on) {
      button.disabled = input.disabled = on;
      status.textContent = on ? t('lock.opening') : '';
    },
    fail(message, waitSeconds = 0) {
      this.busy(false);
      input.value = '';
      error.textContent = message;
      clearInterval(timer);
      if (waitSeconds > 0) {
        let left = waitSeconds;
        button.disabled = input.disabled = true;
        const tick = () => {
          status.textContent = t('lock.wait', { count: left });
          if (left-- <= 0) {
            clearInterval(timer);
            status.textContent = '';
            button.disabled = input.disabled = false;
            input.focus();
          }
        };
        tick();
        timer = setInterval(tick, 1000);
      } else {
        input.focus();
      }
    },
    focus() { input.focus(); },
  };
}
