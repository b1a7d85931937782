/**
 * Changing the passphrase (Settings): the current one, then a new one chosen as when joining (a
 * generated one by default). For a device that joined with a weak passphrase, this is the way to
 * one that holds when the vault is imaged.
 */

import { h, uid } from './dom.js';
import { passphraseChooser } from './join.js';

/** `on`: {change(current, next) → Promise<'changed'|'wrong'|'duress'>, back()}. */
export function passphraseScreen(t, lang, on) {
  const cid = uid('current');
  const current = h('input', { id: cid, type: 'password', autocomplete: 'off', autocapitalize: 'none',
    autocorrect: 'off', spellcheck: 'false', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('passphrase.save'));
  const chooser = passphraseChooser(t, lang, error);
  const form = h('form', { class: 'stack', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (!current.value) {
      error.textContent = t('passphrase.current_missing');
      current.focus();
      return;
    }
    const next = await chooser.take();
    if (!next) return;
    button.disabled = true;
    chooser.disable(true);
    status.textContent = t('join.step_seal');
    const result = await on.change(current.value, next);
    button.disabled = false;
    chooser.disable(false);
    status.textContent = '';
    current.value = '';
    if (result === 'changed') {
      chooser.clear();
      status.textContent = t('passphrase.changed');
    } else {
      error.textContent = t(result === 'duress' ? 'passphrase.is_duress' : 'passphrase.wrong');
      current.focus();
    }
  } },
  h('div', { class: 'field' }, h('label', { for: cid }, t('passphrase.current')), current),
  chooser.el,
  h('p', { class: 'warning' }, t('join.warning')),
  error, status, button);
  return h('section', { class: 'screen passphrase', 'aria-labelledby': 'passphrase-title' },
    h('button', { type: 'button', class: 'back', onclick: () => on.back() }, t('keeps.back')),
    h('h1', { id: 'passphrase-title' }, t('passphrase.title')),
    h('p', {}, t('passphrase.intro')),
    form);
}
