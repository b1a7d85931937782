/**
 * The conflict view: for each field with several live values, every value with its author and
 * time; the person keeps one, or writes a merged value. Either is an ordinary new write whose
 * context covers every value shown, so it resolves the conflict on every device that receives it.
 * Nothing here resolves anything by itself (design §4).
 */

import { fieldsOf, kindOf, normalize, toForm, validate } from '../forms.js';
import { formatMoment } from '../sync/status.js';
import { h, uid } from './dom.js';
import { FIELD as ATTACHMENTS, attachmentEntries } from '../core/attachments.js';
import { formatValue, recordLabel } from './format.js';

const MERGEABLE = ['text', 'textarea', 'tags', 'links', 'checks', 'number'];

/**
 * Who wrote a value, as the directory tells it (and `names`, device → {name}: the names devices gave
 * themselves): {text, verified}.
 */
export function authorOf(t, device, { me, directory, trusted, names = null }) {
  if (device === me) return { text: t('conflict.this_device'), verified: true };
  const entry = directory.get(device);
  const role = trusted[device] ?? entry?.role;
  const name = names?.get(device)?.name
    ?? (role ? t(`role.${role}`) : t('conflict.unknown_device')) + ' · ' + device.slice(0, 8);
  const removed = entry?.status === 'revoked' ? ' · ' + t('devices.revoked') : '';
  return { text: name + removed, verified: Object.prototype.hasOwnProperty.call(trusted, device) };
}

// A first draft of the merged value: every sibling's text, or the union of their lists.
function mergedDraft(f, siblings) {
  const values = siblings.map((s) => s.value).filter((v) => v !== null && v !== undefined);
  if (['tags', 'links', 'checks'].includes(f.type)) return [...new Set(values.flat())];
  if (f.type === 'number') return values[0] ?? '';
  return values.map(String).join(f.type === 'textarea' ? '\n\n' : ' / ');
}

function valueText(t, lang, kind, field, value) {
  if (field === '_deleted') return t(value === true ? 'conflict.deleted_yes' : 'conflict.deleted_no');
  // Attachments: their names only (an entry also holds the file's key, never shown).
  if (field === ATTACHMENTS) return attachmentEntries(value).map((e) => e.name).join(', ') || t('conflict.empty');
  return formatValue(t, lang, kind, field, value) || t('conflict.empty');
}

/**
 * `record`: {id, values, siblings, conflicts}; `data`: {me, directory (Map), trusted, names?}.
 * `on`: {keep(field, value), merge(field, value), back()}.
 */
export function conflictScreen(t, lang, record, data, on) {
  const kind = kindOf(record.values);
  const form = fieldsOf(kind);
  const sections = record.conflicts.map((field) => {
    const f = form.find((x) => x.name === field)
      ?? { name: field, type: field === '_deleted' ? 'deleted' : field === ATTACHMENTS ? 'attachments' : 'text' };
    const label = field === '_deleted' ? t('conflict.deleted_field') : t(`${kind}.${field}`);
    const siblings = record.siblings[field];
    const values = siblings.map((s, i) => {
      const author = authorOf(t, s.device, data);
      return h('li', { class: 'sibling' },
        h('p', { class: 'value' }, valueText(t, lang, kind, field, s.value)),
        h('p', { class: 'help' }, author.text, ' · ',
          h('span', { class: author.verified ? 'badge verified' : 'badge unverified' },
            t(author.verified ? 'devices.verified' : 'devices.unverified')),
          ' · ', s.t ? formatMoment(lang, s.t) : ''),
        h('button', { type: 'button', class: 'secondary', 'data-field': field,
          onclick: () => on.keep(field, s.value) }, t('conflict.keep', { n: i + 1 })));
    });
    return h('fieldset', { class: 'field conflict-field' }, h('legend', {}, label),
      h('ol', { class: 'siblings' }, values),
      f.type === 'attachments' ? keepAllAttachments(t, siblings, on)
        : MERGEABLE.includes(f.type) ? mergeEditor(t, kind, f, record, siblings, on) : h('p', { class: 'help' },
          t('conflict.choose_one')));
  });
  return h('section', { class: 'screen conflict-screen', 'aria-labelledby': 'conflict-title' },
    h('button', { type: 'button', class: 'back', onclick: () => on.back() }, t('detail.back')),
    h('h1', { id: 'conflict-title' }, t('conflict.title')),
    h('p', {}, recordLabel(t, lang, { ...record.values, kind })),
    h('p', { class: 'help' }, t('conflict.help')),
    sections.length ? sections : h('p', { class: 'ok', role: 'status' }, t('conflict.none')));
}

// Two devices attached files at once: keeping all of them is the usual answer (each once, by id).
function keepAllAttachments(t, siblings, on) {
  const all = new Map();
  for (const s of siblings) for (const e of attachmentEntries(s.value)) if (!all.has(e.id)) all.set(e.id, e);
  return h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary',
    onclick: () => on.merge(ATTACHMENTS, [...all.values()]) }, t('conflict.keep_all')));
}

function mergeEditor(t, kind, f, record, siblings, on) {
  const id = uid('merge');
  const error = h('p', { class: 'error', role: 'alert' });
  const draft = mergedDraft(f, siblings);
  const text = Array.isArray(draft) ? draft.join(f.type === 'links' ? '\n' : ', ') : String(draft);
  const input = f.type === 'textarea' || f.type === 'links' || f.type === 'tags'
    ? h('textarea', { id, rows: '4', value: text })
    : h('input', { id, type: 'text', value: text, inputmode: f.type === 'number' ? 'numeric' : false });
  const save = () => {
    const form = toForm(kind, record.values);
    form[f.name] = f.type === 'checks' ? draft : input.value;
    const errors = validate(kind, form, null);
    if (errors[f.name]) {
      error.textContent = t(errors[f.name]);
      return;
    }
    on.merge(f.name, normalize(kind, form)[f.name]);
  };
  if (f.type === 'checks') {
    return h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: save },
      t('conflict.keep_all')), error);
  }
  return h('div', { class: 'field merge' }, h('label', { for: id }, t('conflict.merged_label')), input, error,
    h('button', { type: 'button', class: 'primary', onclick: save }, t('conflict.save_merged')));
}
