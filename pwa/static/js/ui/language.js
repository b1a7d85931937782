/** The language switcher: each language named in itself. */

import { LANGUAGES, NATIVE_NAMES } from '../i18n.js';
import { h, uid } from './dom.js';

/** A labelled select; `onchange(lang)` when the person picks another language. */
export function languagePicker(t, current, onchange) {
  const id = uid('lang');
  const select = h('select', { id, onchange: (e) => onchange(e.target.value) },
    LANGUAGES.map((code) => h('option', { value: code, selected: code === current, lang: code }, NATIVE_NAMES[code])));
  return h('div', { class: 'field language' }, h('label', { for: id }, t('settings.language')), select);
}
