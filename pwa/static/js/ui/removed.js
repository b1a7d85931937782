/**
 * The screen of a device a coordinator removed while it still held changes it had not sent: they
 * stay on it, sealed by the passphrase (nobody reads them without it), until the person erases
 * the device. Nothing else of the workspace is left on it.
 */

import { h } from './dom.js';
import { languagePicker } from './language.js';

/** `data`: {kept (items not sent)}; `on`: {erase(), language(lang)}. */
export function removedScreen(t, lang, data, on) {
  const confirm = h('div', { class: 'actions', hidden: true },
    h('p', {}, t('removed.erase_confirm')),
    h('button', { type: 'button', class: 'danger', onclick: (e) => { e.target.disabled = true; on.erase(); } },
      t('settings.wipe_yes')));
  return h('section', { class: 'screen removed', 'aria-labelledby': 'removed-title' },
    h('h1', { id: 'removed-title' }, t('removed.title')),
    h('p', { role: 'alert' }, t('removed.text')),
    h('p', {}, t('removed.kept', { count: data.kept })),
    h('p', { class: 'help' }, t('removed.help')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'danger', onclick: () => { confirm.hidden = false; } }, t('removed.erase'))),
    confirm,
    languagePicker(t, lang, on.language));
}
