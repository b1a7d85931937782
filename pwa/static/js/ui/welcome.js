/** The screen of a device that has not joined (or was wiped): how to join, and a place to paste a link. */

import { h, uid } from './dom.js';
import { languagePicker } from './language.js';

/** `on`: {link(url), language(lang)}. */
export function welcomeScreen(t, lang, on, { error } = {}) {
  const id = uid('link');
  const input = h('input', { id, type: 'url', inputmode: 'url', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': id + '-help' });
  const form = h('form', { class: 'stack', onsubmit: (e) => { e.preventDefault(); on.link(input.value.trim()); } },
    h('div', { class: 'field' }, h('label', { for: id }, t('welcome.link_label')), input,
      h('p', { class: 'help', id: id + '-help' }, t('welcome.link_help'))),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    h('button', { type: 'submit', class: 'primary' }, t('welcome.open')));
  return h('section', { class: 'screen welcome', 'aria-labelledby': 'welcome-title' },
    h('h1', { id: 'welcome-title' }, t('welcome.title')),
    h('p', {}, t('welcome.intro')),
    form,
    languagePicker(t, lang, on.language));
}
