/**
 * A record's case notes: each its own small encrypted record (the registry's `note` kind, naming
 * the record in `about`), so notes written at once on two devices never conflict; shown oldest
 * first with the device that wrote each and when (the time inside its ciphertext), and a field to
 * add one.
 */

import { h, uid } from './dom.js';
import { report } from '../report.js';

/**
 * `notes`: [{id, text, author (a device's label), when (text)}], oldest first; `add(text)` saves a
 * note and resolves when it is stored. Returns the section.
 */
export function notesSection(t, notes, add) {
  const id = uid('note');
  const headingId = uid('notes');
  const status = h('p', { class: 'status', role: 'status' });
  const text = h('textarea', { id, rows: '3', maxlength: '5000' });
  const button = h('button', { type: 'submit', class: 'secondary' }, t('notes.add'));
  const form = h('form', { class: 'stack add-note', onsubmit: async (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) {
      status.textContent = t('notes.empty');
      text.focus();
      return;
    }
    button.disabled = true;
    try {
      await add(value);
      text.value = '';
      status.textContent = t('notes.added');
    } catch (err) {
      status.textContent = t('notes.failed'); // said here, beside the note
      report(err, { where: 'note/add', show: false });
    } finally {
      button.disabled = false;
    }
  } }, h('div', { class: 'field' }, h('label', { for: id }, t('notes.new')), text),
    h('div', { class: 'actions' }, button));
  return h('section', { class: 'notes', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, t('notes.title')),
    notes.length
      ? h('ol', { class: 'note-list' }, notes.map((n) => h('li', { class: 'note' },
        h('p', { class: 'meta' }, t('notes.by', { device: n.author, when: n.when })),
        h('p', { class: 'text' }, n.text))))
      : h('p', { class: 'help' }, t('notes.none')),
    form, status);
}
